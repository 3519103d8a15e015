// Package openapi owns the OpenAPI 3 description of the Jardam HTTP API: the
// embedded openapi.yaml, loaded and validated once, and its JSON form served
// at GET /api/v1/openapi.json.
package openapi

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"go.yaml.in/yaml/v4"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var base []byte

//go:embed parts/*.yaml
var parts embed.FS

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
	spec, err := merged()
	if err != nil {
		return nil, err
	}
	d, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: load: %w", err)
	}
	if err := d.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi: validate: %w", err)
	}
	return d, nil
}

// merged returns openapi.yaml with the parts merged in: their paths and
// components added (a name defined twice is an error), their tags appended.
func merged() ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("openapi: openapi.yaml: %w", err)
	}
	names, err := fs.Glob(parts, "parts/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := parts.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := yaml.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
		if err := mergeInto(doc, part, name); err != nil {
			return nil, err
		}
	}
	return json.Marshal(doc)
}

func mergeInto(doc, part map[string]any, name string) error {
	addAll := func(dst map[string]any, src map[string]any, where string) error {
		for k, v := range src {
			if _, dup := dst[k]; dup {
				return fmt.Errorf("openapi: %s defines %s %q again", name, where, k)
			}
			dst[k] = v
		}
		return nil
	}
	asMap := func(m map[string]any, key string) map[string]any {
		v, ok := m[key].(map[string]any)
		if !ok {
			v = map[string]any{}
			m[key] = v
		}
		return v
	}
	if p, ok := part["paths"].(map[string]any); ok {
		if err := addAll(asMap(doc, "paths"), p, "path"); err != nil {
			return err
		}
	}
	if c, ok := part["components"].(map[string]any); ok {
		dc := asMap(doc, "components")
		for section, v := range c {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			if err := addAll(asMap(dc, section), m, section); err != nil {
				return err
			}
		}
	}
	if t, ok := part["tags"].([]any); ok {
		tags, _ := doc["tags"].([]any)
		doc["tags"] = append(tags, t...)
	}
	return nil
}
