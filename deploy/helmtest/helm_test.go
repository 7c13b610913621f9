// Package helmtest checks deploy/helm/cartable with Helm itself and the Kubernetes API
// types: `helm lint`, then `helm template` with several sets of values, every rendered
// manifest decoded strictly (an unknown or misspelt field fails) into its API type, and
// what the chart promises checked on the decoded objects. It is a module of its own so
// that the Kubernetes types never enter cartable's go.mod; .ci/run runs it with
// CARTABLE_TEST_HELM set to the helm that tools/build.sh builds (tools/go.mod).
package helmtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

const chart = "../helm/cartable"

func helm(t *testing.T) string {
	t.Helper()
	h := os.Getenv("CARTABLE_TEST_HELM")
	if h == "" {
		if os.Getenv("CARTABLE_TEST_REQUIRE_HELM") != "" {
			t.Fatal("CARTABLE_TEST_HELM is not set: build helm with tools/build.sh")
		}
		t.Skip("CARTABLE_TEST_HELM is not set (the helm binary of tools/build.sh)")
	}
	return h
}

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(helm(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String() + errb.String(), err
	}
	return out.String(), nil
}

var secrets = []string{"--set", "secrets.db=postgres://cartable@db:5432/cartable", "--set", "secrets.keys=k1:AAAA"}

func TestLint(t *testing.T) {
	if out, err := run(t, append([]string{"lint", "--strict", chart}, secrets...)...); err != nil {
		t.Fatalf("helm lint: %v\n%s", err, out)
	}
}

// objects are the rendered manifests, decoded.
type objects struct {
	deployments []appsv1.Deployment
	services    []corev1.Service
	ingresses   []networkingv1.Ingress
	jobs        []batchv1.Job
	cronJobs    []batchv1.CronJob
	secrets     []corev1.Secret
	pvcs        []corev1.PersistentVolumeClaim
	pdbs        []policyv1.PodDisruptionBudget
	hpas        []autoscalingv2.HorizontalPodAutoscaler
	monitors    []monitoringv1.ServiceMonitor
	rules       []monitoringv1.PrometheusRule
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// render runs helm template with args and decodes every manifest strictly.
func render(t *testing.T, args ...string) objects {
	t.Helper()
	out, err := run(t, append([]string{"template", "rel", chart, "--namespace", "cartable"}, args...)...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, out)
	}
	var o objects
	n := 0
	for _, doc := range docSep.Split(out, -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("manifest %d: %v\n%s", n, err, doc)
		}
		n++
		var target any
		var apiVersion string
		switch head.Kind {
		case "Deployment":
			o.deployments = append(o.deployments, appsv1.Deployment{})
			target, apiVersion = &o.deployments[len(o.deployments)-1], "apps/v1"
		case "Service":
			o.services = append(o.services, corev1.Service{})
			target, apiVersion = &o.services[len(o.services)-1], "v1"
		case "Ingress":
			o.ingresses = append(o.ingresses, networkingv1.Ingress{})
			target, apiVersion = &o.ingresses[len(o.ingresses)-1], "networking.k8s.io/v1"
		case "Job":
			o.jobs = append(o.jobs, batchv1.Job{})
			target, apiVersion = &o.jobs[len(o.jobs)-1], "batch/v1"
		case "CronJob":
			o.cronJobs = append(o.cronJobs, batchv1.CronJob{})
			target, apiVersion = &o.cronJobs[len(o.cronJobs)-1], "batch/v1"
		case "Secret":
			o.secrets = append(o.secrets, corev1.Secret{})
			target, apiVersion = &o.secrets[len(o.secrets)-1], "v1"
		case "PersistentVolumeClaim":
			o.pvcs = append(o.pvcs, corev1.PersistentVolumeClaim{})
			target, apiVersion = &o.pvcs[len(o.pvcs)-1], "v1"
		case "PodDisruptionBudget":
			o.pdbs = append(o.pdbs, policyv1.PodDisruptionBudget{})
			target, apiVersion = &o.pdbs[len(o.pdbs)-1], "policy/v1"
		case "HorizontalPodAutoscaler":
			o.hpas = append(o.hpas, autoscalingv2.HorizontalPodAutoscaler{})
			target, apiVersion = &o.hpas[len(o.hpas)-1], "autoscaling/v2"
		case "ServiceMonitor":
			o.monitors = append(o.monitors, monitoringv1.ServiceMonitor{})
			target, apiVersion = &o.monitors[len(o.monitors)-1], "monitoring.coreos.com/v1"
		case "PrometheusRule":
			o.rules = append(o.rules, monitoringv1.PrometheusRule{})
			target, apiVersion = &o.rules[len(o.rules)-1], "monitoring.coreos.com/v1"
		default:
			t.Fatalf("manifest %d: kind %q is not one this test knows: add its type", n, head.Kind)
		}
		if head.APIVersion != apiVersion {
			t.Errorf("%s: apiVersion %q, want %q", head.Kind, head.APIVersion, apiVersion)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
			t.Errorf("%s does not decode strictly: %v\n%s", head.Kind, err, doc)
		}
	}
	if n == 0 {
		t.Fatal("helm template rendered nothing")
	}
	return o
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// checkPod checks what every pod of the chart promises: non-root, read-only root
// filesystem, no privilege escalation, resources, the secrets from the Secret.
func checkPod(t *testing.T, what string, spec corev1.PodSpec, secretName string) {
	t.Helper()
	if sc := spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("%s: the pod does not run as a non-root user", what)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%s: %d containers", what, len(spec.Containers))
	}
	c := spec.Containers[0]
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("%s: the container's root filesystem is not read-only, or it may escalate", what)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: no resources", what)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	for _, k := range []string{"CARTABLE_DB", "CARTABLE_KEYS"} {
		e, ok := env[k]
		if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != secretName || e.ValueFrom.SecretKeyRef.Key != k {
			t.Errorf("%s: %s does not come from the Secret %s", what, k, secretName)
		}
	}
	mounts := map[string]bool{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = true
	}
	if !mounts["/tmp"] || !mounts["/data"] {
		t.Errorf("%s: /tmp and /data must be volumes (the root filesystem is read-only): %v", what, c.VolumeMounts)
	}
}

