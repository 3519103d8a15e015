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
	"REPLICATION_PASSWORD": "r",
}

// The compose file loads; two replicas of the service run read-only and
// unprivileged through PgBouncer in transaction mode, with the four key
// files as secrets, after the migrations have completed; only the proxy
// publishes ports. The standby and the spools: see checkComposeStandby.
func TestComposeFile(t *testing.T) {
	p := loadCompose(t, composeEnv)
	for _, name := range []string{"postgres", "postgres-standby", "pgbouncer", "migrate", "spool-volumes", "jardam-1", "jardam-2", "proxy"} {
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
	checkComposeStandby(t, p)
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

// checkComposeStandby checks the standby and the spools of the compose
// file: the primary creates the replication role when its data directory
// is made; the standby, once the primary is healthy, copies it with
// pg_basebackup --write-recovery-conf into its own volume; each replica of
// the service reads stored releases from the standby directly and keeps
// its audit spool on a named volume of its own, given to the service's
// user before it starts.
func checkComposeStandby(t *testing.T, p *types.Project) {
	t.Helper()
	primary, _ := p.GetService("postgres")
	if !slices.ContainsFunc(primary.Volumes, func(v types.ServiceVolumeConfig) bool {
		return strings.HasPrefix(v.Target, "/docker-entrypoint-initdb.d/") && strings.HasSuffix(v.Source, "initdb-replication.sh")
	}) || !strings.Contains(string(mustRead(t, "compose/initdb-replication.sh")), "REPLICATION") {
		t.Error("the primary does not create the standby's replication role")
	}
	standby, _ := p.GetService("postgres-standby")
	script := string(mustRead(t, "compose/standby-entrypoint.sh"))
	if !strings.Contains(strings.Join(standby.Entrypoint, " "), "standby-entrypoint.sh") ||
		!strings.Contains(script, "pg_basebackup --host=postgres") || !strings.Contains(script, "--write-recovery-conf") {
		t.Errorf("the standby is not made by pg_basebackup -R from the primary: %v", standby.Entrypoint)
	}
	if d, ok := standby.DependsOn["postgres"]; !ok || d.Condition != types.ServiceConditionHealthy {
		t.Errorf("the standby does not wait for the primary: %+v", standby.DependsOn)
	}
	spoolVolumes := map[string]string{}
	for _, name := range []string{"jardam-1", "jardam-2"} {
		s, _ := p.GetService(name)
		if url := s.Environment["DATABASE_REPLICA_URL"]; url == nil || !strings.Contains(*url, "@postgres-standby:5432/jardam") {
			t.Errorf("%s: DATABASE_REPLICA_URL does not reach the standby directly: %v", name, url)
		}
		spool := s.Environment["JARDAM_AUDIT_SPOOL_FILE"]
		if spool == nil {
			t.Fatalf("%s: no JARDAM_AUDIT_SPOOL_FILE", name)
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeVolume && strings.HasPrefix(*spool, v.Target+"/") {
				spoolVolumes[name] = v.Source
			}
		}
		if d, ok := s.DependsOn["spool-volumes"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s: starts before its spool volume is its user's: %+v", name, s.DependsOn)
		}
	}
	if len(spoolVolumes) != 2 || spoolVolumes["jardam-1"] == spoolVolumes["jardam-2"] {
		t.Errorf("each replica needs its spool on a named volume of its own: %v", spoolVolumes)
	}
	owner, _ := p.GetService("spool-volumes")
	for _, v := range spoolVolumes {
		if !slices.ContainsFunc(owner.Volumes, func(o types.ServiceVolumeConfig) bool { return o.Source == v }) {
			t.Errorf("spool volume %s is not given to the service's user", v)
		}
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
		case "StatefulSet":
			obj = &appsv1.StatefulSet{}
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
// keys and database URLs from Secrets, its audit spool on a volume of each
// replica's own, and a disruption budget that keeps one replica; the
// migrations run as a Job with the same image; a standby made by
// pg_basebackup --write-recovery-conf serves the service's reads.
func TestKubernetesManifests(t *testing.T) {
	k := decodeManifests(t, "jardam.yaml", "pgbouncer.yaml", "postgres-standby.yaml")
	if k.sets["jardam"] == nil || k.job == nil || k.pdbs != 2 || len(k.policies) != 3 {
		t.Fatalf("jardam set %v, job %v, %d disruption budgets, %d network policies", k.sets["jardam"] != nil, k.job != nil, k.pdbs, len(k.policies))
	}
	set := k.sets["jardam"]
	if set.Spec.Replicas == nil || *set.Spec.Replicas < 2 {
		t.Errorf("replicas %v", set.Spec.Replicas)
	}
	pod := set.Spec.Template.Spec
	c := pod.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("probes: readiness %+v liveness %+v", c.ReadinessProbe, c.LivenessProbe)
	}
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot ||
		c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("the service may run as root or write its file system")
	}
	env := checkServiceEnv(t, c)
	checkSpoolVolume(t, set, env["JARDAM_AUDIT_SPOOL_FILE"])
	jc := k.job.Spec.Template.Spec.Containers[0]
	if jc.Image != c.Image || !slices.Equal(jc.Args, []string{"migrate"}) {
		t.Errorf("migration job: image %q args %v", jc.Image, jc.Args)
	}
	checkStandby(t, k.sets["postgres-standby"], k.policies["postgres-standby"])
}

// kubeObjects are the decoded manifests the tests look into.
type kubeObjects struct {
	sets     map[string]*appsv1.StatefulSet
	job      *batchv1.Job
	pdbs     int
	policies map[string]*networkingv1.NetworkPolicy
}

// decodeManifests decodes files and checks what holds for every object of
// a kind: a disruption budget keeps a replica, a network policy restricts.
func decodeManifests(t *testing.T, files ...string) kubeObjects {
	t.Helper()
	k := kubeObjects{sets: map[string]*appsv1.StatefulSet{}, policies: map[string]*networkingv1.NetworkPolicy{}}
	for _, file := range files {
		for _, obj := range manifests(t, file) {
			switch o := obj.(type) {
			case *appsv1.StatefulSet:
				k.sets[o.Name] = o
			case *batchv1.Job:
				k.job = o
			case *policyv1.PodDisruptionBudget:
				if o.Spec.MinAvailable == nil || o.Spec.MinAvailable.IntValue() < 1 {
					t.Errorf("PodDisruptionBudget %s keeps no replica", o.Name)
				}
				k.pdbs++
			case *networkingv1.NetworkPolicy:
				if len(o.Spec.Ingress) == 0 || len(o.Spec.PolicyTypes) == 0 {
					t.Errorf("NetworkPolicy %s lets nothing in or restricts nothing", o.Name)
				}
				k.policies[o.Name] = o
			}
		}
	}
	return k
}

// checkServiceEnv checks the service container's environment and returns
// its plain values: production, a narrow proxy list, the database URLs
// (primary and standby) and the master key from Secrets, a spool file.
func checkServiceEnv(t *testing.T, c corev1.Container) map[string]string {
	t.Helper()
	fromSecret, values := map[string]bool{}, map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			fromSecret[e.Name] = true
		}
		values[e.Name] = e.Value
	}
	if values["JARDAM_ENV"] != "production" {
		t.Errorf("JARDAM_ENV=%s", values["JARDAM_ENV"])
	}
	if strings.HasSuffix(values["JARDAM_TRUSTED_PROXIES"], "/8") {
		t.Errorf("JARDAM_TRUSTED_PROXIES=%s trusts a whole network", values["JARDAM_TRUSTED_PROXIES"])
	}
	if !fromSecret["DATABASE_URL"] || !fromSecret["JARDAM_MASTER_KEY"] || !fromSecret["DATABASE_REPLICA_URL"] {
		t.Errorf("database URLs and master key must come from Secrets: %v", fromSecret)
	}
	if values["JARDAM_AUDIT_SPOOL_FILE"] == "" {
		t.Error("no JARDAM_AUDIT_SPOOL_FILE: reads served from the standby while the primary is away would answer 503")
	}
	return values
}

