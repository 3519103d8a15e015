package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// MediaMergePatch is the media type of a JSON merge patch (RFC 7396).
const MediaMergePatch = "application/merge-patch+json"

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	return enc.Encode(v)
}

// ReadBody checks the content type (application/json, or also the merge
// patch type when allowMergePatch) and reads the body under the size limit.
// It returns 415, 413 or 400 errors.
func ReadBody(c echo.Context, allowMergePatch bool) ([]byte, error) {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !(mt == echo.MIMEApplicationJSON || (allowMergePatch && mt == MediaMergePatch)) {
		want := "application/json"
		if allowMergePatch {
			want += " or " + MediaMergePatch
		}
		return nil, &apperr.Error{Kind: apperr.KindUnsupportedMedia, Detail: "the body must be " + want}
	}
	limit, _ := req.Context().Value(bodyLimitKey{}).(int64)
	if limit <= 0 {
		limit = 1 << 20
	}
	if req.ContentLength > limit {
		return nil, &apperr.Error{Kind: apperr.KindTooLarge, Detail: "the body is too large"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apperr.Error{Kind: apperr.KindTooLarge, Detail: "the body is too large"}
		}
		return nil, apperr.Invalid("body", "could not be read")
	}
	return body, nil
}

// Bind reads a JSON object into dst, rejecting a wrong content type (415),
// an oversize body (413), malformed JSON, unknown fields, wrong types and
// trailing data (400 naming the field, never echoing its value).
func Bind(c echo.Context, dst any) error {
	body, err := ReadBody(c, false)
	if err != nil {
		return err
	}
	return Decode(body, dst)
}

// Decode strictly decodes one JSON object from body into dst, and refuses
// control characters in its text fields (see TextTag): 400 naming the
// field, never echoing its value.
func Decode(body []byte, dst any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return apperr.Invalid("body", "a JSON object is required")
	}
	if trimmed[0] != '{' {
		return apperr.Invalid("body", "must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return apperr.Invalid("body", "must hold exactly one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.Invalid("body", "must hold exactly one JSON object")
	}
	return checkControl(reflect.ValueOf(dst), "", false)
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Invalid("body", "is not well-formed JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return apperr.Invalid(field, "must be of type "+jsonType(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Invalid(name, "is not a known field")
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae
	}
	return apperr.Invalid("body", "could not be decoded")
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	}
	return kind
}
