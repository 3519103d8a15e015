package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/config"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"gorm.io/gorm"
)

// masterKey loads the current master key (from JARDAM_MASTER_KEY or its
// file) and any previous ones being rotated out.
func masterKey(cfg config.Config) (jcrypto.KeyWrapper, error) {
	var current *jcrypto.LocalMaster
	var err error
	switch {
	case cfg.MasterKey != "":
		current, err = jcrypto.MasterFromEnv(cfg.MasterKey)
	case cfg.MasterKeyFile != "":
		current, err = jcrypto.LoadMasterKeyFile(cfg.MasterKeyFile)
	default:
		return nil, errors.New("set JARDAM_KEYS_DIR, JARDAM_MASTER_KEY_FILE or JARDAM_MASTER_KEY")
	}
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if len(cfg.PreviousMasterKeyFiles) == 0 {
		return current, nil
	}
	var prev []jcrypto.KeyWrapper
	for _, f := range cfg.PreviousMasterKeyFiles {
		m, err := jcrypto.LoadMasterKeyFile(f)
		if err != nil {
			return nil, fmt.Errorf("previous master key: %w", err)
		}
		prev = append(prev, m)
	}
	return jcrypto.NewMultiMaster(current, prev...)
}

// keyring loads the master and blind index keys and checks the master key
// against the database: the service refuses to start with the wrong one.
func keyring(ctx context.Context, cfg config.Config, db *gorm.DB) (*cases.Keyring, error) {
	w, err := masterKey(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.IndexKeyFile == "" {
		return nil, errors.New("set JARDAM_KEYS_DIR or JARDAM_INDEX_KEY_FILE")
	}
	idx, err := cases.LoadIndexKeyFile(cfg.IndexKeyFile)
	if err != nil {
		return nil, err
	}
	k, err := cases.NewKeyring(w, idx)
	if err != nil {
		return nil, err
	}
	if err := k.EnsureKeyCheck(ctx, db); err != nil {
		return nil, fmt.Errorf("refusing to start: %w", err)
	}
	return k, nil
}
