package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

const measuresUsage = `measures import FILE [--source official|derived]
                                add a program or replace its measure list from FILE (.csv,
                                .yaml or .yml); links are kept by code, and a file that leaves
                                out a measure that a case, assistance or activity links to is
                                refused`

// measuresCmd runs `jardam measures import FILE`: it adds the program of
// FILE or replaces its measure list (DATABASE_URL), and prints what changed
// as JSON.
func measuresCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) < 1 || args[0] != "import" {
		return usageError("measures: say `" + measuresUsage + "`")
	}
	fl := flag.NewFlagSet("measures import", flag.ContinueOnError)
	source := fl.String("source", "", "source of the list: official (default, or as the file says) or derived")
	file, err := parseFileAndFlags(fl, args[1:], "measures import")
	if err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	f, err := measures.ParseFile(file, data)
	if err != nil {
		return describe(err)
	}
	if *source != "" {
		f.Source = *source
	}
	db, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close(db)
	ctx = reqctx.WithMeta(ctx, reqctx.Meta{UserAgent: "jardam-cli"})
	res, err := measures.NewService(db).Import(ctx, f)
	if err != nil {
		return describe(err)
	}
	log.Info("measures imported", slog.String("program", res.Program), slog.Int("added", len(res.Added)),
		slog.Int("updated", len(res.Updated)), slog.Int("removed", len(res.Removed)))
	out, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

// describe turns a refused import into a message that names the fields.
func describe(err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.KindInternal {
		return err
	}
	msg := e.Detail
	for _, fe := range e.Fields {
		if fe.Reason == e.Detail {
			continue
		}
		msg += fmt.Sprintf("\n  %s: %s", fe.Field, fe.Reason)
	}
	return fmt.Errorf("import refused: %s", msg)
}

// parseFileAndFlags parses the flags of a command that takes one FILE,
// written before or after the flags, and returns the file. A missing or
// extra argument answers a usage error naming the command.
func parseFileAndFlags(fl *flag.FlagSet, args []string, command string) (string, error) {
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := fl.Parse(args); err != nil {
		return "", usageError(err.Error())
	}
	if file == "" && fl.NArg() == 1 {
		file = fl.Arg(0)
	} else if fl.NArg() != 0 || file == "" {
		return "", usageError(command + " needs exactly one FILE")
	}
	return file, nil
}
