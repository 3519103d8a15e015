// Package faulttest holds Jardam's fault tests: each starts its own private
// PostgreSQL cluster and runs the built jardam binary against it as a
// separate process, then breaks something (the database stops in immediate
// mode and comes back; the process receives SIGTERM under load; two
// processes share one database) and checks that no acknowledged write is
// lost or doubled, that clients see the documented answers, and that what
// replicas share lives in PostgreSQL. The package has no code outside its
// tests.
//
// The default run is short; -jardam.long (or JARDAM_FAULT_LONG=1) makes it
// longer. Without PostgreSQL server binaries the tests fail with a message
// saying so, except under -short, where they skip with that reason.
package faulttest
