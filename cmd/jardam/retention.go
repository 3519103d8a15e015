package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

const retentionHelp = `usage: jardam retention run [--dry-run] [--limit N]

Erases the identities of cases closed more than JARDAM_RETENTION_YEARS
(default 5) ago, unless a legal hold stands or legal help is in progress:
their data keys are destroyed, as the service's daily retention job does;
their statistical attributes stay. With --dry-run it only lists the cases
(codes, never identities) it would erase. Prints one JSON report.
`

// retentionReport is what `jardam retention run` prints.
type retentionReport struct {
	DryRun         bool                 `json:"dry_run"`
	RetentionYears int                  `json:"retention_years"`
	Due            []cases.RetentionDue `json:"due,omitempty"`
	Scheduled      int                  `json:"scheduled"`
	Erased         int                  `json:"erased"`
}

func retentionCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) < 1 || args[0] != "run" {
		return usageError("retention: say `retention run`")
	}
	fl := flag.NewFlagSet("retention run", flag.ContinueOnError)
	fl.Usage = func() { _, _ = fmt.Fprint(fl.Output(), retentionHelp) } // as flag's own usage output, which ignores write errors
	dry := fl.Bool("dry-run", false, "list the cases that would be erased; erase nothing")
	limit := fl.Int("limit", 1000, "erase at most this many cases")
	if err := fl.Parse(args[1:]); err != nil || fl.NArg() > 0 || *limit < 1 {
		return usageError("retention run takes --dry-run and --limit N (N ≥ 1)")
	}
	db, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close(db)
	job := cases.NewErasures(db, cfg.RetentionYears)
	rep := retentionReport{DryRun: *dry, RetentionYears: cfg.RetentionYears}
	if *dry {
		if rep.Due, err = job.RetentionDue(ctx, *limit); err != nil {
			return err
		}
		rep.Scheduled = len(rep.Due)
	} else {
		run, err := job.RunRetention(ctx, *limit)
		if err != nil {
			return err
		}
		rep.Scheduled, rep.Erased = run.Scheduled, run.Erased
		log.Info("retention run", slog.Int("erased", run.Erased))
	}
	printVerdict(rep, true)
	return nil
}
