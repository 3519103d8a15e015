// Command vulndb serves `make vulncheck`, offline:
//
//	go run ./.ci/vulndb build MODULE_DIR OUT_DIR
//
// writes, from the OSV entries of a downloaded golang.org/x/vulndb module
// (MODULE_DIR/data/osv/GO-*.json), the file tree govulncheck reads from a
// file:// database (the v1 layout of https://go.dev/security/vuln/database):
// OUT_DIR/index/db.json, OUT_DIR/index/modules.json and OUT_DIR/ID/<id>.json.
//
//	govulncheck -format json ... | go run ./.ci/vulndb check ALLOW_FILE
//
// reads govulncheck's JSON stream and fails on any vulnerability whose
// vulnerable symbol the program calls, unless ALLOW_FILE lists its id
// (one per line: the id, then why it does not apply). Findings at module
// or package level only (imported but not called) are printed, not failed.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	var err error
	switch {
	case len(os.Args) == 4 && os.Args[1] == "build":
		err = build(os.Args[2], os.Args[3])
	case len(os.Args) == 3 && os.Args[1] == "check":
		err = check(os.Stdin, os.Args[2], os.Stdout)
	default:
		err = errors.New("usage: vulndb build MODULE_DIR OUT_DIR | vulndb check ALLOW_FILE")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

// entry is the part of an OSV entry the index needs.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	// Fixed is left out: it only lets a client skip entries early, and
	// govulncheck then reads the entry and applies its ranges itself.
}

type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

// build writes the database under out from the module at dir. The
// database's modified time is the newest entry's, or the module's commit
// time (from its pseudo-version directory name) when entries carry none.
func build(dir, out string) error {
	files, err := filepath.Glob(filepath.Join(dir, "data", "osv", "GO-*.json"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no OSV entries under %s/data/osv", dir)
	}
	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(tmp, "ID"), 0o755); err != nil {
		return err
	}
	modules := map[string]*moduleMeta{}
	modified := commitTime(dir)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if filepath.Base(f) != e.ID+".json" {
			return fmt.Errorf("%s holds entry %s", f, e.ID)
		}
		if e.Modified.After(modified) {
			modified = e.Modified
		}
		for _, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &moduleMeta{Path: a.Package.Name}
				modules[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified})
		}
		if err := os.WriteFile(filepath.Join(tmp, "ID", e.ID+".json"), b, 0o644); err != nil {
			return err
		}
	}
	list := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		sort.Slice(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	if err := writeJSON(filepath.Join(tmp, "index", "modules.json"), list); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(tmp, "index", "db.json"), map[string]time.Time{"modified": modified}); err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	fmt.Printf("vulndb: %d entries, %d modules -> %s\n", len(files), len(list), out)
	return os.Rename(tmp, out)
}

// commitTime reads the time of a pseudo-version (name@v0.0.0-20060102150405-hash).
func commitTime(dir string) time.Time {
	base := filepath.Base(dir)
	if i := strings.LastIndex(base, "-"); i > 14 {
		if t, err := time.Parse("20060102150405", base[i-14:i]); err == nil {
			return t
		}
	}
	return time.Time{}
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// message is one value of govulncheck's JSON stream (the parts used).
type message struct {
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV   string `json:"osv"`
		Trace []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
		} `json:"trace"`
	} `json:"finding"`
}

// check reads govulncheck's JSON stream from r and fails on a called
// vulnerability that allowFile does not list.
func check(r io.Reader, allowFile string, w io.Writer) error {
	allowed, err := readAllow(allowFile)
	if err != nil {
		return err
	}
	summary := map[string]string{}
	called := map[string]string{}
	imported := map[string]bool{}
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var m message
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("read govulncheck output: %w", err)
		}
		switch {
		case m.OSV != nil:
			summary[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			t := m.Finding.Trace[0]
			if t.Function != "" {
				called[m.Finding.OSV] = fmt.Sprintf("%s@%s %s.%s", t.Module, t.Version, t.Package, t.Function)
			} else {
				imported[m.Finding.OSV] = true
			}
		}
	}
	var failed []string
	for _, id := range sortedKeys(called) {
		if why, ok := allowed[id]; ok {
			fmt.Fprintf(w, "allowed   %s (%s): %s\n", id, called[id], why)
			continue
		}
		fmt.Fprintf(w, "CALLED    %s %s: %s\n", id, called[id], summary[id])
		failed = append(failed, id)
	}
	for _, id := range sortedKeys(imported) {
		if called[id] == "" {
			fmt.Fprintf(w, "not called %s: %s\n", id, summary[id])
		}
	}
	for _, id := range sortedKeys(allowed) {
		if called[id] == "" {
			fmt.Fprintf(w, "note: %s is allowed but no longer found; remove it from %s\n", id, allowFile)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d called vulnerabilities: %s", len(failed), strings.Join(failed, ", "))
	}
	fmt.Fprintf(w, "vulncheck: no called vulnerability outside %s\n", allowFile)
	return nil
}

// readAllow reads "ID reason..." lines; blank lines and # comments are
// skipped, and every id needs a reason.
func readAllow(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, why, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(id, "GO-") || strings.TrimSpace(why) == "" {
			return nil, fmt.Errorf("%s:%d: want an id and why it does not apply", path, i+1)
		}
		out[id] = strings.TrimSpace(why)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
