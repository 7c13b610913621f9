package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/cartable/cartable/internal/agreement"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/httpx"
)

// agreementRoutes are the routes of the learning agreements (docs/agreements.md).
func (s *Server) agreementRoutes(authed func(string, authFunc)) {
	authed("POST /api/v1/establishments/{uai}/agreements/catalogue", s.importAgreementCatalogue)
	authed("GET /api/v1/establishments/{uai}/agreements/catalogue/{programme}/{year}", s.agreementCatalogue)
	authed("POST /api/v1/establishments/{uai}/agreements/enrolments", s.importAgreementEnrolments)
	authed("PUT /api/v1/establishments/{uai}/agreements/programmes/{programme}/settings", s.saveAgreementSettings)
	authed("GET /api/v1/establishments/{uai}/agreements", s.agreementInbox)
	authed("POST /api/v1/establishments/{uai}/agreements", s.startAgreement)
	authed("POST /api/v1/establishments/{uai}/agreements/validate", s.bulkValidateAgreements)
	authed("GET /api/v1/establishments/{uai}/agreements/adjustments", s.agreementAdjustments)
	authed("GET /api/v1/establishments/{uai}/agreements/dashboard/{programme}/{year}", s.agreementDashboard)
	authed("POST /api/v1/establishments/{uai}/agreements/years/{year}/registrar.csv", s.agreementRegistrarExport)
	authed("POST /api/v1/establishments/{uai}/agreements/registrar/acknowledgements", s.agreementAcknowledge)
	authed("GET /api/v1/establishments/{uai}/agreements/years/{year}/report.csv", s.agreementReport)
	authed("POST /api/v1/establishments/{uai}/agreements/years/{year}/close", s.closeAgreements)
	authed("GET /api/v1/establishments/{uai}/agreements/{id}", s.getAgreement)
	authed("PUT /api/v1/establishments/{uai}/agreements/{id}/content", s.setAgreementContent)
	authed("POST /api/v1/establishments/{uai}/agreements/{id}/actions", s.agreementAction)
	authed("POST /api/v1/establishments/{uai}/agreements/{id}/comments", s.agreementComment)
	authed("POST /api/v1/establishments/{uai}/agreements/{id}/amendments", s.amendAgreement)
	authed("PUT /api/v1/establishments/{uai}/agreements/{id}/people", s.assignAgreement)
	authed("GET /api/v1/establishments/{uai}/agreements/{id}/checks", s.agreementChecks)
	authed("GET /api/v1/establishments/{uai}/agreements/{id}/agreement.pdf", s.agreementPDF)
	authed("GET /api/v1/me/agreements/{uai}", s.myAgreements)
}

func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < 2000 || y > 2100 {
		return 0, apperr.Invalid("agreement.error.year", "invalid year %q", r.PathValue("year")).With("value", r.PathValue("year"))
	}
	return y, nil
}

// writeImport answers an import's report: 200, or 422 with the report when the file
// has errors (nothing applied).
func writeImport(w http.ResponseWriter, rep agreement.ImportReport, err error) error {
	if apperr.CodeOf(err) == "import_errors" {
		e := apperr.As(err)
		httpx.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": map[string]string{"code": e.Code, "message": e.Message}, "report": rep})
		return nil
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) receiveAgreementFile(w http.ResponseWriter, r *http.Request, p *authz.Principal,
	run func(src agreement.Source, dry bool) (agreement.ImportReport, error)) error {
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.MaxUpload)
	if err != nil {
		return err
	}
	defer up.Close()
	rep, err := run(agreement.Source{Name: up.Name, R: up.File, Size: up.Size}, r.URL.Query().Get("dry_run") == "1")
	return writeImport(w, rep, err)
}

func (s *Server) importAgreementCatalogue(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.receiveAgreementFile(w, r, p, func(src agreement.Source, dry bool) (agreement.ImportReport, error) {
		return s.Agreements.ImportCatalogue(r.Context(), p, r.PathValue("uai"), src, dry)
	})
}

// importAgreementEnrolments is also the endpoint of automated feeds: the registrar's
// system posts the IP as text/csv (the whole body), ?dry_run=1 for the diff.
func (s *Server) importAgreementEnrolments(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.receiveAgreementFile(w, r, p, func(src agreement.Source, dry bool) (agreement.ImportReport, error) {
		return s.Agreements.ImportEnrolments(r.Context(), p, r.PathValue("uai"), src, dry)
	})
}

