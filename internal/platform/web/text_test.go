package web_test

import (
	"encoding/json"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

type textEvent struct {
	Place   *string `json:"place,omitempty"`
	Details *string `json:"details,omitempty" text:"multiline"`
}

type textBody struct {
	Name   string            `json:"name"`
	Reason string            `json:"reason" text:"multiline"`
	Events []textEvent       `json:"events"`
	Extra  map[string]any    `json:"extra"`
	Raw    json.RawMessage   `json:"raw"`
	Tags   map[string]string `json:"tags"`
}

func TestDecodeRefusesControlCharacters(t *testing.T) {
	for _, tc := range []struct {
		name, body, field string
	}{
		{"NULInNameIs400", `{"name": "Ai\u0000gul"}`, "name"},
		{"EscapeInNameIs400", `{"name": "\u001b[31m"}`, "name"},
		{"LineFeedInNameIs400", `{"name": "a\nb"}`, "name"},
		{"TabInNameIs400", `{"name": "a\tb"}`, "name"},
		{"DELInNameIs400", `{"name": "a\u007fb"}`, "name"},
		{"C1InNameIs400", `{"name": "a\u0085b"}`, "name"},
		{"NULInMultilineIs400", `{"reason": "a\u0000"}`, "reason"},
		{"BellInMultilineIs400", `{"reason": "a\u0007"}`, "reason"},
		{"NestedSliceFieldIs400", `{"events": [{"place": "x"}, {"place": "Osh\u0000"}]}`, "events.place"},
		{"NestedMultilineNULIs400", `{"events": [{"details": "x\u0000"}]}`, "events.details"},
		{"FreeFormValueIs400", `{"extra": {"note": ["ok", "b\u0001"]}}`, "extra.note"},
		{"MapValueIs400", `{"tags": {"k": "v\r"}}`, "tags.k"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b textBody
			err := web.Decode([]byte(tc.body), &b)
			ae, ok := apperr.As(err)
			if !ok || ae.Kind != apperr.KindInvalid || len(ae.Fields) != 1 || ae.Fields[0].Field != tc.field {
				t.Fatalf("got %v, want 400 naming %s", err, tc.field)
			}
		})
	}
	t.Run("MultilineKeepsLineBreaksAndTabs", func(t *testing.T) {
		var b textBody
		body := `{"name": "Айгүл Асанова", "reason": "one\r\ntwo\tthree", "events": [{"place": "Москва", "details": "a\nb"}],
			"raw": "\u0000 is checked where it is decoded"}`
		if err := web.Decode([]byte(body), &b); err != nil {
			t.Fatal(err)
		}
		if b.Reason != "one\r\ntwo\tthree" || *b.Events[0].Details != "a\nb" {
			t.Fatalf("decoded %+v", b)
		}
	})
}
