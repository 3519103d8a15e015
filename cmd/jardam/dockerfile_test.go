package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The container image must hold nothing but the binary: a multi-stage build
// whose final stage starts from a runtime-only base, copies the one binary from
// the build stage, runs no command and switches to an unprivileged user.

// dockerStage is one FROM ... block of a Dockerfile.
type dockerStage struct {
	index int
	name  string // the AS name, lower case; "" when unnamed
	base  string
	nodes []*parser.Node
}

var makeBuildRe = regexp.MustCompile(`(^|[\s;&|(])make\s+(\S+\s+)*build(\s|$|[;&|)])`)

// compilerImages are base images that carry a compiler or build toolchain.
var compilerImages = []string{
	"golang", "gcc", "buildpack-deps", "rust", "clang", "llvm", "tinygo",
	"node", "maven", "gradle", "openjdk", "eclipse-temurin",
}

// checkDockerfile reports why a Dockerfile does not build a minimal,
// non-root runtime image, or nil when it does.
func checkDockerfile(r io.Reader) error {
	res, err := parser.Parse(r)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	stages, err := dockerStages(res.AST)
	if err != nil {
		return err
	}
	if len(stages) < 2 {
		return fmt.Errorf("want a multi-stage build, found %d stage(s)", len(stages))
	}
	final := stages[len(stages)-1]

	if err := checkFinalBase(final, stages); err != nil {
		return err
	}

	var copies []*parser.Node
	var user string
	hasUser := false
	for _, n := range final.nodes {
		switch instruction(n) {
		case "run":
			return fmt.Errorf("final stage runs a command (line %d): it must hold only the binary", n.StartLine)
		case "add":
			return fmt.Errorf("final stage uses ADD (line %d): only one COPY of the binary is allowed", n.StartLine)
		case "copy":
			copies = append(copies, n)
		case "user":
			if n.Next == nil {
				return fmt.Errorf("USER without a value (line %d)", n.StartLine)
			}
			user, hasUser = n.Next.Value, true
		}
	}

	if !hasUser {
		return errors.New("final stage sets no USER: it would run as the base image's user")
	}
	if err := checkNonRootUser(user); err != nil {
		return err
	}

	if len(copies) != 1 {
		return fmt.Errorf("final stage has %d COPY instructions, want exactly one (the binary)", len(copies))
	}
	build, err := checkBinaryCopy(copies[0], final, stages)
	if err != nil {
		return err
	}

	if !stageRunsMakeBuild(build) {
		return fmt.Errorf("build stage %q does not run `make build`", stageLabel(build))
	}
	return nil
}

// instruction is the lower-case instruction name of a parsed line.
func instruction(n *parser.Node) string {
	return strings.ToLower(n.Value)
}