func (s *Server) agreementAcknowledge(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.receiveAgreementFile(w, r, p, func(src agreement.Source, dry bool) (agreement.ImportReport, error) {
		return s.Agreements.Acknowledge(r.Context(), p, r.PathValue("uai"), src, dry)
	})
}

func (s *Server) agreementCatalogue(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	list, err := s.Agreements.Catalogue(r.Context(), p, r.PathValue("uai"), r.PathValue("programme"), y)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"units": list})
	return nil
}

func (s *Server) saveAgreementSettings(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	var in agreement.Settings
	if err := decode(r, &in); err != nil {
		return err
	}
	in.Programme = r.PathValue("programme")
	out, err := s.Agreements.SaveSettings(r.Context(), p, r.PathValue("uai"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) agreementInbox(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	q := r.URL.Query()
	f := agreement.Filter{Programme: q.Get("programme"), State: agreement.State(q.Get("state"))}
	if v := q.Get("year"); v != "" {
		f.Year, _ = strconv.Atoi(v)
	}
	if v := q.Get("after"); v != "" {
		f.After, _ = strconv.ParseInt(v, 10, 64)
	}
	rows, err := s.Agreements.Inbox(r.Context(), p, r.PathValue("uai"), f)
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"agreements": rows})
	return nil
}

func (s *Server) startAgreement(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	var in agreement.StartInput
	if err := decode(r, &in); err != nil {
		return err
	}
	a, err := s.Agreements.Start(r.Context(), p, r.PathValue("uai"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) bulkValidateAgreements(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	var in struct {
		IDs []int64 `json:"ids"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := s.Agreements.BulkValidate(r.Context(), p, r.PathValue("uai"), in.IDs)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) agreementAdjustments(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	list, err := s.Agreements.Adjustments(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"students": list})
	return nil
}

func (s *Server) agreementDashboard(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	d, err := s.Agreements.Dashboard(r.Context(), p, r.PathValue("uai"), r.PathValue("programme"), y)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "xlsx" {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		httpx.Attachment(w, "contrats-"+d.Programme+"-"+strconv.Itoa(y)+".xlsx")
		return agreement.DashboardXLSX(acceptLang(r), d, w)
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) agreementRegistrarExport(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	httpx.Attachment(w, "ip-contrats-"+strconv.Itoa(y)+".csv")
	httpx.NoStore(w)
	_, err = s.Agreements.Export(r.Context(), p, r.PathValue("uai"), y, w)
	return err
}

func (s *Server) agreementReport(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	httpx.Attachment(w, "contrats-pilotage-"+strconv.Itoa(y)+".csv")
	httpx.NoStore(w)
	_, err = s.Agreements.Report(r.Context(), p, r.PathValue("uai"), y, w)
	return err
}

func (s *Server) closeAgreements(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	n, err := s.Agreements.CloseYear(r.Context(), p, r.PathValue("uai"), y)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]int{"closed": n})
	return nil
}

func (s *Server) getAgreement(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Agreements.Get(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) setAgreementContent(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in agreement.Edit
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := s.Agreements.SetContent(r.Context(), p, r.PathValue("uai"), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) agreementAction(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Action agreement.Action `json:"action"`
		Reason string           `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := s.Agreements.Act(r.Context(), p, r.PathValue("uai"), id, in.Action, in.Reason)
	var problems *agreement.Problems
	if errors.As(err, &problems) {
		e := apperr.As(err)
		httpx.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}, "problems": problems.List})
		return nil
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) agreementComment(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
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
	if err := s.Agreements.Comment(r.Context(), p, r.PathValue("uai"), id, in.Text); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) amendAgreement(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Agreements.Amend(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) assignAgreement(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		ReferentID         int64 `json:"referent_id"`
		DisabilityOfficeID int64 `json:"disability_office_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.Agreements.Assign(r.Context(), p, r.PathValue("uai"), id, in.ReferentID, in.DisabilityOfficeID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) agreementChecks(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.Agreements.Check(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"problems": list})
	return nil
}

func (s *Server) agreementPDF(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pdf, err := s.Agreements.PDF(r.Context(), p, r.PathValue("uai"), id, acceptLang(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, "contrat-pedagogique-"+strconv.FormatInt(id, 10)+".pdf")
	httpx.NoStore(w)
	_, err = w.Write(pdf)
	return err
}

func (s *Server) myAgreements(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	rows, err := s.Agreements.Mine(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"agreements": rows})
	return nil
}
