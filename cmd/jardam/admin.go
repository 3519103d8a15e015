package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/auth"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/contacts"
	"github.com/jardam-kg/jardam/internal/demo"
	"github.com/jardam-kg/jardam/internal/platform/authn"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/config"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/keyfile"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/referrals"
	"github.com/jardam-kg/jardam/internal/seed"
	"github.com/jardam-kg/jardam/migrations"
)

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	fl := flag.NewFlagSet("migrate", flag.ContinueOnError)
	bootstrap := fl.Bool("bootstrap", false, "create the owner and application roles and the database first")
	if err := fl.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if cfg.MigrationDatabaseURL == "" {
		return errors.New("MIGRATION_DATABASE_URL is not set")
	}
	if *bootstrap {
		if cfg.BootstrapDatabaseURL == "" || cfg.DatabaseURL == "" {
			return errors.New("--bootstrap needs BOOTSTRAP_DATABASE_URL (a superuser) and DATABASE_URL")
		}
		if err := database.Bootstrap(ctx, cfg.BootstrapDatabaseURL, cfg.MigrationDatabaseURL, cfg.DatabaseURL); err != nil {
			return err
		}
		log.Info("roles and database ready")
	}
	done, err := database.Migrate(ctx, cfg.MigrationDatabaseURL, migrations.FS)
	if err != nil {
		return err
	}
	log.Info("migrated", slog.Any("applied", done))
	return nil
}

func openApp(ctx context.Context, cfg config.Config) (*gorm.DB, error) {
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is not set")
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := database.CheckSchema(ctx, db, migrations.FS); err != nil {
		database.Close(db)
		return nil, err
	}
	return db, nil
}

func seedCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) < 1 || args[0] != "demo" {
		return usageError("seed: say `seed demo`")
	}
	fl := flag.NewFlagSet("seed demo", flag.ContinueOnError)
	ifEmpty := fl.Bool("if-empty", false, "do nothing when the database already holds organizations")
	count := fl.Int("cases", 80, "number of synthetic cases")
	if err := fl.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	if cfg.Env != config.EnvDevelopment {
		return errors.New("the demo seed runs only with JARDAM_ENV=development")
	}
	db, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close(db)
	keys, err := keyring(ctx, cfg, db)
	if err != nil {
		return err
	}
	err = seed.Demo(ctx, db, passwd.NewHasher(cfg.MaxConcurrentKDF), *ifEmpty)
	if errors.Is(err, seed.ErrNotEmpty) {
		log.Info("database not empty: demo seed skipped")
		return nil
	}
	if err != nil {
		return err
	}
	svc := cases.NewService(db, keys, cases.Settings{ReflectionDays: cfg.ReflectionDays}, log)
	refs := referrals.NewService(db, keys.Wrapper, keys.RequestHash, referrals.Settings{
		UrgentResponse: cfg.UrgentResponse, NormalResponse: cfg.NormalResponse}, log)
	if err := demo.Cases(ctx, db, svc, refs, *count); err != nil {
		return err
	}
	if err := demo.Hotline(ctx, db, contacts.NewService(db, keys.Wrapper, keys.RequestHash, refs)); err != nil {
		return err
	}
	log.Info("demo data created", slog.Int("organizations", len(seed.Orgs)), slog.Int("accounts", len(seed.Accounts)),
		slog.Int("cases", *count))
	return nil
}

func userCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) < 1 {
		return usageError("user: say `user create` or `user reset-password`")
	}
	fl := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	email := fl.String("email", "", "e-mail of the account")
	name := fl.String("name", "", "name of the account holder")
	role := fl.String("role", "", "role: "+strings.Join(authz.Roles, ", "))
	org := fl.String("org", "", "organization code")
	if err := fl.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	db, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close(db)
	hasher := passwd.NewHasher(1)
	pw := passwd.OneTime()
	hash, err := hasher.Hash(ctx, pw)
	if err != nil {
		return err
	}
	norm := auth.NormalizeEmail(*email)
	switch args[0] {
	case "create":
		if norm == "" || *name == "" || !authz.IsRole(*role) || *org == "" {
			return usageError("user create needs --email, --name, --role and --org")
		}
		err = database.InTx(ctx, db, func(tx *gorm.DB) error {
			var id string
			if err := tx.Raw(`INSERT INTO users (organization_id, email, name, role, password_hash, must_change_password)
				SELECT id, ?, ?, ?, ?, true FROM organizations WHERE code = ? RETURNING id`, norm, *name, *role, hash, *org).Scan(&id).Error; err != nil {
				return err
			}
			if id == "" {
				return fmt.Errorf("no organization with code %s", *org)
			}
			return audit.RecordEntry(ctx, tx, audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: id, Outcome: audit.Success, UserAgent: "jardam-cli"})
		})
	case "reset-password":
		if norm == "" {
			return usageError("user reset-password needs --email")
		}
		err = database.InTx(ctx, db, func(tx *gorm.DB) error {
			var id string
			// The server's operator is the root of trust: no account is
			// recorded as the password's last setter.
			if err := tx.Raw(`UPDATE users SET password_hash = ?, must_change_password = true, password_changed_at = now(),
				password_set_by = NULL, updated_at = now(), version = version + 1 WHERE email = ? RETURNING id`, hash, norm).Scan(&id).Error; err != nil {
				return err
			}
			if id == "" {
				return errors.New("no such account")
			}
			if err := tx.Exec(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'account_changed' WHERE user_id = ? AND revoked_at IS NULL`, id).Error; err != nil {
				return err
			}
			return audit.RecordEntry(ctx, tx, audit.Entry{Action: "user.update", ObjectType: "user", ObjectID: id, Outcome: audit.Success, UserAgent: "jardam-cli"})
		})
	default:
		return usageError("user: unknown subcommand")
	}
	if database.IsCode(err, database.CodeUniqueViolation) {
		return errors.New("an account with this e-mail exists")
	}
	if err != nil {
		return err
	}
	// The one-time password goes to the operator's terminal only, never to
	// the log.
	fmt.Printf("one-time password: %s\n(the account must change it at first sign-in)\n", pw)
	return nil
}

// auditCmd runs `jardam audit verify [--anchor FILE]`: the whole chain,
// and with an anchor file (kept outside the database) its newest validly
// signed head, which a chain cut short of it reports as truncated.
func auditCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) < 1 || args[0] != "verify" {
		return usageError("audit: say `audit verify [--anchor FILE]`")
	}
	fl := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	anchorFile := fl.String("anchor", "", "the anchor file the server appends checkpoint heads to (JARDAM_AUDIT_ANCHOR_FILE)")
	if err := fl.Parse(args[1:]); err != nil || fl.NArg() > 0 {
		return usageError("audit verify [--anchor FILE]")
	}
	if cfg.AuditKeyFile == "" {
		return errors.New("set JARDAM_KEYS_DIR or JARDAM_AUDIT_KEY_FILE")
	}
	_, ring, err := auditKeys(cfg)
	if err != nil {
		return err
	}
	opts := audit.VerifyOptions{}
	if *anchorFile != "" {
		head, skipped, err := audit.ReadAnchorFile(*anchorFile, ring)
		if err != nil {
			return err
		}
		if skipped > 0 {
			log.Warn("anchor lines skipped: unreadable or not validly signed", slog.Int("lines", skipped))
		}
		opts.Anchor = &head
	}
	db, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close(db)
	rep, err := audit.Verify(ctx, db, ring, opts)
	if err != nil {
		return err
	}
	printVerdict(rep, rep.OK)
	return nil
}

// printVerdict prints a check's report as indented JSON and ends the
// process with status 1 when the check failed.
func printVerdict(rep any, ok bool) {
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(out))
	if !ok {
		os.Exit(1)
	}
}

func keysCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	if len(args) > 0 && (args[0] == "rotate" || args[0] == "destroy") {
		return keysMaintenanceCmd(ctx, cfg, log, args)
	}
	if len(args) > 0 && args[0] == "rotate-audit" {
		return keysRotateAudit(ctx, cfg, args[1:])
	}
	if len(args) > 0 && args[0] == "rotate-index" {
		return keysRotateIndex(ctx, cfg, log, args[1:])
	}
	if len(args) > 0 && args[0] == "split" {
		return keysSplit(cfg, args[1:])
	}
	if len(args) > 0 && args[0] == "combine" {
		return keysCombine(args[1:])
	}
	if len(args) < 1 || args[0] != "init" {
		return usageError("keys: say `keys init --dir DIR`, `keys rotate --new FILE`, `keys rotate-index --new FILE`, `keys rotate-audit --new FILE --retired-out FILE` or `keys destroy --case CODE --reason TEXT`")
	}
	fl := flag.NewFlagSet("keys init", flag.ContinueOnError)
	dir := fl.String("dir", cfg.KeysDir, "directory for the key files")
	if err := fl.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	if *dir == "" {
		return usageError("keys init needs --dir")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if created, err := authn.GenerateKeyFile(filepath.Join(*dir, "jwt.key")); err != nil {
		return err
	} else if created {
		log.Info("created token signing key", slog.String("file", filepath.Join(*dir, "jwt.key")))
	}
	if _, err := audit.GenerateKeyFile(filepath.Join(*dir, "audit.key")); err == nil {
		log.Info("created audit checkpoint key", slog.String("file", filepath.Join(*dir, "audit.key")))
	} else if !errors.Is(err, fs.ErrExist) {
		return err
	}
	master := filepath.Join(*dir, "master.key")
	if _, err := jcrypto.GenerateMasterKeyFile(master); err == nil {
		log.Info("created master key", slog.String("file", master))
	} else if !errors.Is(err, fs.ErrExist) {
		return err
	}
	index := filepath.Join(*dir, "index.key")
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	if err := keyfile.Create(index, []byte(base64.StdEncoding.EncodeToString(k)+"\n")); err == nil {
		log.Info("created blind index key", slog.String("file", index))
	} else if !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}
