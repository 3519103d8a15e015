package database

import (
	"testing"

	"github.com/google/uuid"
)

// An array parameter is traced as PostgreSQL's array literal, so that a
// replay (the load benchmark's SQL floor) sends what the server sent.
func TestTraceArg_ArraysAsArrayLiterals(t *testing.T) {
	id := uuid.MustParse("9dd0ccec-b7f7-4748-b69a-65e1ed6b13ff")
	month := "2025-03"
	for _, c := range []struct {
		name string
		in   any
		want TraceArg
	}{
		{"Text", []string{"forced_labour", `say "hi"`, `back\\slash`}, TraceArg{K: "text", V: `{"forced_labour","say \"hi\"","back\\\\slash"}`}},
		{"UUIDs", []uuid.UUID{id}, TraceArg{K: "text", V: `{"9dd0ccec-b7f7-4748-b69a-65e1ed6b13ff"}`}},
		{"OwnArrayType", Array[string]{"a"}, TraceArg{K: "text", V: `{"a"}`}},
		{"Empty", []string{}, TraceArg{K: "text", V: `{}`}},
		{"Pointers", []*string{&month, nil}, TraceArg{K: "text", V: `{"2025-03",NULL}`}},
		{"Bytea", [][]byte{{0xab, 1}, nil}, TraceArg{K: "text", V: `{"\\xab01",NULL}`}},
		{"BytesStayBytes", []byte{1, 2}, TraceArg{K: "bytes", V: "AQI="}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := traceArg(c.in); got != c.want {
				t.Errorf("traceArg(%v) = %+v, want %+v", c.in, got, c.want)
			}
		})
	}
}
