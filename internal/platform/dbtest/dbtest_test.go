package dbtest

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/migrations"
)

func TestCopiesAreCurrentAndIndependent(t *testing.T) {
	t.Parallel()
	a, b := New(t), New(t)
	ctx := context.Background()
	for _, d := range []*DB{a, b} {
		if err := database.CheckSchema(ctx, d.App, migrations.FS); err != nil {
			t.Fatalf("copy %s: %v", d.Name, err)
		}
	}
	a.Exec(t, "INSERT INTO organizations (code, name_ru, name_ky, name_en, kind, region) VALUES ('ONLY-A', 'a', 'a', 'a', 'ngo', 'chui')")
	if n := a.Count(t, "SELECT count(*) FROM organizations WHERE code = 'ONLY-A'"); n != 1 {
		t.Fatalf("row written to a: %d", n)
	}
	if n := b.Count(t, "SELECT count(*) FROM organizations WHERE code = 'ONLY-A'"); n != 0 {
		t.Fatalf("row written to a is in b: %d", n)
	}
	// A copy keeps the database-level privileges Bootstrap gives: PUBLIC
	// may not connect.
	var publicConnect bool
	if err := a.App.Raw("SELECT has_database_privilege('public', current_database(), 'CONNECT')").Scan(&publicConnect).Error; err != nil {
		t.Fatal(err)
	}
	if publicConnect {
		t.Fatal("PUBLIC may connect to a test database")
	}
}

func TestTemplateIsClosedToConnections(t *testing.T) {
	t.Parallel()
	name, err := template(SuperURL())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, templatePrefix) {
		t.Fatalf("template name %q", name)
	}
	var isTemplate, allowConn bool
	superQuery(t, "SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1", name).Scan(&isTemplate, &allowConn)
	if !isTemplate || allowConn {
		t.Fatalf("template %s: datistemplate %v, datallowconn %v", name, isTemplate, allowConn)
	}
}

// TestConcurrentTemplateBuildsMakeOne builds a throwaway template from
// three callers at once, as test binaries of several packages do: all
// succeed and the result is one complete template.
func TestConcurrentTemplateBuildsMakeOne(t *testing.T) {
	t.Parallel()
	super := SuperURL()
	name := newDB(super).Name + "_tpl"
	t.Cleanup(func() { dropTemplate(super, name) })
	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- ensureTemplate(context.Background(), super, name) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatalf("build: %v", err)
		}
	}
	var isTemplate bool
	superQuery(t, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&isTemplate)
	if !isTemplate {
		t.Fatal("the built database is not marked as a template")
	}
	// An unfinished build (a database not yet marked as a template) is
	// dropped and built again.
	conn, err := pgx.Connect(context.Background(), super)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE false"); err != nil {
		t.Fatal(err)
	}
	if err := ensureTemplate(context.Background(), super, name); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	superQuery(t, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&isTemplate)
	if !isTemplate {
		t.Fatal("the rebuilt database is not marked as a template")
	}
}

func TestTemplateNameFollowsTheMigrations(t *testing.T) {
	t.Parallel()
	base := fstest.MapFS{
		"0001_init.sql": {Data: []byte("CREATE TABLE a (id int);")},
		"0002_more.sql": {Data: []byte("CREATE TABLE b (id int);")},
	}
	name := func(fsys fstest.MapFS) string {
		t.Helper()
		n, err := templateNameOf(fsys)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	changed := fstest.MapFS{"0001_init.sql": base["0001_init.sql"], "0002_more.sql": {Data: []byte("CREATE TABLE b (id bigint);")}}
	added := fstest.MapFS{"0001_init.sql": base["0001_init.sql"], "0002_more.sql": base["0002_more.sql"],
		"0003_last.sql": {Data: []byte("SELECT 1;")}}
	renamed := fstest.MapFS{"0001_init.sql": base["0001_init.sql"], "0002_other.sql": base["0002_more.sql"]}
	if first, again := name(base), name(base); first != again {
		t.Fatal("two names for the same migrations")
	}
	for label, fsys := range map[string]fstest.MapFS{"changed": changed, "added": added, "renamed": renamed} {
		if name(fsys) == name(base) {
			t.Errorf("a %s migration keeps the template name", label)
		}
	}
	if !strings.HasPrefix(name(base), templatePrefix) {
		t.Fatalf("template name %q", name(base))
	}
}

type row struct {
	t   *testing.T
	row pgx.Row
	c   *pgx.Conn
}

func (r row) Scan(dest ...any) {
	r.t.Helper()
	defer r.c.Close(context.Background())
	if err := r.row.Scan(dest...); err != nil {
		r.t.Fatal(err)
	}
}

func superQuery(t *testing.T, sql string, args ...any) row {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), SuperURL())
	if err != nil {
		t.Fatal(err)
	}
	return row{t: t, row: conn.QueryRow(context.Background(), sql, args...), c: conn}
}

func dropTemplate(super, name string) {
	conn, err := pgx.Connect(context.Background(), super)
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	_, _ = conn.Exec(context.Background(), "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE false")
	drop(super, name)
}