func TestTemplateDefaults(t *testing.T) {
	o := render(t, secrets...)
	if len(o.deployments) != 1 || len(o.services) != 1 || len(o.ingresses) != 1 || len(o.jobs) != 1 || len(o.cronJobs) != 2 ||
		len(o.secrets) != 1 || len(o.pdbs) != 1 || len(o.hpas) != 1 || len(o.monitors) != 1 || len(o.rules) != 1 || len(o.pvcs) != 0 {
		t.Fatalf("rendered: %d deployments, %d services, %d ingresses, %d jobs, %d cronjobs, %d secrets, %d pdbs, %d hpas, %d servicemonitors, %d prometheusrules, %d pvcs",
			len(o.deployments), len(o.services), len(o.ingresses), len(o.jobs), len(o.cronJobs), len(o.secrets), len(o.pdbs), len(o.hpas), len(o.monitors), len(o.rules), len(o.pvcs))
	}
	secret := o.secrets[0]
	if secret.StringData["CARTABLE_DB"] == "" || secret.StringData["CARTABLE_KEYS"] == "" ||
		!strings.Contains(secret.Annotations["helm.sh/hook"], "pre-install") {
		t.Errorf("secret: %+v", secret.ObjectMeta.Annotations)
	}

	// The server: serve, schedules off, probes on /healthz and /readyz.
	d := o.deployments[0]
	checkPod(t, "deployment", d.Spec.Template.Spec, secret.Name)
	c := d.Spec.Template.Spec.Containers[0]
	if !slices.Equal(c.Args[:1], []string{"serve"}) || !slices.Contains(c.Args, "--transfer-schedule=") || !slices.Contains(c.Args, "--purge-schedule=") {
		t.Errorf("deployment args %v: want serve with the schedules off", c.Args)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" ||
		c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
		c.StartupProbe == nil || c.StartupProbe.HTTPGet == nil {
		t.Errorf("probes: liveness %+v, readiness %+v", c.LivenessProbe, c.ReadinessProbe)
	}
	if d.Spec.Replicas != nil {
		t.Errorf("with the autoscaler, the deployment must not set replicas (%d)", *d.Spec.Replicas)
	}
	podLabels := labels.Set(d.Spec.Template.Labels)
	sel, err := labels.Parse(labels.SelectorFromSet(d.Spec.Selector.MatchLabels).String())
	if err != nil || !sel.Matches(podLabels) {
		t.Errorf("the deployment's selector does not match its pods")
	}

	// The Service and the PDB select the server's pods, and no job's pod.
	svc := labels.SelectorFromSet(o.services[0].Spec.Selector)
	pdb := labels.SelectorFromSet(o.pdbs[0].Spec.Selector.MatchLabels)
	if !svc.Matches(podLabels) || !pdb.Matches(podLabels) {
		t.Errorf("service or PDB do not select the server's pods")
	}
	jobPods := []labels.Set{labels.Set(o.jobs[0].Spec.Template.Labels)}
	for _, cj := range o.cronJobs {
		jobPods = append(jobPods, labels.Set(cj.Spec.JobTemplate.Spec.Template.Labels))
	}
	for _, l := range jobPods {
		if svc.Matches(l) || pdb.Matches(l) {
			t.Errorf("the service or the PDB selects a job's pod %v", l)
		}
	}
	if o.services[0].Spec.Ports[0].TargetPort.String() != c.Ports[0].Name {
		t.Errorf("service targets %s, the container's port is %s", o.services[0].Spec.Ports[0].TargetPort.String(), c.Ports[0].Name)
	}
	ing := o.ingresses[0].Spec.Rules[0].HTTP.Paths[0].Backend.Service
	if ing.Name != o.services[0].Name || ing.Port.Name != o.services[0].Spec.Ports[0].Name {
		t.Errorf("ingress backend %+v", ing)
	}
	// /metrics on a port of its own (--metrics-addr), which the Ingress does not route.
	if !slices.Contains(c.Args, "--metrics-addr=:9102") || len(c.Ports) != 2 || c.Ports[1].Name != "metrics" || c.Ports[1].ContainerPort != 9102 ||
		len(o.services[0].Spec.Ports) != 2 || o.services[0].Spec.Ports[1].TargetPort.String() != "metrics" {
		t.Errorf("metrics port: args %v, container ports %+v, service ports %+v", c.Args, c.Ports, o.services[0].Spec.Ports)
	}
	for _, rule := range o.ingresses[0].Spec.Rules {
		for _, p := range rule.HTTP.Paths {
			if p.Backend.Service != nil && p.Backend.Service.Port.Name == "metrics" {
				t.Errorf("the Ingress routes the metrics port: %+v", p)
			}
		}
	}

	// The migration Job: a pre-install and pre-upgrade hook running migrate.
	j := o.jobs[0]
	checkPod(t, "migration", j.Spec.Template.Spec, secret.Name)
	if hook := j.Annotations["helm.sh/hook"]; !strings.Contains(hook, "pre-install") || !strings.Contains(hook, "pre-upgrade") ||
		!slices.Equal(j.Spec.Template.Spec.Containers[0].Args, []string{"migrate"}) || j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("migration job: hook %q, args %v", hook, j.Spec.Template.Spec.Containers[0].Args)
	}

	// The CronJobs: jobs run transfer / purge, Europe/Paris, Forbid.
	want := map[string]string{"transfer": "30 2 * * *", "purge": "30 3 * * 0"}
	for _, cj := range o.cronJobs {
		spec := cj.Spec.JobTemplate.Spec.Template.Spec
		checkPod(t, cj.Name, spec, secret.Name)
		args := spec.Containers[0].Args
		if len(args) < 3 || args[0] != "jobs" || args[1] != "run" {
			t.Errorf("%s: args %v", cj.Name, args)
			continue
		}
		if cj.Spec.TimeZone == nil || *cj.Spec.TimeZone != "Europe/Paris" || cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent || cj.Spec.Schedule != want[args[2]] {
			t.Errorf("%s: schedule %q, time zone %v, concurrency %s", cj.Name, cj.Spec.Schedule, cj.Spec.TimeZone, cj.Spec.ConcurrencyPolicy)
		}
		delete(want, args[2])
	}
	if len(want) != 0 {
		t.Errorf("no CronJob for %v", want)
	}

	// Autoscaler, monitor, rules.
	if h := o.hpas[0]; h.Spec.ScaleTargetRef.Name != d.Name || h.Spec.ScaleTargetRef.Kind != "Deployment" || *h.Spec.MinReplicas < 2 {
		t.Errorf("hpa: %+v", h.Spec)
	}
	m := o.monitors[0]
	if !labels.SelectorFromSet(m.Spec.Selector.MatchLabels).Matches(labels.Set(o.services[0].Labels)) || m.Spec.Endpoints[0].Path != "/metrics" ||
		m.Spec.Endpoints[0].Port != "metrics" || m.Spec.JobLabel != "app.kubernetes.io/name" || o.services[0].Labels["app.kubernetes.io/name"] != "cartable" {
		t.Errorf("servicemonitor: %+v", m.Spec)
	}
	checkRules(t, o.rules[0])
}

