package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/jobs"
	"github.com/cartable/cartable/internal/transfer"
)

type transfersData struct {
	E         establishment.Establishment
	Dashboard transfer.Dashboard
	// Matched says, for each receipt of Dashboard.Done, what proved the match.
	Matched []string
	Runs    []jobs.Run
}

// transfersPage is an establishment's transfer dashboard: received and sent in the last
// six months, waiting, impossible, the requests of other establishments about its
// former students, and the history of the job runs; CSV exports.
func (s *Server) transfersPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	e, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin)
	if err != nil {
		return err
	}
	d, err := s.Transfers.Dashboard(r.Context(), p, e.UAI)
	if err != nil {
		return err
	}
	l := lang(r)
	d.Words(l)
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
	switch r.URL.Query().Get("done") {
	case "moved":
		pg.Info = T(l, "transfers.done.moved")
	case "confirmed":
		pg.Info = T(l, "transfers.done.confirmed")
	case "refused":
		pg.Info = T(l, "transfers.done.refused")
	}
	data := transfersData{E: e, Dashboard: d, Runs: runs}
	for _, x := range d.Done {
		data.Matched = append(data.Matched, transfer.MatchText(l, x))
	}
	pg.Data = data
	return s.render(w, r, "transfers", pg)
}

// decideTransfer is the origin administrator's answer to a request about one of his
// former students (the form's "student") and a new student elsewhere ({id}): confirm,
// which moves the records at once when it can, or refuse, final for the pair.
func (s *Server) decideTransfer(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	candidate, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound("transfer_request_not_found", "no such request")
	}
	studentID, err := strconv.ParseInt(r.PostFormValue("student"), 10, 64)
	if err != nil {
		return apperr.NotFound("transfer_request_not_found", "no such request")
	}
	uai := r.PathValue("uai")
	var d transfer.Decision
	switch r.PathValue("action") {
	case "confirm":
		d, err = s.Transfers.Confirm(r.Context(), p, uai, candidate, studentID)
	case "refuse":
		d, err = s.Transfers.Refuse(r.Context(), p, uai, candidate, studentID)
	default:
		return apperr.NotFound("not_found", "no such action")
	}
	if err != nil {
		return err
	}
	done := d.Decision
	if d.Moved {
		done = "moved"
	}
	if d.MoveErr != nil {
		s.Log.Warn("transfer decision recorded, the nightly job carries on", "decision", d.Decision, "student", candidate, "err", d.MoveErr)
	}
	http.Redirect(w, r, "/establishments/"+url.PathEscape(uai)+"/transfers?done="+done+"#requests", http.StatusSeeOther)
	return nil
}

type jobsData struct {
	// Jobs are the registered jobs, each with its button.
	Jobs []jobs.Job
	Runs []jobs.Run
}

// jobsPage shows every job run (platform administrators) and runs a registered job on
// demand.
func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "platform administrators only")
	}
	runs, err := s.Jobs.History(r.Context(), "", 100)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "jobs.title")
	pg.Data = jobsData{Jobs: s.Jobs.Jobs(), Runs: runs}
	return s.render(w, r, "jobs", pg)
}

func (s *Server) runJob(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "platform administrators only")
	}
	_, err := s.Jobs.Run(r.Context(), r.PathValue("job"), p.Login)
	if errors.Is(err, jobs.ErrUnknownJob) {
		return apperr.NotFound("not_found", "no such job")
	}
	if err != nil && !errors.Is(err, jobs.ErrBusy) {
		s.Log.Warn("job run from the web", "job", r.PathValue("job"), "err", err)
	}
	http.Redirect(w, r, "/admin/jobs", http.StatusSeeOther)
	return nil
}
