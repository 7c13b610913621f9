package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

// genFile is a generated SIECLE export of this school year.
func genFile(t *testing.T, uai string, first, n int, seed int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := siecle.Generate(&buf, siecle.GenOptions{UAI: uai, Students: n, FirstIndex: first, Seed: seed, Year: time.Now().Year()}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importData(t *testing.T, s *apptest.Server, uai string, data []byte) {
	t.Helper()
	if _, err := s.App.Importer.Siecle(context.Background(), authz.OperatorPrincipal(), uai,
		importer.Source{Name: "f.xml", R: bytes.NewReader(data), Size: int64(len(data))}, false); err != nil {
		t.Fatal(err)
	}
}

// TestTransfersContract: two students leave A; one arrives at B, which receives, the
// other at C, which does not. The job (run through the API) moves the first; the
// dashboards, the job history, the student's notice and his nouvel_eleve show it.
func TestTransfersContract(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		root := s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin})
		rootTok := s.Token(root)
		for _, e := range []map[string]any{
			{"uai": "0691234S", "name": "Lycée Alpha", "transfers_send": true},
			{"uai": "0381234K", "name": "Lycée Bravo", "transfers_receive": true},
			{"uai": "0442953W", "name": "Lycée Charlie"},
		} {
			if resp := s.Do("POST", "/api/v1/establishments", rootTok, e, nil); resp.StatusCode != http.StatusCreated {
				t.Fatalf("create %v: %d", e["uai"], resp.StatusCode)
			}
		}
		fileA := genFile(t, "0691234S", 0, 20, 1)
		importData(t, s, "0691234S", fileA)
		page, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), "0691234S", student.Filter{Status: "active", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		// X and Y: the first two students with a usable INE, and their places in the file.
		index := map[string]int{}
		for i, m := range regexp.MustCompile(`<ELEVE ELEVE_ID="(\d+)"`).FindAllSubmatch(fileA, -1) {
			index[string(m[1])] = i
		}
		var leavers []student.Student
		for _, st := range page.Students {
			if (st.INEStatus == "ok" || st.INEStatus == "unchecked") && len(leavers) < 2 {
				leavers = append(leavers, st)
			}
		}
		exit := time.Now().AddDate(0, 0, -15).Format("02/01/2006")
		left := fileA
		for _, st := range leavers {
			re := regexp.MustCompile(`(?s)(<ELEVE ELEVE_ID="` + st.EleveID + `".*?)(</ELEVE>)`)
			left = re.ReplaceAll(left, []byte("${1}<DATE_SORTIE>"+exit+"</DATE_SORTIE>${2}"))
		}
		importData(t, s, "0691234S", left)
		x, y := leavers[0], leavers[1]
		// Both files say where they come from (SIECLE's ancienRNE), as real ones do.
		importData(t, s, "0381234K", cameFrom(genFile(t, "0381234K", index[x.EleveID], 1, 2), "0691234S"))
		importData(t, s, "0442953W", cameFrom(genFile(t, "0442953W", index[y.EleveID], 1, 3), "0691234S"))
		// Both arrived this term (a generated second-year student entered last year).
		if _, err := s.App.DB.Exec(ctx, `UPDATE students SET entry_date = $1 WHERE establishment_id <> $2`,
			time.Now().AddDate(0, 0, -10).Format("2006-01-02"), mustEst(t, s, "0691234S")); err != nil {
			t.Fatal(err)
		}

		// Only a platform administrator runs a job by hand.
		adminB := s.CreateUser("admin.b", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: mustEst(t, s, "0381234K")})
		tokB := s.Token(adminB)
		var eb errorBody
		resp := s.Do("POST", "/api/v1/jobs/transfer/runs", tokB, nil, &eb)
		wantError(t, resp, eb, http.StatusForbidden, "forbidden")
		eb = errorBody{}
		resp = s.Do("POST", "/api/v1/jobs/nosuchjob/runs", rootTok, nil, &eb)
		wantError(t, resp, eb, http.StatusNotFound, "job_not_found")

		var run struct {
			ID     int64
			Status string
			Counts map[string]int
		}
		if resp := s.Do("POST", "/api/v1/jobs/transfer/runs", rootTok, nil, &run); resp.StatusCode != 200 || run.Status != "ok" {
			t.Fatalf("run: %d %+v", resp.StatusCode, run)
		}
		for _, k := range []string{"examined", "transferred", "impossible", "diploma_changed", "aged_out"} {
			if _, ok := run.Counts[k]; !ok {
				t.Errorf("counts lack %q: %v", k, run.Counts)
			}
		}
		if run.Counts["transferred"] != 1 || run.Counts["impossible"] != 1 {
			t.Fatalf("counts %v", run.Counts)
		}

		type entry struct {
			LastName  string `json:"last_name"`
			FirstName string `json:"first_name"`
			StudentID int64  `json:"student_id"`
			OtherUAI  string `json:"other_uai"`
			Reason    string `json:"reason"`
			Direction string `json:"direction"`
			Files     *int   `json:"files"`
		}
		var dash struct{ Done, Pending, Impossible []entry }
		if resp := s.Do("GET", "/api/v1/establishments/0381234K/transfers", tokB, nil, &dash); resp.StatusCode != 200 {
			t.Fatalf("B's transfers: %d", resp.StatusCode)
		}
		if len(dash.Done) != 1 || dash.Done[0].LastName != x.LastName || dash.Done[0].FirstName != x.FirstName ||
			dash.Done[0].OtherUAI != "0691234S" || dash.Done[0].StudentID == 0 || dash.Done[0].Direction != "received" || dash.Done[0].Files == nil {
			t.Fatalf("B's done: %+v", dash.Done)
		}
		if dash.Pending == nil || dash.Impossible == nil || len(dash.Impossible) != 0 {
			t.Fatalf("B's lists: %+v", dash)
		}
		var dashC struct{ Done, Pending, Impossible []entry }
		s.Do("GET", "/api/v1/establishments/0442953W/transfers", rootTok, nil, &dashC)
		if len(dashC.Impossible) != 1 || dashC.Impossible[0].LastName != y.LastName || dashC.Impossible[0].OtherUAI != "0691234S" ||
			!strings.Contains(dashC.Impossible[0].Reason, "accueil") {
			t.Fatalf("C's impossible: %+v", dashC.Impossible)
		}
		// The reason in words follows Accept-Language (French by default); its code does not.
		reqEN, _ := http.NewRequest("GET", s.URL+"/api/v1/establishments/0442953W/transfers", nil)
		reqEN.Header.Set("Authorization", "Bearer "+rootTok)
		reqEN.Header.Set("Accept-Language", "en-GB,en;q=0.9,fr;q=0.5")
		respEN, err := http.DefaultClient.Do(reqEN)
		if err != nil {
			t.Fatal(err)
		}
		var dashEN struct {
			Impossible []struct {
				Reason      string   `json:"reason"`
				ReasonCodes []string `json:"reason_codes"`
			}
		}
		json.NewDecoder(respEN.Body).Decode(&dashEN)
		respEN.Body.Close()
		if len(dashEN.Impossible) != 1 || dashEN.Impossible[0].Reason != "the new establishment does not allow receiving the data" ||
			strings.Join(dashEN.Impossible[0].ReasonCodes, ",") != "no_receive" {
			t.Fatalf("C's impossible in English: %+v", dashEN.Impossible)
		}
		var dashA struct{ Done []entry }
		s.Do("GET", "/api/v1/establishments/0691234S/transfers", rootTok, nil, &dashA)
		if len(dashA.Done) != 1 || dashA.Done[0].Direction != "sent" || dashA.Done[0].OtherUAI != "0381234K" || dashA.Done[0].StudentID != x.ID {
			t.Fatalf("A's done: %+v", dashA.Done)
		}
		// B's administrator cannot read A's dashboard.
		eb = errorBody{}
		resp = s.Do("GET", "/api/v1/establishments/0691234S/transfers", tokB, nil, &eb)
		if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
			t.Fatalf("B's admin reads A's transfers: %d", resp.StatusCode)
		}

		// CSV export.
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/establishments/0381234K/transfers?format=csv", nil)
		req.Header.Set("Authorization", "Bearer "+tokB)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(body), x.LastName) {
			t.Fatalf("CSV: %d %s\n%s", r.StatusCode, r.Header.Get("Content-Type"), body)
		}

		// The job history: B's administrator sees the run.
		var hist struct{ Runs []struct{ ID int64 } }
		if resp := s.Do("GET", "/api/v1/jobs?job=transfer", tokB, nil, &hist); resp.StatusCode != 200 || len(hist.Runs) != 1 || hist.Runs[0].ID != run.ID {
			t.Fatalf("history: %d %+v", resp.StatusCode, hist)
		}
		// X, at B, sees the notice and his nouvel_eleve is the transfer date.
		xb := findStudent(t, s, "0381234K", x)
		pupil := activate(t, s, xb)
		ptok := s.Token(pupil)
		var notices struct {
			Notices []struct {
				FromUAI     string `json:"from_uai"`
				Evaluations *int   `json:"evaluations"`
			}
		}
		if resp := s.Do("GET", "/api/v1/me/notices", ptok, nil, &notices); resp.StatusCode != 200 || len(notices.Notices) != 1 || notices.Notices[0].FromUAI != "0691234S" {
			t.Fatalf("notices: %d %+v", resp.StatusCode, notices)
		}
		var me map[string]any
		s.Do("GET", fmt.Sprintf("/api/v1/establishments/0381234K/students/%d", xb.ID), rootTok, nil, &me)
		if got := me["nouvel_eleve"]; got != time.Now().Format("2006-01-02") {
			t.Fatalf("nouvel_eleve = %#v", got)
		}
		// A student may not list job runs.
		eb = errorBody{}
		resp = s.Do("GET", "/api/v1/jobs", ptok, nil, &eb)
		wantError(t, resp, eb, http.StatusForbidden, "forbidden")
	})
}

