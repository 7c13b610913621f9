package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

// school is an establishment with imported students and accounts of each role.
type school struct {
	s         *apptest.Server
	e         establishment.Establishment
	students  []student.Student
	admin     *apptest.User
	teacher   *apptest.User
	inspector *apptest.User
	parent    *apptest.User
	pupil     *apptest.User // the account of students[0]
	other     *apptest.User // the account of students[1]
}

func newSchool(t *testing.T, s *apptest.Server, uai string, first int) *school {
	t.Helper()
	ctx := context.Background()
	name := "Lycée " + uai
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := siecle.Generate(&buf, siecle.GenOptions{UAI: uai, Students: 30, Seed: int64(first + 1), FirstIndex: first}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(ctx, authz.OperatorPrincipal(), uai, importer.Source{Name: "f.xml", R: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())}, false); err != nil {
		t.Fatal(err)
	}
	page, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), uai, student.Filter{Status: "active", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	sc := &school{s: s, e: e, students: page.Students}
	m := func(r authz.Role) authz.Membership { return authz.Membership{Role: r, EstablishmentID: e.ID} }
	sc.admin = s.CreateUser("admin."+strings.ToLower(uai), m(authz.RoleAdmin))
	sc.teacher = s.CreateUser("prof."+strings.ToLower(uai), m(authz.RoleTeacher))
	sc.inspector = s.CreateUser("insp."+strings.ToLower(uai), m(authz.RoleInspector))
	sc.parent = s.CreateUser("parent."+strings.ToLower(uai), m(authz.RoleParent))
	sc.pupil = activate(t, s, page.Students[0])
	sc.other = activate(t, s, page.Students[1])
	return sc
}

func activate(t *testing.T, s *apptest.Server, st student.Student) *apptest.User {
	t.Helper()
	return s.Activate(st.AccountID)
}

func TestEvaluationContract(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		sc := newSchool(t, s, "0691234S", 0)
		var refs struct {
			Referentials []struct {
				Code         string `json:"code"`
				Label        string `json:"label"`
				Scale        []any  `json:"scale"`
				Competencies []struct {
					Code  string `json:"code"`
					Label string `json:"label"`
				} `json:"competencies"`
			} `json:"referentials"`
		}
		tok := s.Token(sc.teacher)
		if resp := s.Do("GET", "/api/v1/referentials", tok, nil, &refs); resp.StatusCode != 200 || len(refs.Referentials) < 2 {
			t.Fatalf("referentials: %d %+v", resp.StatusCode, refs)
		}
		ref := refs.Referentials[0]
		if len(ref.Scale) < 2 || len(ref.Competencies) < 2 || ref.Competencies[0].Label == "" {
			t.Fatalf("referential shape: %+v", ref)
		}
		var scale []map[string]string
		b, _ := json.Marshal(ref.Scale)
		json.Unmarshal(b, &scale)
		st := sc.students[0]
		body := map[string]any{
			"title": "Câblage d'un tableau", "date": "2026-10-12", "level": "première", "diploma": ref.Code,
			"results": []map[string]any{
				{"student_id": st.ID, "competency": ref.Competencies[0].Code, "value": scale[2]["value"]},
				{"student_id": st.ID, "competency": ref.Competencies[1].Code, "value": scale[1]["value"]},
				{"student_id": sc.students[1].ID, "competency": ref.Competencies[0].Code, "value": scale[0]["value"]},
			},
			"comments": []map[string]any{{"student_id": st.ID, "text": "Travail soigné."}},
		}
		var ev map[string]any
		resp := s.Do("POST", "/api/v1/establishments/0691234S/evaluations", tok, body, &ev)
		if resp.StatusCode != http.StatusCreated || ev["id"] == nil {
			t.Fatalf("create: %d %v", resp.StatusCode, ev)
		}
		// Wrong input says what is wrong.
		for name, bad := range map[string]map[string]any{
			"unknown competency": {"title": "x", "date": "2026-10-12", "diploma": ref.Code, "results": []map[string]any{{"student_id": st.ID, "competency": "ZZ9", "value": scale[0]["value"]}}},
			"value off scale":    {"title": "x", "date": "2026-10-12", "diploma": ref.Code, "results": []map[string]any{{"student_id": st.ID, "competency": ref.Competencies[0].Code, "value": "??"}}},
			"unknown student":    {"title": "x", "date": "2026-10-12", "diploma": ref.Code, "results": []map[string]any{{"student_id": 999999, "competency": ref.Competencies[0].Code, "value": scale[0]["value"]}}},
			"bad date":           {"title": "x", "date": "12/10/2026", "diploma": ref.Code},
			"unknown diploma":    {"title": "x", "date": "2026-10-12", "diploma": "NOPE"},
		} {
			var eb errorBody
			resp := s.Do("POST", "/api/v1/establishments/0691234S/evaluations", tok, bad, &eb)
			if resp.StatusCode != http.StatusBadRequest || eb.Error.Message == "" {
				t.Errorf("%s: %d %+v", name, resp.StatusCode, eb)
			}
		}
		// An inspector reads, does not write; a parent does neither.
		if resp := s.Do("GET", fmt.Sprintf("/api/v1/establishments/0691234S/evaluations/%v", ev["id"]), s.Token(sc.inspector), nil, nil); resp.StatusCode != 200 {
			t.Errorf("inspector reads: %d", resp.StatusCode)
		}
		if resp := s.Do("POST", "/api/v1/establishments/0691234S/evaluations", s.Token(sc.inspector), body, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("inspector writes: %d", resp.StatusCode)
		}
		if resp := s.Do("GET", "/api/v1/establishments/0691234S/evaluations", s.Token(sc.parent), nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("parent reads: %d", resp.StatusCode)
		}

		// The student sees his results and passport, not his classmate's.
		ptok := s.Token(sc.pupil)
		var res struct {
			Referentials []struct {
				Blocks []struct {
					Competencies []struct {
						Code   string `json:"code"`
						Latest *struct {
							Value string `json:"value"`
						} `json:"latest"`
					} `json:"competencies"`
				} `json:"blocks"`
			} `json:"referentials"`
		}
		if resp := s.Do("GET", fmt.Sprintf("/api/v1/establishments/0691234S/students/%d/results", st.ID), ptok, nil, &res); resp.StatusCode != 200 || len(res.Referentials) != 1 {
			t.Fatalf("own results: %d %+v", resp.StatusCode, res)
		}
		var pp map[string]any
		if resp := s.Do("GET", fmt.Sprintf("/api/v1/establishments/0691234S/students/%d/passport", st.ID), ptok, nil, &pp); resp.StatusCode != 200 || pp["schema_version"] != "1" {
			t.Fatalf("own passport: %d %v", resp.StatusCode, pp)
		}
		for _, path := range []string{"passport", "results", "situations"} {
			resp := s.Do("GET", fmt.Sprintf("/api/v1/establishments/0691234S/students/%d/%s", sc.students[1].ID, path), ptok, nil, nil)
			if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
				t.Errorf("another student's %s: %d", path, resp.StatusCode)
			}
		}
		// Staff reading a student's results is audited.
		if resp := s.Do("GET", fmt.Sprintf("/api/v1/establishments/0691234S/students/%d/results", st.ID), tok, nil, nil); resp.StatusCode != 200 {
			t.Fatalf("teacher reads results: %d", resp.StatusCode)
		}
		var aud struct {
			Events []map[string]any `json:"events"`
		}
		s.Do("GET", "/api/v1/audit?action=student.results_viewed", s.Token(sc.admin), nil, &aud)
		if len(aud.Events) == 0 {
			t.Fatal("results access not audited")
		}
	})
}