// checkRules checks that the chart's PrometheusRule holds deploy/prometheus's rules.
func checkRules(t *testing.T, pr monitoringv1.PrometheusRule) {
	t.Helper()
	orig, err := os.ReadFile("../prometheus/cartable-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	copied, err := os.ReadFile(filepath.Join(chart, "files", "cartable-rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(orig, copied) {
		t.Fatalf("deploy/helm/cartable/files/cartable-rules.yml differs from deploy/prometheus/cartable-rules.yml: copy it")
	}
	var want monitoringv1.PrometheusRuleSpec
	if err := yaml.UnmarshalStrict(orig, &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Groups) < 2 || !reflect.DeepEqual(want, pr.Spec) {
		t.Errorf("the PrometheusRule's groups differ from the rules file")
	}
}

func TestTemplateVariants(t *testing.T) {
	// An existing Secret, local files on a claim, no autoscaler, jobs by OpenFaaS, no operator.
	o := render(t, "--set", "secrets.existingSecret=my-secret", "--set", "persistence.enabled=true",
		"--set", "autoscaling.enabled=false", "--set", "replicaCount=3", "--set", "cronJobs.enabled=false",
		"--set", "serviceMonitor.enabled=false", "--set", "prometheusRule.enabled=false", "--set", "ingress.enabled=false",
		"--set", "extraEnv.CARTABLE_LOGIN_RATE=60", "--set", "image.tag=1.2.3")
	if len(o.secrets) != 0 || len(o.pvcs) != 1 || len(o.hpas) != 0 || len(o.cronJobs) != 0 || len(o.monitors) != 0 || len(o.rules) != 0 || len(o.ingresses) != 0 {
		t.Fatalf("variant rendered %d secrets, %d pvcs, %d hpas, %d cronjobs, %d monitors, %d rules, %d ingresses",
			len(o.secrets), len(o.pvcs), len(o.hpas), len(o.cronJobs), len(o.monitors), len(o.rules), len(o.ingresses))
	}
	d := o.deployments[0]
	checkPod(t, "deployment", d.Spec.Template.Spec, "my-secret")
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 || !strings.HasSuffix(d.Spec.Template.Spec.Containers[0].Image, ":1.2.3") {
		t.Errorf("replicas %v, image %s", d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
	}
	var claim string
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == "data" && v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	if claim != o.pvcs[0].Name {
		t.Errorf("the data volume is claim %q, the chart's claim is %q", claim, o.pvcs[0].Name)
	}

	// Without the secrets, the chart says what is missing.
	out, err := run(t, "template", "rel", chart)
	if err == nil || !strings.Contains(out, "secrets.db") {
		t.Errorf("template without secrets: %v\n%s", err, out)
	}
}
