package keyshare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

var keyFile = []byte("q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=\n")

func files(shares [][]byte, pick ...int) []File {
	out := make([]File, 0, len(pick))
	for _, i := range pick {
		out = append(out, File{Name: fmt.Sprintf("share-%d", i), Content: shares[i-1]})
	}
	return out
}

func TestAnyThresholdOfSharesRebuildsTheFileByteForByte(t *testing.T) {
	shares, err := Split(keyFile, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, pick := range [][]int{{1, 2, 3}, {3, 4, 5}, {5, 1, 3}, {1, 2, 3, 4, 5}} {
		got, err := Combine(files(shares, pick...))
		if err != nil || !bytes.Equal(got, keyFile) {
			t.Errorf("shares %v: %q, %v", pick, got, err)
		}
	}
	for i, s := range shares {
		if bytes.Contains(s, keyFile[:20]) {
			t.Errorf("share %d holds the key in clear", i+1)
		}
	}
}

func TestCombineRefusesTooFewForeignTamperedAndRepeatedShares(t *testing.T) {
	shares, err := Split(keyFile, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	other, err := Split(keyFile, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(i int, field string, value any) []byte {
		var m map[string]any
		if err := json.Unmarshal(shares[i-1], &m); err != nil {
			t.Fatal(err)
		}
		m[field] = value
		b, _ := json.Marshal(m)
		return b
	}
	var mine map[string]any
	_ = json.Unmarshal(shares[1], &mine)
	otherValue := func() string {
		var m map[string]any
		_ = json.Unmarshal(other[0], &m)
		return m["value"].(string)
	}()
	cases := []struct {
		name  string
		files []File
		want  string
	}{
		{"two of three", files(shares, 1, 2), "2 shares given, 3 needed"},
		{"a share of another set", append(files(shares, 1, 2), File{Name: "share-x", Content: other[2]}), "share-x: from another set"},
		{"a changed value", append(files(shares, 1, 2), File{Name: "share-3", Content: edit(3, "value", otherValue)}), "share-3: the share fails its commitment"},
		{"a changed sealed key", append(files(shares, 1, 2, 4), File{Name: "share-3", Content: edit(3, "sealed", "AAAA")}), "share-3: from another set, or tampered"},
		{"a changed threshold", append(files(shares, 1, 2), File{Name: "share-3", Content: edit(3, "threshold", 2)}), "share-3"},
		{"the same share twice", append(files(shares, 1, 2), File{Name: "copy-of-2", Content: shares[1]}), "copy-of-2: repeats share 2 (share-2)"},
		{"not a share", append(files(shares, 1, 2, 3), File{Name: "master.key", Content: keyFile}), "master.key: not a jardam-key-share/1 share"},
		{"nothing", nil, "no shares given"},
	}
	for _, c := range cases {
		got, err := Combine(c.files)
		if err == nil || !strings.Contains(err.Error(), c.want) || got != nil {
			t.Errorf("%s: %q, error %v; want an error containing %q", c.name, got, err, c.want)
		}
	}
	if mine["index"].(float64) != 2 {
		t.Errorf("share-2 says index %v", mine["index"])
	}
}

func TestSplitRefusesBadCounts(t *testing.T) {
	for _, c := range [][2]int{{1, 1}, {3, 1}, {2, 3}, {256, 3}} {
		if _, err := Split(keyFile, c[0], c[1]); err == nil {
			t.Errorf("Split(n=%d, threshold=%d) accepted", c[0], c[1])
		}
	}
}
