package api_test

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"go.yaml.in/yaml/v3"
)

// TestJobNames: docs/openapi.yaml names exactly the jobs the application registered
// (the job of a run, the filter of the history, the job to run), and running an unknown
// job answers 404 job_not_found naming them.
func TestJobNames(t *testing.T) {
	s := apptest.Start(t, "sqlite")
	names := s.App.Jobs.Names()
	if len(names) < 2 {
		t.Fatalf("jobs registered: %v", names)
	}
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	get := func(v any, path ...string) any {
		for _, k := range path {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		return v
	}
	param := func(op any, name string) any {
		ps, _ := get(op, "parameters").([]any)
		for _, p := range ps {
			if get(p, "name") == name {
				return get(p, "schema")
			}
		}
		return nil
	}
	for where, schema := range map[string]any{
		"components.schemas.JobRun.job":           get(doc, "components", "schemas", "JobRun", "properties", "job"),
		"GET /api/v1/jobs ?job=":                  param(get(doc, "paths", "/api/v1/jobs", "get"), "job"),
		"POST /api/v1/jobs/{job}/runs, its {job}": param(get(doc, "paths", "/api/v1/jobs/{job}/runs", "post"), "job"),
	} {
		var enum []string
		list, _ := get(schema, "enum").([]any)
		for _, v := range list {
			s, _ := v.(string)
			enum = append(enum, s)
		}
		if !slices.Equal(enum, names) {
			t.Errorf("docs/openapi.yaml, %s: enum %v, but the jobs registered are %v", where, enum, names)
		}
	}

	root := s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin})
	var eb errorBody
	resp := s.Do("POST", "/api/v1/jobs/nosuchjob/runs", s.Token(root), nil, &eb)
	wantError(t, resp, eb, http.StatusNotFound, "job_not_found")
	for _, n := range names {
		if !strings.Contains(eb.Error.Message, n) {
			t.Errorf("the refusal does not name the job %s: %q", n, eb.Error.Message)
		}
	}
}
