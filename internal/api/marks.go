package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/marks"
)

// marksRoutes are the routes of marks, class councils and report cards
// (docs/school-year.md).
func (s *Server) marksRoutes(authed func(string, authFunc)) {
	const grid = "/api/v1/establishments/{uai}/marks/services/{sid}/periods/{pid}"
	const council = "/api/v1/establishments/{uai}/marks/classes/{cid}/periods/{pid}"
	authed("GET "+grid, s.marksGrid)
	authed("PUT "+grid+"/marks", s.saveMarks)
	authed("POST "+grid+"/assessments", s.createAssessment)
	authed("GET "+council, s.classCouncil)
	authed("GET "+council+"/report-cards/{sid}", s.reportCard)
	authed("GET /api/v1/me/marks", s.myMarks)
}

func ids(r *http.Request, names ...string) ([]int64, error) {
	out := make([]int64, len(names))
	for i, n := range names {
		v, err := strconv.ParseInt(strings.TrimSuffix(r.PathValue(n), ".pdf"), 10, 64)
		if err != nil || v <= 0 {
			return nil, apperr.NotFound("not_found", "no such %s", n)
		}
		out[i] = v
	}
	return out, nil
}

func (s *Server) marksGrid(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	v, err := ids(r, "sid", "pid")
	if err != nil {
		return err
	}
	g, err := s.Marks.Grid(r.Context(), p, r.PathValue("uai"), v[0], v[1])
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, g)
	return nil
}

func (s *Server) saveMarks(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	v, err := ids(r, "sid", "pid")
	if err != nil {
		return err
	}
	var in struct {
		Marks []marks.Change `json:"marks"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	n, err := s.Marks.SaveMarks(r.Context(), p, r.PathValue("uai"), v[0], v[1], in.Marks)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"saved": n})
	return nil
}

func (s *Server) createAssessment(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	v, err := ids(r, "sid", "pid")
	if err != nil {
		return err
	}
	var in marks.AssessmentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	a, err := s.Marks.CreateAssessment(r.Context(), p, r.PathValue("uai"), v[0], v[1], in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) classCouncil(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	v, err := ids(r, "cid", "pid")
	if err != nil {
		return err
	}
	co, err := s.Marks.Council(r.Context(), p, r.PathValue("uai"), v[0], v[1])
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, co)
	return nil
}

func (s *Server) reportCard(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	v, err := ids(r, "cid", "pid", "sid")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.Marks.ReportCardPDF(r.Context(), p, r.PathValue("uai"), v[0], v[1], v[2], &buf, acceptLang(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	httpx.Attachment(w, "bulletin.pdf")
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) myMarks(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	list, err := s.Marks.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"classes": list})
	return nil
}
