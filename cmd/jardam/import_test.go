package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportCTDCCommand(t *testing.T) {
	t.Parallel()
	ctx, d, cfg, log := demoCommandEnv(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := "yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation,isForcedLabour\n"
	bad := write("bad.csv", head+"2018,Woman,21-23,KGZ,RUS,1\n2018,Woman,21-23,KGZ,RUSSIA,1\n2018,Woman,21-23,KGZ,KAZ,1\n")
	count := func() int64 { return d.Count(t, `SELECT count(*) FROM cases WHERE source = 'import'`) }

	err := importCmd(ctx, cfg, log, []string{"ctdc", bad, "--organization", "AKZHUROK"})
	if err == nil || !strings.Contains(err.Error(), "nothing written") || count() != 0 {
		t.Fatalf("bad file: %v, %d cases", err, count())
	}
	if err := importCmd(ctx, cfg, log, []string{"ctdc", bad, "--organization", "AKZHUROK", "--skip-bad", "--dry-run"}); err != nil || count() != 0 {
		t.Fatalf("dry run: %v, %d cases", err, count())
	}
	if err := importCmd(ctx, cfg, log, []string{"ctdc", "--organization", "AKZHUROK", "--skip-bad", bad}); err != nil || count() != 2 {
		t.Fatalf("skip bad: %v, %d cases", err, count())
	}
	if n := d.Count(t, `SELECT count(*) FROM cases WHERE code LIKE 'AKZHUROK-2018-H000_'`); n != 2 {
		t.Fatalf("%d codes of the import series", n)
	}
	// A ';' file with a column Jardam has no place for imports only with
	// --ignore-columns naming it.
	months := write("months.csv", "yearOfRegistration;gender;ageBroad;citizenship;CountryOfExploitation;traffickMonths\n"+
		"2019;Woman;18--20;KG;RU;0--12 (0-1 yr)\n")
	err = importCmd(ctx, cfg, log, []string{"ctdc", months, "--organization", "AKZHUROK"})
	if err == nil || !strings.Contains(err.Error(), "nothing written") || count() != 2 {
		t.Fatalf("unnamed column: %v, %d cases", err, count())
	}
	if err := importCmd(ctx, cfg, log, []string{"ctdc", months, "--organization", "AKZHUROK", "--ignore-columns", " traffickMonths,"}); err != nil || count() != 3 {
		t.Fatalf("--ignore-columns: %v, %d cases", err, count())
	}
	for _, args := range [][]string{{}, {"csv", bad}, {"ctdc"}, {"ctdc", bad}, {"ctdc", bad, bad, "--organization", "SEZIM"}} {
		var ue usageError
		if !errors.As(importCmd(ctx, cfg, log, args), &ue) {
			t.Errorf("%v: not a usage error", args)
		}
	}
}
