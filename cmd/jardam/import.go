package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/jardam-kg/jardam/internal/ctdcimport"
	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

const importUsage = `import ctdc FILE.csv --organization CODE [--ignore-columns NAME,...] [--skip-bad] [--dry-run]
                                bring CTDC's global dataset (either release, ',' or ';') or legacy
                                records in its layout in as closed historical cases; a column
                                Jardam has no place for is refused unless named in --ignore-columns`

// importCmd runs `jardam import ctdc FILE.csv --organization CODE`
// (DATABASE_URL) and prints the report as JSON. A refused file lists every
// problem as `line N, column M: field: reason` and writes nothing.
func importCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) < 1 || args[0] != "ctdc" {
		return usageError("import: say `" + importUsage + "`")
	}
	fl := flag.NewFlagSet("import ctdc", flag.ContinueOnError)
	org := fl.String("organization", "", "code of the organization that owns the imported cases")
	skipBad := fl.Bool("skip-bad", false, "import the good rows of a file with bad ones, and report the bad ones")
	dryRun := fl.Bool("dry-run", false, "check the file and write nothing")
	ignore := fl.String("ignore-columns", "", "comma-separated columns to leave out (a column Jardam has no place for imports only so)")
	file, err := parseFileAndFlags(fl, args[1:], "import ctdc")
	if err != nil {
		return err
	}
	if *org == "" {
		return usageError("import ctdc needs --organization CODE")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	db, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close(db)
	ctx = reqctx.WithMeta(ctx, reqctx.Meta{UserAgent: "jardam-cli"})
	rep, err := ctdcimport.New(db).Import(ctx, data, ctdcimport.Options{Organization: *org, SkipBad: *skipBad, DryRun: *dryRun,
		IgnoreColumns: splitList(*ignore)})
	var refused *ctdcimport.RefusedError
	if errors.As(err, &refused) {
		fmt.Fprintln(os.Stderr, refused.Error())
		return fmt.Errorf("import refused: %d problems, nothing written", len(refused.Problems))
	}
	if err != nil {
		return err
	}
	log.Info("ctdc import", slog.String("organization", *org), slog.Int("imported", rep.Imported),
		slog.Int("skipped", rep.Skipped), slog.Bool("dry_run", rep.DryRun))
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

// splitList reads `a,b, c` as [a b c]; empty items are dropped.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
