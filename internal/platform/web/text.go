package web

import (
	"reflect"
	"strings"
	"unicode"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// TextTag is the struct tag key that marks a string field of a request body
// as multi-line: `text:"multiline"` lets it hold line feeds, carriage
// returns and tabs (notes, narratives, summaries, reasons). Every other
// control character, and any control character in other text fields, is
// refused by Decode.
const TextTag = "text"

// checkControl walks a decoded body and returns a validation error naming
// the first text field (by its JSON path, such as
// "trafficking_events.place") that holds a control character it may not.
func checkControl(v reflect.Value, path string, multiline bool) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkControl(v.Elem(), path, multiline)
	case reflect.String:
		if hasControl(v.String(), multiline) {
			return controlError(path)
		}
	case reflect.Struct:
		return checkStruct(v, path)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // raw JSON or bytes, checked when decoded
		}
		for i := 0; i < v.Len(); i++ {
			if err := checkControl(v.Index(i), path, multiline); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			key := it.Key()
			if key.Kind() == reflect.String && hasControl(key.String(), false) {
				return controlError(path)
			}
			name := key.String()
			if key.Kind() != reflect.String {
				name = ""
			}
			if err := checkControl(it.Value(), join(path, name), multiline); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkStruct(v reflect.Value, path string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		p := path
		if !f.Anonymous || name != "" {
			if name == "" {
				name = f.Name
			}
			p = join(path, name)
		}
		if err := checkControl(v.Field(i), p, f.Tag.Get(TextTag) == "multiline"); err != nil {
			return err
		}
	}
	return nil
}

func join(path, name string) string {
	switch {
	case name == "":
		return path
	case path == "":
		return name
	}
	return path + "." + name
}

// hasControl reports whether s holds a control character (C0, DEL, C1),
// line feed, carriage return and tab excepted when multiline.
func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if !unicode.IsControl(r) {
			continue
		}
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		return true
	}
	return false
}

func controlError(path string) error {
	if path == "" {
		path = "body"
	}
	return apperr.Invalid(path, "must not contain control characters")
}

// PlainText reports whether s holds no control character: the rule Decode
// applies to single-line fields, for text that arrives outside a JSON body
// (a multipart form's fields).
func PlainText(s string) bool { return !hasControl(s, false) }
