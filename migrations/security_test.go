package migrations_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

// securityFile is the reviewed listing of the database's access rules,
// relative to this package.
var securityFile = filepath.Join("..", "docs", "schema", "security.sql")

// updateEnv, set to 1, makes TestSecuritySQLIsCurrent rewrite securityFile.
const updateEnv = "JARDAM_UPDATE_SECURITY_SQL"

const regenerate = updateEnv + "=1 bash .ci/test-db.sh go test -count=1 -run TestSecuritySQLIsCurrent ./migrations/"

// securitySections lists, in a stable order, what decides who reads and
// writes what in the migrated database. Each query returns one text column,
// one statement per row, already ordered.
var securitySections = []struct{ title, query string }{
	{"Row-level security per table (tables without it are listed as comments)", `
SELECT CASE WHEN NOT c.relrowsecurity THEN format('-- %I: no row-level security', c.relname)
	ELSE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY;', c.relname) ||
		CASE WHEN c.relforcerowsecurity THEN format(E'\nALTER TABLE %I FORCE ROW LEVEL SECURITY;', c.relname) ELSE '' END END
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
ORDER BY c.relname`},
	{"Policies", `
SELECT format('CREATE POLICY %I ON %I AS %s FOR %s TO %s', p.policyname, p.tablename, p.permissive, p.cmd,
		array_to_string(p.roles, ', ')) ||
	coalesce(E'\n    USING (' || p.qual || ')', '') ||
	coalesce(E'\n    WITH CHECK (' || p.with_check || ')', '') || ';'
FROM pg_policies p
WHERE p.schemaname = 'public'
ORDER BY p.tablename, p.policyname`},
	{"Owners other than the database owner (views and functions run with their owner's rights)", `
SELECT stmt FROM (
	SELECT format('ALTER %s %I OWNER TO %I;', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
			WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname, pg_get_userbyid(c.relowner)) AS stmt
	FROM pg_class c
	WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
	  AND c.relowner <> (SELECT datdba FROM pg_database WHERE datname = current_database())
	UNION ALL
	SELECT format('ALTER FUNCTION %s OWNER TO %I;', p.oid::regprocedure, pg_get_userbyid(p.proowner))
	FROM pg_proc p
	WHERE p.pronamespace = 'public'::regnamespace
	  AND p.proowner <> (SELECT datdba FROM pg_database WHERE datname = current_database())
) s ORDER BY stmt`},
	{"Privileges on the schema", `
SELECT format('GRANT %s ON SCHEMA %I TO %s;', string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type), n.nspname,
	CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END)
FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
WHERE n.nspname = 'public' AND a.grantee <> n.nspowner
GROUP BY n.nspname, a.grantee
ORDER BY 1`},
	{"Privileges on tables, views and sequences (beyond their owner's)", `
SELECT format('GRANT %s ON %s %I TO %s%s;', string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type),
	CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname,
	CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
	CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's'::"char" ELSE 'r'::"char" END, c.relowner))) a
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND a.grantee <> c.relowner
GROUP BY c.relname, c.relkind, a.grantee, a.is_grantable
ORDER BY c.relname, 1`},
	{"Privileges on columns", `
SELECT format('GRANT %s (%s) ON TABLE %I TO %s;', a.privilege_type,
	string_agg(quote_ident(att.attname), ', ' ORDER BY att.attnum), c.relname,
	CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END)
FROM pg_class c JOIN pg_attribute att ON att.attrelid = c.oid, aclexplode(att.attacl) a
WHERE c.relnamespace = 'public'::regnamespace AND att.attacl IS NOT NULL AND NOT att.attisdropped
GROUP BY c.relname, a.privilege_type, a.grantee
ORDER BY c.relname, 1`},
	{"Who may execute each function (PUBLIC unless revoked)", `
SELECT format('GRANT EXECUTE ON FUNCTION %s TO %s;', p.oid::regprocedure,
	CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END)
FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
WHERE p.pronamespace = 'public'::regnamespace AND a.grantee <> p.proowner
ORDER BY 1`},
	{"Default privileges", `
SELECT format('-- defaults of %I for %s: %s', pg_get_userbyid(d.defaclrole), d.defaclobjtype, d.defaclacl::text)
FROM pg_default_acl d
ORDER BY 1`},
	{"SECURITY DEFINER functions (they run with their owner's rights, past row-level security)", `
SELECT rtrim(pg_get_functiondef(p.oid), E'\n') || E';\n'
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
ORDER BY p.oid::regprocedure::text`},
}

// TestSecuritySQLIsCurrent writes every row-level security setting, policy,
// grant, non-default owner and SECURITY DEFINER function of the migrated
// database to one listing and compares it with docs/schema/security.sql,
// so that a change to who may read what is one diff a reviewer reads.
func TestSecuritySQLIsCurrent(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	var b bytes.Buffer
	b.WriteString("-- Who may read and write what in Jardam's database: row-level security, policies,\n" +
		"-- owners, grants and SECURITY DEFINER functions after every migration, in a stable order.\n" +
		"-- Generated by TestSecuritySQLIsCurrent (migrations/security_test.go); do not edit.\n" +
		"-- After adding or changing a migration, regenerate it and review the diff:\n" +
		"--   " + regenerate + "\n")
	for _, s := range securitySections {
		var rows []string
		if err := d.App.Raw(s.query).Scan(&rows).Error; err != nil {
			t.Fatalf("%s: %v", s.title, err)
		}
		fmt.Fprintf(&b, "\n-- %s\n\n", s.title)
		if len(rows) == 0 {
			b.WriteString("-- (none)\n")
		}
		for _, r := range rows {
			b.WriteString(r + "\n")
		}
	}
	got := b.Bytes()
	if os.Getenv(updateEnv) == "1" {
		if err := os.MkdirAll(filepath.Dir(securityFile), 0o755); err != nil { //nolint:gosec // G301: a directory of the repository, readable like the others
			t.Fatal(err)
		}
		if err := os.WriteFile(securityFile, got, 0o644); err != nil { //nolint:gosec // G306: a file of the repository, readable like the others
			t.Fatal(err)
		}
		t.Logf("wrote %s", securityFile)
		return
	}
	want, err := os.ReadFile(securityFile)
	if err != nil {
		t.Fatalf("%v\nwrite it with:\n  %s", err, regenerate)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("docs/schema/security.sql differs from the migrated database:\n%s\n"+
			"If the migrations changed this on purpose, regenerate the file and commit it with them:\n  %s",
			firstDifference(string(want), string(got)), regenerate)
	}
}

// firstDifference shows the first line where the file and the database
// part, with a little context.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d\n  file:     %s\n  database: %s", i+1, wl, gl)
		}
	}
	return "(same lines, different line ends)"
}
