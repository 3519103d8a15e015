// Package migrations holds Jardam's numbered, append-only SQL migrations.
// They are embedded in the binary and applied in order by `jardam migrate`
// as the schema owner role.
//
// docs/schema/security.sql lists the access rules the migrations leave
// (row-level security, policies, owners, grants, SECURITY DEFINER
// functions); this package's test fails when it differs from a migrated
// database. A migration that changes them regenerates it:
//
//	JARDAM_UPDATE_SECURITY_SQL=1 bash .ci/test-db.sh go test -count=1 -run TestSecuritySQLIsCurrent ./migrations/
package migrations

import "embed"

// FS holds every migration file, named NNNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
