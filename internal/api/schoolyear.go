package api

import (
	"net/http"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/schoolyear"
)

// schoolYearRoutes are the routes of the school year (internal/schoolyear).
func (s *Server) schoolYearRoutes(authed func(string, authFunc)) {
	authed("GET /api/v1/establishments/{uai}/years", s.listYears)
	authed("POST /api/v1/establishments/{uai}/years", s.saveYear)
	authed("POST /api/v1/establishments/{uai}/periods/{id}/close", s.closePeriod)
	authed("GET /api/v1/establishments/{uai}/years/{id}/classes", s.listYearClasses)
	authed("POST /api/v1/establishments/{uai}/years/{id}/classes", s.saveYearClass)
	authed("GET /api/v1/establishments/{uai}/classes/{id}/pupils", s.classPupils)
	authed("GET /api/v1/establishments/{uai}/years/{id}/services", s.listServices)
	authed("POST /api/v1/establishments/{uai}/years/{id}/services", s.saveService)
	authed("POST /api/v1/establishments/{uai}/years/{id}/enrolments", s.enrol)
	authed("GET /api/v1/establishments/{uai}/students/{id}/file", s.pupilFile)
}

func (s *Server) listYears(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	list, err := s.SchoolYear.Years(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"years": list})
	return nil
}

func (s *Server) saveYear(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	var in schoolyear.YearInput
	if err := decode(r, &in); err != nil {
		return err
	}
	y, err := s.SchoolYear.SaveYear(r.Context(), p, r.PathValue("uai"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, y)
	return nil
}

func (s *Server) closePeriod(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Closed bool `json:"closed"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	out, err := s.SchoolYear.SetPeriodClosed(r.Context(), p, r.PathValue("uai"), id, in.Closed)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listYearClasses(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.SchoolYear.Classes(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"classes": list})
	return nil
}

func (s *Server) saveYearClass(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in schoolyear.ClassInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.SchoolYear.SaveClass(r.Context(), p, r.PathValue("uai"), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) classPupils(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.SchoolYear.Pupils(r.Context(), p, r.PathValue("uai"), 0, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"pupils": list})
	return nil
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.SchoolYear.Resolve(r.Context(), p, r.PathValue("uai"), schoolyear.Staff...)
	if err != nil {
		return err
	}
	if _, err := s.SchoolYear.Year(r.Context(), e.ID, id); err != nil {
		return err
	}
	list, err := s.SchoolYear.TeachingsOfYear(r.Context(), e.ID, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"services": list})
	return nil
}

func (s *Server) saveService(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in schoolyear.TeachingInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.SchoolYear.SaveTeaching(r.Context(), p, r.PathValue("uai"), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) enrol(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in schoolyear.EnrolmentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	n, err := s.SchoolYear.Enrol(r.Context(), p, r.PathValue("uai"), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) pupilFile(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.SchoolYear.PupilFile(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, f)
	return nil
}