// checkSpoolVolume checks that the spool file is on a volume each replica
// has of its own (a claim template of the set), kept when the set is
// scaled down or deleted.
func checkSpoolVolume(t *testing.T, set *appsv1.StatefulSet, spool string) {
	t.Helper()
	claims := map[string]bool{}
	for _, tpl := range set.Spec.VolumeClaimTemplates {
		claims[tpl.Name] = true
	}
	onClaim := false
	for _, m := range set.Spec.Template.Spec.Containers[0].VolumeMounts {
		if claims[m.Name] && !m.ReadOnly && strings.HasPrefix(spool, strings.TrimSuffix(m.MountPath, "/")+"/") {
			onClaim = true
		}
	}
	if !onClaim {
		t.Errorf("the spool %q is not on a volume of each replica's own (claim templates %v)", spool, claims)
	}
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p == nil ||
		p.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || p.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("the spools' volumes may be deleted with the set: %+v", p)
	}
}

// checkStandby checks the standby: a copy made on first start by
// pg_basebackup --write-recovery-conf into the data volume the server
// then runs on, its password from a Secret, and only the service's pods
// let in.
func checkStandby(t *testing.T, set *appsv1.StatefulSet, policy *networkingv1.NetworkPolicy) {
	t.Helper()
	if set == nil || policy == nil {
		t.Fatalf("standby: set %v, network policy %v", set != nil, policy != nil)
	}
	pod := set.Spec.Template.Spec
	if len(pod.InitContainers) != 1 || len(pod.Containers) != 1 || len(set.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("standby: %d init containers, %d containers, %d claim templates", len(pod.InitContainers), len(pod.Containers), len(set.Spec.VolumeClaimTemplates))
	}
	init, pg := pod.InitContainers[0], pod.Containers[0]
	script := strings.Join(init.Command, " ")
	if !strings.Contains(script, "pg_basebackup") || !strings.Contains(script, "--write-recovery-conf") || !strings.Contains(script, "--wal-method=stream") {
		t.Errorf("the standby is not made by pg_basebackup -R: %q", script)
	}
	data := set.Spec.VolumeClaimTemplates[0].Name
	mounted := func(c corev1.Container) bool {
		return slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == data })
	}
	if !mounted(init) || !mounted(pg) || pg.ReadinessProbe == nil {
		t.Errorf("standby: the copy and the server share no data volume, or no readiness probe")
	}
	for _, c := range []corev1.Container{init, pg} {
		if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
			return e.Name == "PGPASSWORD" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
		}) {
			t.Errorf("standby container %s: the replication password not from a Secret", c.Name)
		}
	}
	from := policy.Spec.Ingress[0].From
	if len(policy.Spec.Ingress) != 1 || len(from) != 1 || from[0].PodSelector == nil ||
		from[0].PodSelector.MatchLabels["app.kubernetes.io/name"] != "jardam" {
		t.Errorf("the standby lets in more than the service's pods: %+v", policy.Spec.Ingress)
	}
}