func dockerStages(ast *parser.Node) ([]*dockerStage, error) {
	if ast == nil {
		return nil, errors.New("empty Dockerfile")
	}
	var stages []*dockerStage
	for _, n := range ast.Children {
		if instruction(n) == "from" {
			if n.Next == nil {
				return nil, fmt.Errorf("FROM without an image (line %d)", n.StartLine)
			}
			st := &dockerStage{index: len(stages), base: n.Next.Value}
			if as := n.Next.Next; as != nil && strings.EqualFold(as.Value, "as") && as.Next != nil {
				st.name = strings.ToLower(as.Next.Value)
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if instruction(n) != "arg" {
				return nil, fmt.Errorf("%s before the first FROM (line %d)", strings.ToUpper(n.Value), n.StartLine)
			}
			continue
		}
		cur := stages[len(stages)-1]
		cur.nodes = append(cur.nodes, n)
	}
	return stages, nil
}

// stageByRef finds an earlier stage by AS name or index.
func stageByRef(ref string, stages []*dockerStage, before int) *dockerStage {
	ref = strings.ToLower(ref)
	for _, st := range stages[:before] {
		if st.name != "" && st.name == ref {
			return st
		}
		if i, err := strconv.Atoi(ref); err == nil && i == st.index {
			return st
		}
	}
	return nil
}

func checkFinalBase(final *dockerStage, stages []*dockerStage) error {
	base := final.base
	if strings.Contains(base, "$") {
		return fmt.Errorf("final base image %q uses a variable and cannot be checked", base)
	}
	if stageByRef(base, stages, final.index) != nil {
		return fmt.Errorf("final stage starts from build stage %q: it would carry the toolchain", base)
	}
	// registry/owner/name:tag@digest -> name
	name := base
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	name = path.Base(name)
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	name = strings.ToLower(name)
	for _, c := range compilerImages {
		if name == c {
			return fmt.Errorf("final base image %q is a build/compiler image", base)
		}
	}
	return nil
}

func checkNonRootUser(user string) error {
	uid := user
	if i := strings.IndexByte(uid, ':'); i >= 0 {
		uid = uid[:i]
	}
	switch {
	case uid == "":
		return fmt.Errorf("USER %q names no user", user)
	case strings.Contains(uid, "$"):
		return fmt.Errorf("USER %q uses a variable and cannot be checked", user)
	case strings.EqualFold(uid, "root"):
		return fmt.Errorf("final stage runs as root (USER %s)", user)
	}
	if n, err := strconv.Atoi(uid); err == nil && n == 0 {
		return fmt.Errorf("final stage runs as uid 0 (USER %s)", user)
	}
	return nil
}

// checkBinaryCopy checks that the final stage's COPY takes one file, the
// jardam binary, from an earlier stage, and returns that stage.
func checkBinaryCopy(n *parser.Node, final *dockerStage, stages []*dockerStage) (*dockerStage, error) {
	from := ""
	for _, f := range n.Flags {
		if v, ok := cutPrefixFold(f, "--from="); ok {
			from = v
		}
	}
	if from == "" {
		return nil, fmt.Errorf("final stage COPY (line %d) takes files from the build context, want --from=<build stage>", n.StartLine)
	}
	build := stageByRef(from, stages, final.index)
	if build == nil {
		return nil, fmt.Errorf("final stage COPY --from=%s (line %d) is not an earlier stage of this Dockerfile", from, n.StartLine)
	}
	var args []string
	for a := n.Next; a != nil; a = a.Next {
		args = append(args, a.Value)
	}
	if len(args) != 2 {
		return nil, fmt.Errorf("final stage COPY (line %d) has %d sources, want only the binary", n.StartLine, len(args)-1)
	}
	src := args[0]
	if strings.ContainsAny(src, "*?[") || strings.HasSuffix(src, "/") || path.Base(path.Clean(src)) != "jardam" {
		return nil, fmt.Errorf("final stage COPY (line %d) copies %q, want only the jardam binary", n.StartLine, src)
	}
	return build, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func stageRunsMakeBuild(st *dockerStage) bool {
	for _, n := range st.nodes {
		if instruction(n) != "run" {
			continue
		}
		var parts []string
		for a := n.Next; a != nil; a = a.Next {
			parts = append(parts, a.Value)
		}
		if makeBuildRe.MatchString(strings.Join(parts, " ")) {
			return true
		}
	}
	return false
}

func stageLabel(st *dockerStage) string {
	if st.name != "" {
		return st.name
	}
	return strconv.Itoa(st.index)
}

func TestRepositoryDockerfileBuildsMinimalNonRootImage(t *testing.T) {
	f, err := os.Open("../../Dockerfile")
	if err != nil {
		t.Fatalf("open Dockerfile: %v", err)
	}
	defer func() { _ = f.Close() }() // read only
	if err := checkDockerfile(f); err != nil {
		t.Fatalf("Dockerfile rejected: %v", err)
	}
}

func TestRepositoryDockerfileWithoutUserIsRejected(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatalf("read Dockerfile: %v", err)
	}
	var kept []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(line)), "USER ") {
			kept = append(kept, line)
		}
	}
	if err := checkDockerfile(strings.NewReader(strings.Join(kept, "\n"))); err == nil {
		t.Fatal("the Dockerfile without its USER line was accepted, want rejected")
	}
}

// goodDockerfile is the shape of the repository's Dockerfile: a build stage that
// runs make build, and a distroless final stage that copies the binary
// alone and runs as a non-root user.
const goodDockerfile = `FROM golang:1.27-bookworm AS build
WORKDIR /src
COPY . .
RUN make build

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/jardam /jardam
USER 65532:65532
ENTRYPOINT ["/jardam"]
`

