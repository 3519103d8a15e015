// Package migrations holds Jardam's numbered, append-only SQL migrations.
// They are embedded in the binary and applied in order by `jardam migrate`
// as the schema owner role.
package migrations

import "embed"

// FS holds every migration file, named NNNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
