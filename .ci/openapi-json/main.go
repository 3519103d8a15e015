// Command openapi-json serves `make lint-openapi`:
//
//	go run ./.ci/openapi-json OUT_FILE
//
// writes the API description exactly as GET /api/v1/openapi.json serves it
// (internal/api/openapi/openapi.yaml with its parts merged in) to OUT_FILE,
// for Redocly to lint: the parts refer to schemas of openapi.yaml and the
// other way round, so no YAML file can be linted alone.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jardam-kg/jardam/internal/api/openapi"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./.ci/openapi-json OUT_FILE")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "openapi-json:", err)
		os.Exit(1)
	}
}

func write(out string) error {
	b, err := openapi.JSON()
	if err != nil {
		return err
	}
	// Indented, so that the linter's line numbers point somewhere readable.
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o600)
}
