// Package openapi owns the OpenAPI 3 description of the Jardam HTTP API: the
// embedded openapi.yaml, loaded and validated once, and its JSON form served
// at GET /api/v1/openapi.json.
package openapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var spec []byte

var (
	loadOnce sync.Once
	doc      *openapi3.T
	loadErr  error

	jsonOnce sync.Once
	docJSON  []byte
	jsonErr  error
)

// Load returns the API description, parsed and validated on the first call and
// cached after. The returned document is shared: callers must not modify it.
// It returns an error if the embedded YAML does not parse or does not validate
// as OpenAPI 3.0 (a build defect, which the package tests catch).
func Load() (*openapi3.T, error) {
	loadOnce.Do(func() { doc, loadErr = load(context.Background()) })
	return doc, loadErr
}

// JSON returns the API description marshalled as JSON, for GET
// /api/v1/openapi.json. The bytes are computed once; each call returns its own
// copy. It returns Load's error, or an error if marshalling fails.
func JSON() ([]byte, error) {
	jsonOnce.Do(func() {
		d, err := Load()
		if err != nil {
			jsonErr = err
			return
		}
		docJSON, jsonErr = json.Marshal(d)
		if jsonErr != nil {
			jsonErr = fmt.Errorf("openapi: marshal: %w", jsonErr)
		}
	})
	if jsonErr != nil {
		return nil, jsonErr
	}
	return append([]byte(nil), docJSON...), nil
}

func load(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	d, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: load: %w", err)
	}
	if err := d.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi: validate: %w", err)
	}
	return d, nil
}
