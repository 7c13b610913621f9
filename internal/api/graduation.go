package api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/i18n"
)

// acceptLang is the language of words and documents: Accept-Language, French by default.
func acceptLang(r *http.Request) string {
	return i18n.Negotiate(r.Header.Get("Accept-Language"), i18n.FR)
}

// graduationRoutes are the routes of higher education and the graduation tracker.
func (s *Server) graduationRoutes(authed func(string, authFunc)) {
	authed("GET /api/v1/establishments/{uai}/programmes", s.listProgrammes)
	authed("POST /api/v1/establishments/{uai}/programmes", s.saveProgramme)
	authed("GET /api/v1/establishments/{uai}/cohorts", s.listCohorts)
	authed("POST /api/v1/establishments/{uai}/cohorts", s.saveCohort)
	authed("GET /api/v1/establishments/{uai}/cohorts/{id}/rules", s.listRules)
	authed("PUT /api/v1/establishments/{uai}/cohorts/{id}/rules/{code}", s.saveRule)
	authed("GET /api/v1/establishments/{uai}/cohorts/{id}/matrix", s.cohortMatrix)
	authed("GET /api/v1/establishments/{uai}/cohorts/{id}/minutes", s.listMinutes)
	authed("PUT /api/v1/establishments/{uai}/cohorts/{id}/minutes/{date}", s.saveMinutes)
	authed("GET /api/v1/establishments/{uai}/graduation/queue", s.reviewQueue)
	authed("POST /api/v1/establishments/{uai}/imports/registrar", s.importRegistrar)
	authed("GET /api/v1/establishments/{uai}/students/{id}/graduation", s.checklist)
	authed("POST /api/v1/establishments/{uai}/students/{id}/graduation/items/{iid}/actions", s.itemAction)
	authed("POST /api/v1/establishments/{uai}/students/{id}/graduation/items/{iid}/proof", s.submitProof)
	authed("GET /api/v1/establishments/{uai}/students/{id}/graduation/items/{iid}/proof", s.getProof)
	authed("GET /api/v1/establishments/{uai}/students/{id}/graduation/items/{iid}/history", s.itemHistory)
	authed("GET /api/v1/me/graduation", s.myGraduation)
	s.graduationFileRoutes(authed)
}

func (s *Server) listProgrammes(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	list, err := s.Highered.Programmes(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"programmes": list})
	return nil
}

func (s *Server) saveProgramme(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	var in highered.Programme
	if err := decode(r, &in); err != nil {
		return err
	}
	out, err := s.Highered.SaveProgramme(r.Context(), p, r.PathValue("uai"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listCohorts(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	list, err := s.Highered.Cohorts(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"cohorts": list})
	return nil
}

func (s *Server) saveCohort(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	var in struct {
		ProgrammeCode  string `json:"programme_code"`
		Code           string `json:"code"`
		EntryYear      int    `json:"entry_year"`
		GraduationYear int    `json:"graduation_year"`
		JuryDate       string `json:"jury_date"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	out, err := s.Highered.SaveCohort(r.Context(), p, r.PathValue("uai"), highered.CohortInput(in))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.Graduation.Rules(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"rules": list})
	return nil
}

func (s *Server) saveRule(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in graduation.Rule
	if err := decode(r, &in); err != nil {
		return err
	}
	in.Code = r.PathValue("code")
	out, err := s.Graduation.SaveRule(r.Context(), p, r.PathValue("uai"), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// listMinutes lists the jury's minutes of a cohort's sessions (jury, office,
// programme director; audited).
func (s *Server) listMinutes(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.Graduation.MinutesOf(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"minutes": list})
	return nil
}

// saveMinutes writes the minutes of the session {date} (YYYY-MM-DD) of a cohort.
func (s *Server) saveMinutes(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	out, err := s.Graduation.SaveMinutes(r.Context(), p, r.PathValue("uai"), id, r.PathValue("date"), in.Text)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) cohortMatrix(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Graduation.Matrix(r.Context(), p, r.PathValue("uai"), id, r.URL.Query().Get("filter"))
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	q, err := s.Graduation.Queue(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": q})
	return nil
}

// importRegistrar receives a registrar export (multipart field "file", or the raw body
// with a name query parameter); dry_run=1, full=1 and mapping (field=header;…) are
// query parameters.
func (s *Server) importRegistrar(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.MaxUpload)
	if err != nil {
		return err
	}
	defer up.Close()
	q := r.URL.Query()
	mapping, err := highered.ParseMapping(q.Get("mapping"))
	if err != nil {
		return err
	}
	rep, err := s.Highered.Registrar(r.Context(), p, r.PathValue("uai"), highered.RegistrarSource{Name: up.Name, R: up.File, Size: up.Size},
		highered.RegistrarOptions{DryRun: q.Get("dry_run") == "1", Full: q.Get("full") == "1", Mapping: mapping})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) checklist(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cl, err := s.Graduation.Checklist(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, cl)
	return nil
}

func itemPath(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	iid, err := pathID(r, "iid")
	return id, iid, err
}

func (s *Server) itemAction(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, iid, err := itemPath(r)
	if err != nil {
		return err
	}
	var in struct {
		Action    string `json:"action"`
		Reason    string `json:"reason"`
		Value     *int   `json:"value"`
		ProofDate string `json:"proof_date"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	it, err := s.Graduation.Act(r.Context(), p, r.PathValue("uai"), id, iid,
		graduation.Change{Action: graduation.Action(in.Action), Reason: in.Reason, Value: in.Value, ProofDate: in.ProofDate})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, it)
	return nil
}

// submitProof receives a proof (multipart field "file", or the raw body with a name
// query parameter); value and proof_date are query parameters.
func (s *Server) submitProof(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, iid, err := itemPath(r)
	if err != nil {
		return err
	}
	// Access first: nothing of the body is read for someone who may not deposit.
	if _, err := s.Graduation.History(r.Context(), p, r.PathValue("uai"), id, iid); err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.Graduation.MaxProof)
	if err != nil {
		return err
	}
	defer up.Close()
	c := graduation.Change{ProofDate: r.URL.Query().Get("proof_date")}
	if v := r.URL.Query().Get("value"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1 // refused by the service, with its message
		}
		c.Value = &n
	}
	it, err := s.Graduation.SubmitProof(r.Context(), p, r.PathValue("uai"), id, iid, up.Name, up.File, c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, it)
	return nil
}

