package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMeasuresImportCommand(t *testing.T) {
	t.Parallel()
	ctx, d, cfg, log := demoCommandEnv(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "next.csv")
	csv := "program,code,direction,title_ru,title_ky,title_en,responsible,co_executors,default_for,program_title_ru,program_title_ky,program_title_en,program_starts_on,program_ends_on\n" +
		"2026-2030,2026-3.1,protection,Убежище,Баш калкалоочу жай,Shelter,MLSSM-SOC,SEZIM;AKZHUROK,shelter,Программа,Программа,Program,2026-01-01,2030-12-31\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := measuresCmd(ctx, cfg, log, []string{"import", file}); err != nil {
		t.Fatal(err)
	}
	if n := d.Count(t, `SELECT count(*) FROM measures WHERE program = '2026-2030' AND source = 'official'`); n != 1 {
		t.Fatalf("%d measures of the new program", n)
	}
	if n := d.Count(t, `SELECT count(*) FROM measures WHERE program = '2022-2025'`); n != 19 {
		t.Fatalf("%d measures of the first program", n)
	}
	// Leaving out a linked measure is refused, naming it.
	d.Exec(t, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at, measure_codes)
		SELECT gen_random_uuid(), 'SEZIM-2026-0001', id, id, 'identification', 'open', now(), '{2026-3.1}' FROM organizations WHERE code = 'SEZIM'`)
	empty := filepath.Join(dir, "other.yaml")
	if err := os.WriteFile(empty, []byte("program: {code: 2026-2030}\nsource: derived\nmeasures:\n"+
		"  - {code: '2026-1.1', direction: coordination, title: {ru: а, ky: б, en: c}, responsible: [MIA]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := measuresCmd(ctx, cfg, log, []string{"import", empty})
	if err == nil || !strings.Contains(err.Error(), "2026-3.1") {
		t.Fatalf("orphaning import: %v", err)
	}
	for _, args := range [][]string{{}, {"export"}, {"import"}, {"import", "a.csv", "b.csv"}} {
		var ue usageError
		if !errors.As(measuresCmd(ctx, cfg, log, args), &ue) {
			t.Errorf("%v: not a usage error", args)
		}
	}
}
