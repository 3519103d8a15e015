// Command jardam is the one binary of Jardam: the API server and its
// administration commands.
//
//	jardam serve                    run the API and the web app
//	jardam migrate [--bootstrap]    apply migrations (first creating roles and database)
//	jardam seed demo [--if-empty]   create the demo organizations and accounts (development only)
//	jardam user create|reset-password ...   manage accounts from the command line
//	jardam measures import FILE     add or replace a Program's measure list
//	jardam import ctdc FILE --organization CODE   import CTDC's global dataset or legacy records as historical cases
//	jardam audit verify [--anchor FILE]  verify the whole audit trail
//	jardam backup check             do the keys and the database belong together?
//	jardam retention run [--dry-run]   erase the identities of cases closed longer than the retention period
//	jardam keys init --dir DIR      create missing key files
//	jardam keys rotate --new FILE   re-wrap every case data key with a new master key
//	jardam keys destroy --case CODE --reason TEXT   erase a case's identity (destroy its data key)
//	jardam keys split --shares N --threshold K --out DIR   shares of the master key
//	jardam keys combine --out FILE SHARE...   the master key file rebuilt from shares
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/jardam-kg/jardam/internal/platform/config"
)

const usage = `usage: jardam <command> [flags]

commands:
  serve                         run the API server and the web app
  migrate [--bootstrap]         apply migrations (MIGRATION_DATABASE_URL); --bootstrap first
                                creates the roles and the database (BOOTSTRAP_DATABASE_URL)
  seed demo [--if-empty]        create the demo organizations and accounts (JARDAM_ENV=development)
  user create --email E --name N --role R --org CODE
                                create an account; prints its one-time password
  user reset-password --email E reset an account's password; prints the one-time password
  measures import FILE [--source official|derived]
                                add a program or replace its measure list (CSV or YAML),
                                keeping links by code; a file that would orphan a link is refused
  import ctdc FILE.csv --organization CODE [--ignore-columns NAME,...] [--skip-bad] [--dry-run]
                                bring CTDC's global dataset (either release, ',' or ';') or legacy
                                records in its layout in as closed historical cases with
                                statistical attributes only; a column Jardam has no place for is
                                refused unless named in --ignore-columns; a file with bad rows is
                                refused whole unless --skip-bad
  audit verify [--anchor FILE]  verify the whole audit trail (and against the anchor file); exit status 1 when broken or truncated
  backup check                  do the configured keys and the database belong together
                                (schema, master and index key checks, the audit trail)?
                                writes nothing; exit status 1 when not
  retention run [--dry-run] [--limit N]
                                erase the identities of cases closed more than
                                JARDAM_RETENTION_YEARS ago (no legal hold); --dry-run lists codes
  keys init --dir DIR           create missing key files (jwt.key, audit.key, master.key, index.key)
  keys rotate --new FILE [--batch N]
                                re-wrap every case data key with the master key in FILE, the
                                service still running (MIGRATION_DATABASE_URL, as jardam_maint);
                                see docs/keys.md for the order of the key switch
  keys rotate-index --new FILE [--batch N]
                                move every case's blind index tokens to the index key in FILE,
                                the service still running (DATABASE_URL), then store its check
  keys rotate-audit --new FILE --retired-out FILE
                                hand the audit trail's signing to the key in FILE; the current
                                key's public half goes to the verify-only file --retired-out
  keys destroy --case CODE_OR_ID --reason TEXT
                                erase a case: destroy its data key, so its identity and other
                                encrypted fields can never be read again (irreversible)
  keys split --shares N --threshold K --out DIR
                                write N shares of the master key (DIR/share-1 ...), one per
                                holder; any K rebuild it (see docs/keys.md)
  keys combine --out FILE SHARE...
                                rebuild the master key file from K shares, byte for byte
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg, err := config.Load()
	if err != nil {
		log.Error("configuration", slog.String("error", err.Error()))
		os.Exit(2)
	}
	if h := os.Args[1]; h == "help" || h == "-h" || h == "--help" {
		fmt.Print(usage)
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	err = cmd(ctx, cfg, log, os.Args[2:])
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, ue.Error())
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		log.Error(os.Args[1]+" failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
}

// commands are the subcommands by name.
var commands = map[string]func(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error{
	"serve": func(ctx context.Context, cfg config.Config, log *slog.Logger, _ []string) error {
		return serve(ctx, cfg, log)
	},
	"migrate":   migrate,
	"seed":      seedCmd,
	"user":      userCmd,
	"audit":     auditCmd,
	"keys":      keysCmd,
	"measures":  measuresCmd,
	"import":    importCmd,
	"backup":    backupCmd,
	"retention": retentionCmd,
}

type usageError string

func (u usageError) Error() string { return string(u) }