// dockerfileCases are the Dockerfiles checkDockerfile accepts or refuses,
// most of them one change away from goodDockerfile.
var dockerfileCases = []struct {
	name       string
	dockerfile string
	wantErr    string // a substring of the error; "" means accepted
}{
	{
		name:       "accepts two stages with the binary copied to a distroless non-root stage",
		dockerfile: goodDockerfile,
	},
	{
		name: "accepts a stage referenced by index and a named non-root user",
		dockerfile: `ARG GO=1.27
FROM golang:${GO}-bookworm
RUN ["make", "build"]
FROM scratch
COPY --from=0 ["/src/bin/jardam", "/jardam"]
USER nonroot:nonroot
`,
	},
	{
		name:       "rejects USER root in the final stage",
		dockerfile: strings.Replace(goodDockerfile, "USER 65532:65532", "USER root", 1),
		wantErr:    "runs as root",
	},
	{
		name:       "rejects USER 0 in the final stage",
		dockerfile: strings.Replace(goodDockerfile, "USER 65532:65532", "USER 0:0", 1),
		wantErr:    "uid 0",
	},
	{
		name:       "rejects a final stage without USER",
		dockerfile: strings.Replace(goodDockerfile, "USER 65532:65532\n", "", 1),
		wantErr:    "sets no USER",
	},
	{
		name:       "rejects a USER set only in the build stage",
		dockerfile: strings.Replace(strings.Replace(goodDockerfile, "USER 65532:65532\n", "", 1), "WORKDIR /src", "USER 65532\nWORKDIR /src", 1),
		wantErr:    "sets no USER",
	},
	{
		name:       "rejects an extra COPY of the source tree",
		dockerfile: strings.Replace(goodDockerfile, "USER 65532", "COPY --from=build /src /src\nUSER 65532", 1),
		wantErr:    "2 COPY instructions",
	},
	{
		name:       "rejects copying the source tree instead of the binary",
		dockerfile: strings.Replace(goodDockerfile, "/src/bin/jardam /jardam", "/src /app", 1),
		wantErr:    "want only the jardam binary",
	},
	{
		name:       "rejects a COPY from the build context in the final stage",
		dockerfile: strings.Replace(goodDockerfile, "COPY --from=build /src/bin/jardam /jardam", "COPY . /app", 1),
		wantErr:    "from the build context",
	},
	{
		name:       "rejects a COPY with several sources",
		dockerfile: strings.Replace(goodDockerfile, "/src/bin/jardam /jardam", "/src/bin/jardam /src/go.mod /", 1),
		wantErr:    "2 sources",
	},
	{
		name:       "rejects a COPY from an outside image",
		dockerfile: strings.Replace(goodDockerfile, "--from=build", "--from=golang:1.27", 1),
		wantErr:    "not an earlier stage",
	},
	{
		name:       "rejects ADD in the final stage",
		dockerfile: strings.Replace(goodDockerfile, "USER 65532", "ADD https://example.invalid/x /x\nUSER 65532", 1),
		wantErr:    "uses ADD",
	},
	{
		name:       "rejects RUN in the final stage",
		dockerfile: strings.Replace(goodDockerfile, "USER 65532", "RUN echo hi\nUSER 65532", 1),
		wantErr:    "runs a command",
	},
	{
		name:       "rejects a golang base in the final stage",
		dockerfile: strings.Replace(goodDockerfile, "gcr.io/distroless/static-debian12:nonroot", "docker.io/library/golang:1.27", 1),
		wantErr:    "compiler image",
	},
	{
		name:       "rejects a final stage built on the build stage",
		dockerfile: strings.Replace(goodDockerfile, "gcr.io/distroless/static-debian12:nonroot", "build", 1),
		wantErr:    "starts from build stage",
	},
	{
		name:       "rejects a build stage that does not run make build",
		dockerfile: strings.Replace(goodDockerfile, "RUN make build", "RUN go build -o bin/jardam ./cmd/jardam", 1),
		wantErr:    "does not run `make build`",
	},
	{
		name: "rejects a single-stage build",
		dockerfile: `FROM golang:1.27-bookworm
RUN make build
USER 65532
`,
		wantErr: "multi-stage",
	},
	{
		name:       "rejects an empty Dockerfile",
		dockerfile: "# nothing here\n",
		wantErr:    "no instructions",
	},
}

func TestCheckDockerfile(t *testing.T) {
	for _, tt := range dockerfileCases {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDockerfile(strings.NewReader(tt.dockerfile))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("checkDockerfile() = %v, want accepted", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("checkDockerfile() accepted it, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("checkDockerfile() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
