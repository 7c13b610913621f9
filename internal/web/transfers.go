package web

import (
	"errors"
	"net/http"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/jobs"
	"github.com/cartable/cartable/internal/transfer"
)

type transfersData struct {
	E         establishment.Establishment
	Dashboard transfer.Dashboard
	Runs      []jobs.Run
}

// transfersPage is an establishment's transfer dashboard: received and sent in the last
// six months, waiting, impossible, and the history of the job runs; CSV exports.
func (s *Server) transfersPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), account.RoleAdmin)
	if err != nil {
		return err
	}
	d, err := s.Transfers.Dashboard(r.Context(), p, e.UAI)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		list := r.URL.Query().Get("list")
		if list == "" {
			list = "done"
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		httpx.Attachment(w, "transferts-"+d.UAI+"-"+list+".csv")
		return d.WriteCSV(w, list)
	}
	runs, err := s.Jobs.History(r.Context(), "", 20)
	if err != nil {
		return err
	}
	if !p.IsPlatformAdmin() {
		runs = jobs.ForEstablishments(runs)
	}
	pg := s.newPage(r, "transfers.title", e.Name)
	pg.Data = transfersData{E: e, Dashboard: d, Runs: runs}
	return s.render(w, r, "transfers", pg)
}

type jobsData struct {
	Runs []jobs.Run
}

// jobsPage shows every job run (platform administrators) and runs a job on demand.
func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "platform administrators only")
	}
	runs, err := s.Jobs.History(r.Context(), "", 100)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "jobs.title")
	pg.Data = jobsData{Runs: runs}
	return s.render(w, r, "jobs", pg)
}

func (s *Server) runJob(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "platform administrators only")
	}
	fn, ok := s.Transfers.Job(r.PathValue("job"))
	if !ok {
		return apperr.NotFound("not_found", "no such job")
	}
	if _, err := s.Jobs.Do(r.Context(), r.PathValue("job"), p.Login, fn); err != nil && !errors.Is(err, jobs.ErrBusy) {
		s.Log.Warn("job run from the web", "job", r.PathValue("job"), "err", err)
	}
	http.Redirect(w, r, "/admin/jobs", http.StatusSeeOther)
	return nil
}
