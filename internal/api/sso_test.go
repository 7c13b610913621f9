package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
)

// TestSSOContract walks the single sign-on administration through the API: a platform
// administrator declares providers (the client secret never comes back), an
// establishment's administrator allows one, sets a policy, links an account by hand
// and by CSV, and unlinks it; what each role may not do is refused.
func TestSSOContract(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		name := "Lycée A"
		a, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: "0691234S", Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		root := s.Token(s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin}))
		admin := s.Token(s.CreateUser("admin.a", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: a.ID}))
		teacherU := s.CreateUser("prof.a", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: a.ID})
		teacher := s.Token(teacherU)

		var e errorBody
		resp := s.Do("POST", "/api/v1/sso/providers", admin, map[string]any{"name": "ent", "kind": "oidc"}, &e)
		wantError(t, resp, e, http.StatusForbidden, "forbidden")
		var prov map[string]any
		resp = s.Do("POST", "/api/v1/sso/providers", root, map[string]any{"name": "ent", "label": "ENT", "kind": "oidc",
			"issuer": "https://ent.example", "client_id": "cartable", "client_secret": "s3cret-value"}, &prov)
		if resp.StatusCode != http.StatusCreated || prov["has_client_secret"] != true {
			t.Fatalf("create: %d %v", resp.StatusCode, prov)
		}
		raw, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(raw), "s3cret") {
			t.Fatal("the client secret came back")
		}
		e = errorBody{}
		resp = s.Do("POST", "/api/v1/sso/providers", root, map[string]any{"name": "cas", "kind": "cas", "cas_url": "http://cas.example"}, &e)
		wantError(t, resp, e, http.StatusBadRequest, "insecure_url")
		resp = s.Do("POST", "/api/v1/sso/providers", root, map[string]any{"name": "academie", "kind": "cas", "cas_url": "https://cas.ac-test.fr/cas"}, nil)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create CAS: %d", resp.StatusCode)
		}
		resp = s.Do("PATCH", "/api/v1/sso/providers/ent", root, map[string]any{"enabled": false, "label": "ENT régional"}, &prov)
		if resp.StatusCode != http.StatusOK || prov["enabled"] != false || prov["label"] != "ENT régional" || prov["has_client_secret"] != true {
			t.Fatalf("patch: %d %v", resp.StatusCode, prov)
		}
		var list struct {
			Providers []map[string]any `json:"providers"`
		}
		if resp := s.Do("GET", "/api/v1/sso/providers", admin, nil, &list); resp.StatusCode != http.StatusOK || len(list.Providers) != 2 {
			t.Fatalf("list as admin: %d %v", resp.StatusCode, list)
		}
		e = errorBody{}
		wantError(t, s.Do("GET", "/api/v1/sso/providers", teacher, nil, &e), e, http.StatusForbidden, "forbidden")

		// The establishment's choices.
		e = errorBody{}
		wantError(t, s.Do("PUT", "/api/v1/establishments/0691234S/sso/providers/academie", teacher, nil, &e), e, http.StatusForbidden, "forbidden")
		if resp := s.Do("PUT", "/api/v1/establishments/0691234S/sso/providers/academie", admin, nil, nil); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("allow: %d", resp.StatusCode)
		}
		e = errorBody{}
		wantError(t, s.Do("PUT", "/api/v1/establishments/0691234S/sso/policies/teacher", admin, map[string]string{"policy": "maybe"}, &e), e, http.StatusBadRequest, "invalid_policy")
		if resp := s.Do("PUT", "/api/v1/establishments/0691234S/sso/policies/teacher", admin, map[string]string{"policy": "sso_only"}, nil); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("policy: %d", resp.StatusCode)
		}
		var st struct {
			Providers []string          `json:"providers"`
			Policies  map[string]string `json:"policies"`
		}
		if resp := s.Do("GET", "/api/v1/establishments/0691234S/sso", admin, nil, &st); resp.StatusCode != http.StatusOK ||
			fmt.Sprint(st.Providers) != "[academie]" || st.Policies["teacher"] != "sso_only" || st.Policies["admin"] != "sso_then_totp" {
			t.Fatalf("settings: %d %+v", resp.StatusCode, st)
		}

		// Links: by hand, then by CSV (a dry run first).
		path := fmt.Sprintf("/api/v1/accounts/%d/sso-links", teacherU.ID)
		e = errorBody{}
		wantError(t, s.Do("POST", path, admin, map[string]string{"provider": "ent", "external_id": "x"}, &e), e, http.StatusForbidden, "sso_provider_not_allowed")
		var link map[string]any
		if resp := s.Do("POST", path, admin, map[string]string{"provider": "academie", "external_id": "prof1"}, &link); resp.StatusCode != http.StatusCreated || link["origin"] != "admin" {
			t.Fatalf("link: %d %v", resp.StatusCode, link)
		}
		var links struct {
			Links []map[string]any `json:"links"`
		}
		if resp := s.Do("GET", "/api/v1/me/sso-links", teacher, nil, &links); resp.StatusCode != http.StatusOK || len(links.Links) != 1 || links.Links[0]["external_id"] != "prof1" {
			t.Fatalf("my links: %d %v", resp.StatusCode, links)
		}
		if resp := s.Do("DELETE", fmt.Sprintf("/api/v1/sso-links/%v", link["id"]), teacher, nil, nil); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("unlink my own: %d", resp.StatusCode)
		}
		csvPost := func(query, body string) (*http.Response, string) {
			req, _ := http.NewRequest("POST", s.URL+"/api/v1/establishments/0691234S/sso/links?"+query, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+admin)
			req.Header.Set("Content-Type", "text/csv")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, strings.Join(strings.Fields(string(b)), "")
		}
		file := "login,external_id\nprof.a,prof1\nnobody,x\n"
		if resp, body := csvPost("provider=academie&dry_run=true", file); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"linked":1`) || !strings.Contains(body, `"line":3`) {
			t.Fatalf("dry run: %d %s", resp.StatusCode, body)
		}
		if s.Do("GET", path, admin, nil, &links); len(links.Links) != 0 {
			t.Fatalf("the dry run linked: %v", links)
		}
		if resp, body := csvPost("provider=academie", file); resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"linked":1`) {
			t.Fatalf("import: %d %s", resp.StatusCode, body)
		}
		if resp := s.Do("GET", path, admin, nil, &links); resp.StatusCode != http.StatusOK || len(links.Links) != 1 || links.Links[0]["origin"] != "import" {
			t.Fatalf("links after import: %v", links)
		}
		if resp, body := csvPost("provider=academie", "prof.a,prof1\n"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "links_csv_header") {
			t.Fatalf("no heading: %d %s", resp.StatusCode, body)
		}
		if resp := s.Do("DELETE", fmt.Sprintf("/api/v1/sso-links/%v", links.Links[0]["id"]), admin, nil, nil); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("unlink: %d", resp.StatusCode)
		}
		if resp := s.Do("DELETE", "/api/v1/establishments/0691234S/sso/providers/academie", admin, nil, nil); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("disallow: %d", resp.StatusCode)
		}
	})
}