func TestSituationsAttachmentsAndPassportZIP(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		sc := newSchool(t, s, "0691234S", 0)
		st := sc.students[0]
		ptok := s.Token(sc.pupil)
		base := fmt.Sprintf("/api/v1/establishments/0691234S/students/%d/situations", st.ID)
		var sit map[string]any
		refs, err := s.App.Passports.Referentials(context.Background(), st)
		if err != nil || len(refs) == 0 {
			t.Fatalf("the student's referentials: %v", err)
		}
		code := refs[0].Competencies[0].Code
		// A code that is not in the student's referential is refused (issue 10).
		var refused map[string]any
		if resp := s.Do("POST", base, ptok, map[string]any{"level": "bac", "title": "Mise en service", "competencies": []string{"C9.9"}}, &refused); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("C9.9: %d %v", resp.StatusCode, refused)
		}
		resp := s.Do("POST", base, ptok, map[string]any{"context": "PFMP", "company": "Électricité Dupré",
			"period": "du 3 au 28 mars", "title": "Mise en service", "description": "J'ai câblé et mis en service un tableau.", "competencies": []string{code}}, &sit)
		if resp.StatusCode != http.StatusCreated || sit["id"] == nil {
			t.Fatalf("create situation: %d %v", resp.StatusCode, sit)
		}
		sid := int64(sit["id"].(float64))
		upload := func(name string, content []byte) *http.Response {
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s%s/%d/attachments?name=%s", s.URL, base, sid, name), bytes.NewReader(content))
			req.Header.Set("Authorization", "Bearer "+ptok)
			req.Header.Set("Content-Type", "application/octet-stream")
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			return r
		}
		pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
		if r := upload("rapport%20de%20stage.pdf", pdf); r.StatusCode != http.StatusCreated {
			t.Fatalf("PDF: %d", r.StatusCode)
		}
		if r := upload("photo.pdf", []byte("\x89PNG\r\n\x1a\nnot a pdf")); r.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("a PNG named .pdf: %d", r.StatusCode)
		}
		var zbuf bytes.Buffer
		zw := zip.NewWriter(&zbuf)
		f, _ := zw.Create("plan.txt")
		f.Write([]byte("plan"))
		zw.Close()
		if r := upload("plans.zip", zbuf.Bytes()); r.StatusCode != http.StatusCreated {
			t.Fatalf("ZIP: %d", r.StatusCode)
		}
		// A teacher evaluates the sheet.
		var assessed map[string]any
		if r := s.Do("PUT", fmt.Sprintf("%s/%d/assessment", base, sid), s.Token(sc.teacher), map[string]string{"result": "Acquis", "comment": "Bien"}, &assessed); r.StatusCode != 200 || assessed["result"] != "Acquis" {
			t.Fatalf("assessment: %d %v", r.StatusCode, assessed)
		}
		// The student cannot evaluate his own sheet.
		if r := s.Do("PUT", fmt.Sprintf("%s/%d/assessment", base, sid), ptok, map[string]string{"result": "Maîtrisé"}, nil); r.StatusCode != http.StatusForbidden {
			t.Fatalf("self-assessment: %d", r.StatusCode)
		}

		// The ZIP: a PDF summary, the JSON and the files under their original names.
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/me/passport.zip", nil)
		req.Header.Set("Authorization", "Bearer "+ptok)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("passport.zip: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, f := range zr.File {
			rc, _ := f.Open()
			files[f.Name], _ = io.ReadAll(rc)
			rc.Close()
		}
		if !bytes.HasPrefix(files["passeport.pdf"], []byte("%PDF-")) {
			t.Error("no PDF summary")
		}
		if !bytes.Equal(files["fichiers/0691234S/rapport de stage.pdf"], pdf) || files["fichiers/0691234S/plans.zip"] == nil {
			t.Errorf("attachments in the ZIP: %v", keys(files))
		}
		var pp struct {
			SchemaVersion string `json:"schema_version"`
			Student       struct {
				Login string `json:"login"`
			} `json:"student"`
			Records []struct {
				UAI        string `json:"uai"`
				Situations []struct {
					Result      string `json:"result"`
					Attachments []struct {
						Path string `json:"path"`
					} `json:"attachments"`
				} `json:"situations"`
			} `json:"records"`
		}
		if err := json.Unmarshal(files["passeport.json"], &pp); err != nil {
			t.Fatal(err)
		}
		if pp.SchemaVersion != "1" || pp.Student.Login != sc.pupil.Login || len(pp.Records) != 1 || len(pp.Records[0].Situations) != 1 ||
			pp.Records[0].Situations[0].Result != "Acquis" || len(pp.Records[0].Situations[0].Attachments) != 2 {
			t.Fatalf("passport JSON: %+v", pp)
		}
	})
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestStudentWhoLeft: within three months of his exit date a deactivated student may
// only download his passport; afterwards his login is refused, with the reason.
func TestStudentWhoLeft(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		sc := newSchool(t, s, "0691234S", 0)
		st := sc.students[0]
		exit := s.Clock.Now().In(time.UTC).AddDate(0, 0, -10).Format("2006-01-02")
		if _, err := s.App.DB.Exec(ctx, `UPDATE students SET status = 'deactivated', exit_date = $2 WHERE id = $1`, st.ID, exit); err != nil {
			t.Fatal(err)
		}
		tok := s.Token(sc.pupil)
		var eb errorBody
		resp := s.Do("GET", fmt.Sprintf("/api/v1/establishments/0691234S/students/%d/results", st.ID), tok, nil, &eb)
		wantError(t, resp, eb, http.StatusForbidden, "passport_only")
		if resp := s.Do("GET", "/api/v1/me/passport.zip", tok, nil, nil); resp.StatusCode != 200 {
			t.Fatalf("passport.zip while passport-only: %d", resp.StatusCode)
		}
		if resp := s.Do("GET", "/api/v1/me", tok, nil, nil); resp.StatusCode != 200 {
			t.Fatalf("/me while passport-only: %d", resp.StatusCode)
		}
		// Three months after the exit date: the session ends and login says why.
		s.Clock.Advance(100 * 24 * time.Hour)
		if resp := s.Do("GET", "/api/v1/me/passport.zip", tok, nil, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("session after the three months: %d", resp.StatusCode)
		}
		eb = errorBody{}
		resp = s.Do("POST", "/api/v1/sessions", "", map[string]string{"login": sc.pupil.Login, "password": sc.pupil.Password, "code": sc.pupil.Code(s)}, &eb)
		wantError(t, resp, eb, http.StatusForbidden, "access_ended")
	})
}
