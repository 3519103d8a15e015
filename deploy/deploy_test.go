// Package deploy holds Jardam's deployment files and the test that reads
// them as Docker Compose and Kubernetes do: the compose file through
// compose-go (the loader of the docker compose command), the manifests
// decoded strictly into the types of k8s.io/api, so a misspelt or misplaced
// field fails here rather than at a ministry's cluster. No schema is
// downloaded. It is a module of its own, so the service's module does not
// carry Kubernetes' packages.
package deploy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

func loadCompose(t *testing.T, env map[string]string) *types.Project {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("compose", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  "compose",
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: b}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("jardam", true) })
	if err != nil {
		t.Fatalf("compose-go: %v", err)
	}
	return p
}

var composeEnv = map[string]string{
	"JARDAM_IMAGE": "registry.example.org/jardam:test", "JARDAM_HOST": "jardam.example.org",
	"POSTGRES_PASSWORD": "p", "JARDAM_APP_PASSWORD": "a", "JARDAM_OWNER_PASSWORD": "o", "JARDAM_KEYS": "/etc/jardam/keys",
}

// The compose file loads; two replicas of the service run read-only and
// unprivileged through PgBouncer in transaction mode, with the four key
// files as secrets, after the migrations have completed; only the proxy
// publishes ports.
func TestComposeFile(t *testing.T) {
	p := loadCompose(t, composeEnv)
	for _, name := range []string{"postgres", "pgbouncer", "migrate", "jardam-1", "jardam-2", "proxy"} {
		if _, err := p.GetService(name); err != nil {
			t.Fatalf("service %s: %v", name, err)
		}
	}
	for _, name := range []string{"jardam-1", "jardam-2"} {
		s, _ := p.GetService(name)
		if !s.ReadOnly || s.User != "65532:65532" || s.Image != composeEnv["JARDAM_IMAGE"] {
			t.Errorf("%s: read-only %v user %q image %q", name, s.ReadOnly, s.User, s.Image)
		}
		url := s.Environment["DATABASE_URL"]
		if url == nil || !strings.Contains(*url, "@pgbouncer:6432/") || !strings.Contains(*url, "default_query_exec_mode=cache_describe") {
			t.Errorf("%s: DATABASE_URL does not go through PgBouncer with unnamed statements: %v", name, url)
		}
		if env := s.Environment["JARDAM_ENV"]; env == nil || *env != "production" {
			t.Errorf("%s: JARDAM_ENV %v", name, env)
		}
		var secrets []string
		for _, sec := range s.Secrets {
			secrets = append(secrets, sec.Source)
		}
		slices.Sort(secrets)
		if !slices.Equal(secrets, []string{"audit.key", "index.key", "jwt.key", "master.key"}) {
			t.Errorf("%s: secrets %v", name, secrets)
		}
		if d, ok := s.DependsOn["migrate"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s: does not wait for the migrations: %+v", name, s.DependsOn)
		}
		if len(s.Ports) != 0 {
			t.Errorf("%s publishes ports", name)
		}
	}
	pgb, _ := p.GetService("pgbouncer")
	if mode := pgb.Environment["PGBOUNCER_POOL_MODE"]; mode == nil || *mode != "transaction" {
		t.Errorf("PgBouncer pool mode %v", mode)
	}
	for name, s := range p.Services {
		if name != "proxy" && len(s.Ports) != 0 {
			t.Errorf("%s publishes ports", name)
		}
	}
	if _, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  "compose",
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: mustRead(t, "compose/compose.yaml")}},
		Environment: map[string]string{},
	}, func(o *loader.Options) { o.SetProjectName("jardam", true) }); err == nil || !strings.Contains(err.Error(), "JARDAM_IMAGE") {
		t.Errorf("without the required variables the file loads: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// manifests splits a multi-document YAML file and decodes each document
// strictly into the type its kind names.
func manifests(t *testing.T, file string) []any {
	t.Helper()
	var out []any
	for i, doc := range bytes.Split(mustRead(t, filepath.Join("kubernetes", file)), []byte("\n---\n")) {
		var head struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("%s document %d: %v", file, i+1, err)
		}
		var obj any
		switch head.Kind {
		case "Deployment":
			obj = &appsv1.Deployment{}
		case "Job":
			obj = &batchv1.Job{}
		case "PodDisruptionBudget":
			obj = &policyv1.PodDisruptionBudget{}
		case "Service":
			obj = &corev1.Service{}
		case "PersistentVolumeClaim":
			obj = &corev1.PersistentVolumeClaim{}
		case "NetworkPolicy":
			obj = &networkingv1.NetworkPolicy{}
		default:
			t.Fatalf("%s document %d: unexpected kind %q", file, i+1, head.Kind)
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			t.Fatalf("%s document %d (%s): %v", file, i+1, head.Kind, err)
		}
		out = append(out, obj)
	}
	return out
}

// The manifests decode strictly; the service runs two replicas, not as
// root, with a read-only file system, probes on /healthz and /readyz, its
// keys and database URL from Secrets, and a disruption budget that keeps one
// replica; the migrations run as a Job with the same image.
func TestKubernetesManifests(t *testing.T) {
	var dep *appsv1.Deployment
	var job *batchv1.Job
	pdbs, policies := 0, 0
	for _, file := range []string{"jardam.yaml", "pgbouncer.yaml"} {
		for _, obj := range manifests(t, file) {
			switch o := obj.(type) {
			case *appsv1.Deployment:
				if o.Name == "jardam" {
					dep = o
				}
			case *batchv1.Job:
				job = o
			case *policyv1.PodDisruptionBudget:
				if o.Spec.MinAvailable == nil || o.Spec.MinAvailable.IntValue() < 1 {
					t.Errorf("PodDisruptionBudget %s keeps no replica", o.Name)
				}
				pdbs++
			case *networkingv1.NetworkPolicy:
				if len(o.Spec.Ingress) == 0 || len(o.Spec.PolicyTypes) == 0 {
					t.Errorf("NetworkPolicy %s lets nothing in or restricts nothing", o.Name)
				}
				policies++
			}
		}
	}
	if dep == nil || job == nil || pdbs != 2 || policies != 2 {
		t.Fatalf("deployment %v, job %v, %d disruption budgets, %d network policies", dep != nil, job != nil, pdbs, policies)
	}
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 2 {
		t.Errorf("replicas %v", dep.Spec.Replicas)
	}
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("probes: readiness %+v liveness %+v", c.ReadinessProbe, c.LivenessProbe)
	}
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot ||
		c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("the service may run as root or write its file system")
	}
	fromSecret := map[string]bool{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			fromSecret[e.Name] = true
		}
		if e.Name == "JARDAM_ENV" && e.Value != "production" {
			t.Errorf("JARDAM_ENV=%s", e.Value)
		}
		if e.Name == "JARDAM_TRUSTED_PROXIES" && strings.HasSuffix(e.Value, "/8") {
			t.Errorf("JARDAM_TRUSTED_PROXIES=%s trusts a whole network", e.Value)
		}
	}
	if !fromSecret["DATABASE_URL"] || !fromSecret["JARDAM_MASTER_KEY"] {
		t.Errorf("database URL and master key must come from Secrets: %v", fromSecret)
	}
	jc := job.Spec.Template.Spec.Containers[0]
	if jc.Image != c.Image || !slices.Equal(jc.Args, []string{"migrate"}) {
		t.Errorf("migration job: image %q args %v", jc.Image, jc.Args)
	}
}