func mustEst(t *testing.T, s *apptest.Server, uai string) int64 {
	t.Helper()
	e, err := s.App.Establishments.Get(context.Background(), authz.OperatorPrincipal(), uai)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func findStudent(t *testing.T, s *apptest.Server, uai string, who student.Student) student.Student {
	t.Helper()
	page, err := s.App.Students.List(context.Background(), authz.OperatorPrincipal(), uai, student.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range page.Students {
		if st.LastName == who.LastName && st.FirstName == who.FirstName && st.BirthDate == who.BirthDate {
			return st
		}
	}
	t.Fatalf("%s %s not at %s", who.FirstName, who.LastName, uai)
	return student.Student{}
}

// cameFrom gives every student of a file uai as his last school (ancienRNE); "" none.
func cameFrom(data []byte, uai string) []byte {
	data = regexp.MustCompile(`(?s)\s*<SCOLARITE_AN_DERNIER>.*?</SCOLARITE_AN_DERNIER>`).ReplaceAll(data, nil)
	if uai == "" {
		return data
	}
	return bytes.ReplaceAll(data, []byte("</ELEVE>"), []byte("<SCOLARITE_AN_DERNIER><CODE_RNE>"+uai+"</CODE_RNE></SCOLARITE_AN_DERNIER></ELEVE>"))
}

// TestTransferConfirmationAPI: X and Y leave A. X arrives at B with no ancienRNE, Y at C
// under another first name: both wait for A's administrator, who sees why; B and C
// only that A must confirm. A confirms X (his records move at once) and refuses Y.
// Nobody else may decide for A, not even an administrator of B who teaches at A.
func TestTransferConfirmationAPI(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		root := s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin})
		rootTok := s.Token(root)
		for _, e := range []map[string]any{
			{"uai": "0691234S", "name": "Lycée Alpha", "transfers_send": true},
			{"uai": "0381234K", "name": "Lycée Bravo", "transfers_receive": true},
			{"uai": "0442953W", "name": "Lycée Charlie", "transfers_receive": true},
		} {
			if resp := s.Do("POST", "/api/v1/establishments", rootTok, e, nil); resp.StatusCode != http.StatusCreated {
				t.Fatalf("create %v: %d", e["uai"], resp.StatusCode)
			}
		}
		fileA := genFile(t, "0691234S", 0, 20, 1)
		importData(t, s, "0691234S", fileA)
		page, err := s.App.Students.List(ctx, authz.OperatorPrincipal(), "0691234S", student.Filter{Status: "active", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		index := map[string]int{}
		for i, m := range regexp.MustCompile(`<ELEVE ELEVE_ID="(\d+)"`).FindAllSubmatch(fileA, -1) {
			index[string(m[1])] = i
		}
		var leavers []student.Student
		for _, st := range page.Students {
			if (st.INEStatus == "ok" || st.INEStatus == "unchecked") && len(leavers) < 2 {
				leavers = append(leavers, st)
			}
		}
		exit := time.Now().AddDate(0, 0, -15).Format("02/01/2006")
		left := fileA
		for _, st := range leavers {
			re := regexp.MustCompile(`(?s)(<ELEVE ELEVE_ID="` + st.EleveID + `".*?)(</ELEVE>)`)
			left = re.ReplaceAll(left, []byte("${1}<DATE_SORTIE>"+exit+"</DATE_SORTIE>${2}"))
		}
		importData(t, s, "0691234S", left)
		x, y := leavers[0], leavers[1]
		importData(t, s, "0381234K", cameFrom(genFile(t, "0381234K", index[x.EleveID], 1, 2), ""))
		fileC := cameFrom(genFile(t, "0442953W", index[y.EleveID], 1, 3), "0691234S")
		fileC = regexp.MustCompile(`<PRENOM>[^<]*</PRENOM>`).ReplaceAll(fileC, []byte("<PRENOM>Zephyrin</PRENOM>"))
		importData(t, s, "0442953W", fileC)
		if _, err := s.App.DB.Exec(ctx, `UPDATE students SET entry_date = $1 WHERE establishment_id <> $2`,
			time.Now().AddDate(0, 0, -10).Format("2006-01-02"), mustEst(t, s, "0691234S")); err != nil {
			t.Fatal(err)
		}
		var run struct{ Counts map[string]int }
		if resp := s.Do("POST", "/api/v1/jobs/transfer/runs", rootTok, nil, &run); resp.StatusCode != 200 || run.Counts["to_confirm"] != 2 || run.Counts["transferred"] != 0 {
			t.Fatalf("run: %d %+v", resp.StatusCode, run)
		}

		type request struct {
			CandidateID  int64             `json:"candidate_id"`
			StudentID    int64             `json:"student_id"`
			State        string            `json:"state"`
			ReasonCodes  []string          `json:"reason_codes"`
			ReasonParams map[string]string `json:"reason_params"`
			OtherUAI     string            `json:"other_uai"`
		}
		type entry struct {
			StudentID   int64     `json:"student_id"`
			State       string    `json:"state"`
			ReasonCodes []string  `json:"reason_codes"`
			OtherUAI    string    `json:"other_uai"`
			Matched     []string  `json:"matched"`
			ConfirmedBy string    `json:"confirmed_by"`
			ConfirmedAt time.Time `json:"confirmed_at"`
		}
		type dashboard struct {
			Done, Pending, Impossible []entry
			Requests                  []request
		}
		adminA := s.CreateUser("admin.a", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: mustEst(t, s, "0691234S")})
		tokA := s.Token(adminA)
		var dashA dashboard
		if resp := s.Do("GET", "/api/v1/establishments/0691234S/transfers", tokA, nil, &dashA); resp.StatusCode != 200 || len(dashA.Requests) != 2 {
			t.Fatalf("A's requests: %d %+v", resp.StatusCode, dashA.Requests)
		}
		xb, yc := findStudent(t, s, "0381234K", x), findStudent(t, s, "0442953W", student.Student{LastName: y.LastName, FirstName: "Zephyrin", BirthDate: y.BirthDate})
		reqs := map[int64]request{}
		for _, r := range dashA.Requests {
			reqs[r.CandidateID] = r
		}
		if r := reqs[xb.ID]; r.StudentID != x.ID || r.State != "to_confirm" || strings.Join(r.ReasonCodes, ",") != "previous_uai_missing" || r.OtherUAI != "0381234K" {
			t.Fatalf("X's request: %+v", r)
		}
		if r := reqs[yc.ID]; r.StudentID != y.ID || r.State != "to_confirm" || strings.Join(r.ReasonCodes, ",") != "names_differ" {
			t.Fatalf("Y's request: %+v", r)
		}
		adminB := s.CreateUser("admin.b", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: mustEst(t, s, "0381234K")},
			authz.Membership{Role: authz.RoleTeacher, EstablishmentID: mustEst(t, s, "0691234S")})
		tokB := s.Token(adminB)
		var dashB dashboard
		s.Do("GET", "/api/v1/establishments/0381234K/transfers", tokB, nil, &dashB)
		if len(dashB.Pending) != 1 || dashB.Pending[0].State != "to_confirm" || dashB.Pending[0].OtherUAI != "" || len(dashB.Requests) != 0 {
			t.Fatalf("B's dashboard: %+v", dashB)
		}

		confirm := func(tok, uai string, candidate, studentID int64, action string, out any) *http.Response {
			return s.Do("POST", fmt.Sprintf("/api/v1/establishments/%s/transfers/requests/%d/%s", uai, candidate, action), tok,
				map[string]any{"student_id": studentID}, out)
		}
		// B's administrator, also a teacher at A, cannot decide for A; nor on his side.
		var eb errorBody
		wantError(t, confirm(tokB, "0691234S", xb.ID, x.ID, "confirm", &eb), eb, http.StatusForbidden, "forbidden")
		eb = errorBody{}
		wantError(t, confirm(tokB, "0381234K", xb.ID, x.ID, "confirm", &eb), eb, http.StatusNotFound, "transfer_request_not_found")
		// The student it is about is required.
		eb = errorBody{}
		resp := s.Do("POST", fmt.Sprintf("/api/v1/establishments/0691234S/transfers/requests/%d/confirm", xb.ID), tokA, map[string]any{}, &eb)
		wantError(t, resp, eb, http.StatusBadRequest, "invalid_student")

		var d struct {
			Decision string `json:"decision"`
			Moved    bool   `json:"moved"`
		}
		if resp := confirm(tokA, "0691234S", xb.ID, x.ID, "confirm", &d); resp.StatusCode != 200 || d.Decision != "confirmed" || !d.Moved {
			t.Fatalf("confirm: %d %+v", resp.StatusCode, d)
		}
		if resp := confirm(tokA, "0691234S", yc.ID, y.ID, "refuse", &d); resp.StatusCode != 200 || d.Decision != "refused" || d.Moved {
			t.Fatalf("refuse: %d %+v", resp.StatusCode, d)
		}
		eb = errorBody{}
		wantError(t, confirm(tokA, "0691234S", yc.ID, y.ID, "confirm", &eb), eb, http.StatusConflict, "transfer_already_decided")

		dashA, dashB = dashboard{}, dashboard{}
		s.Do("GET", "/api/v1/establishments/0691234S/transfers", tokA, nil, &dashA)
		s.Do("GET", "/api/v1/establishments/0381234K/transfers", tokB, nil, &dashB)
		for _, d := range []dashboard{dashA, dashB} {
			if len(d.Done) != 1 || strings.Join(d.Done[0].Matched, ",") != "ine,birth_date,names" || d.Done[0].ConfirmedBy != "admin.a" || d.Done[0].ConfirmedAt.IsZero() {
				t.Fatalf("receipt: %+v", d.Done)
			}
		}
		if len(dashA.Requests) != 1 || dashA.Requests[0].State != "refused" || dashA.Requests[0].ReasonParams["by"] != "admin.a" {
			t.Fatalf("A's requests after: %+v", dashA.Requests)
		}
		var dashC dashboard
		s.Do("GET", "/api/v1/establishments/0442953W/transfers", rootTok, nil, &dashC)
		if len(dashC.Impossible) != 1 || dashC.Impossible[0].State != "refused" || strings.Join(dashC.Impossible[0].ReasonCodes, ",") != "refused_by_origin" ||
			dashC.Impossible[0].OtherUAI != "" {
			t.Fatalf("C's dashboard: %+v", dashC.Impossible)
		}
		// The CSV of the requests names the refusal's codes.
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/establishments/0691234S/transfers?format=csv&list=requests", nil)
		req.Header.Set("Authorization", "Bearer "+tokA)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || !strings.Contains(string(body), "refused_by_origin by=admin.a") {
			t.Fatalf("CSV: %d\n%s", r.StatusCode, body)
		}
	})
}
