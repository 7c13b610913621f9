package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/jobs"
	"github.com/cartable/cartable/internal/transfer"
)

func (s *Server) transfers(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	d, err := s.Transfers.Dashboard(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	// The reasons in words, in the language the client asks for (French by default, as
	// they were stored before they became codes).
	d.Words(i18n.Negotiate(r.Header.Get("Accept-Language"), i18n.FR))
	if r.URL.Query().Get("format") == "csv" {
		return writeTransfersCSV(w, d, r.URL.Query().Get("list"))
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) confirmTransfer(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.decideTransfer(w, r, p, s.Transfers.Confirm)
}

func (s *Server) refuseTransfer(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.decideTransfer(w, r, p, s.Transfers.Refuse)
}

// decideTransfer is the origin administrator's answer to a request: {id} is the new
// student at the other establishment, student_id his own former student.
func (s *Server) decideTransfer(w http.ResponseWriter, r *http.Request, p *authz.Principal,
	decide func(context.Context, *authz.Principal, string, int64, int64) (transfer.Decision, error)) error {
	candidate, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		StudentID int64 `json:"student_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.StudentID <= 0 {
		return apperr.Invalid("invalid_student", "student_id: the id of the student who left this establishment is required")
	}
	d, err := decide(r.Context(), p, r.PathValue("uai"), candidate, in.StudentID)
	if err != nil {
		return err
	}
	if d.MoveErr != nil {
		s.Log.Warn("transfer decision recorded, the nightly job carries on", "decision", d.Decision, "student", candidate, "err", d.MoveErr)
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

// mayReadJobs: platform administrators, and establishment administrators, who see the
// history of the jobs that move their students' records.
func mayReadJobs(p *authz.Principal) bool {
	return p.IsPlatformAdmin() || len(p.Establishments(authz.RoleAdmin)) > 0
}

func (s *Server) listJobRuns(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	if !mayReadJobs(p) {
		return apperr.Forbidden("forbidden", "administrators only")
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	runs, err := s.Jobs.History(r.Context(), r.URL.Query().Get("job"), limit)
	if err != nil {
		return err
	}
	if !p.IsPlatformAdmin() {
		runs = jobs.ForEstablishments(runs)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"runs": runs})
	return nil
}

func (s *Server) runJob(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "platform administrators only")
	}
	run, err := s.Jobs.Run(r.Context(), r.PathValue("job"), p.Login)
	if errors.Is(err, jobs.ErrUnknownJob) {
		return apperr.NotFound("job_not_found", "no such job: the jobs are %s", strings.Join(s.Jobs.Names(), ", "))
	}
	if errors.Is(err, jobs.ErrBusy) {
		return apperr.Conflict("job_running", "the job is running on another instance")
	}
	if err != nil && run.ID == 0 {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, run)
	return nil
}

func (s *Server) myNotices(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	ns, err := s.Transfers.Notices(r.Context(), p)
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []transfer.Notice{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"notices": ns})
	return nil
}

func writeTransfersCSV(w http.ResponseWriter, d transfer.Dashboard, list string) error {
	if list == "" {
		list = "done"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	httpx.Attachment(w, fmt.Sprintf("transferts-%s-%s.csv", d.UAI, list))
	return d.WriteCSV(w, list)
}
