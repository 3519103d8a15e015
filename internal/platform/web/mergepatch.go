package web

import (
	"encoding/json"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// ApplyMergePatch merges a JSON merge patch into the JSON document of cur and
// decodes the result into a T as a request body is (unknown fields
// refused).
func ApplyMergePatch[T any](cur any, patch map[string]json.RawMessage) (T, error) {
	var out T
	doc, err := json.Marshal(cur)
	if err != nil {
		return out, err
	}
	merged, err := mergePatch(doc, patch)
	if err != nil {
		return out, err
	}
	err = Decode(merged, &out)
	return out, err
}

// mergePatch applies an RFC 7396 merge patch to doc.
func mergePatch(doc []byte, patch map[string]json.RawMessage) ([]byte, error) {
	var target map[string]any
	if err := json.Unmarshal(doc, &target); err != nil {
		return nil, err
	}
	p := map[string]any{}
	for k, v := range patch {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return nil, apperr.Invalid(k, "is not well-formed JSON")
		}
		p[k] = x
	}
	return json.Marshal(mergeValue(target, p))
}

func mergeValue(target any, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergeValue(tm[k], v)
	}
	return tm
}