func (s *Server) getProof(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, iid, err := itemPath(r)
	if err != nil {
		return err
	}
	it, rc, err := s.Graduation.OpenProof(r.Context(), p, r.PathValue("uai"), id, iid)
	if err != nil {
		return err
	}
	defer rc.Close()
	httpx.NoStore(w)
	w.Header().Set("Content-Type", it.ProofType)
	w.Header().Set("Content-Length", strconv.FormatInt(it.ProofSize, 10))
	httpx.Attachment(w, it.ProofName)
	_, err = io.Copy(w, rc)
	return err
}

func (s *Server) itemHistory(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, iid, err := itemPath(r)
	if err != nil {
		return err
	}
	h, err := s.Graduation.History(r.Context(), p, r.PathValue("uai"), id, iid)
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"events": h})
	return nil
}

func (s *Server) myGraduation(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	ex, err := s.Graduation.ExportMine(r.Context(), p)
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, ex)
	return nil
}

func (s *Server) graduationFileRoutes(authed func(string, authFunc)) {
	authed("GET /api/v1/establishments/{uai}/cohorts/{id}/matrix.xlsx", s.matrixXLSX)
	authed("POST /api/v1/establishments/{uai}/cohorts/{id}/matrix.xlsx", s.importMatrix)
	authed("GET /api/v1/establishments/{uai}/cohorts/{id}/prejury.pdf", s.preJuryPDF)
	authed("GET /api/v1/establishments/{uai}/students/{id}/graduation.pdf", s.statementPDF)
}

func (s *Server) matrixXLSX(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, reasons, err := s.Graduation.ExportMatrix(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := graduation.WriteMatrixXLSX(&buf, m, reasons, acceptLang(r)); err != nil {
		return err
	}
	httpx.NoStore(w)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	httpx.Attachment(w, "promotion-"+m.Cohort.Code+".xlsx")
	_, err = w.Write(buf.Bytes())
	return err
}

// importMatrix reads a filled matrix (multipart field "file" or the raw body);
// dry_run=1 writes nothing.
func (s *Server) importMatrix(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.MaxUpload)
	if err != nil {
		return err
	}
	defer up.Close()
	rep, err := s.Graduation.ImportMatrix(r.Context(), p, r.PathValue("uai"), id, up.File, up.Size, r.URL.Query().Get("dry_run") == "1")
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(rep.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	httpx.WriteJSON(w, status, rep)
	return nil
}

func (s *Server) preJuryPDF(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.Graduation.PreJuryPDF(r.Context(), p, r.PathValue("uai"), id, &buf, acceptLang(r)); err != nil {
		return err
	}
	httpx.NoStore(w)
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, "pre-jury.pdf")
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) statementPDF(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.Graduation.StatementPDF(r.Context(), p, r.PathValue("uai"), id, &buf, acceptLang(r)); err != nil {
		return err
	}
	httpx.NoStore(w)
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, "conditions-diplomation.pdf")
	_, err = w.Write(buf.Bytes())
	return err
}
