package api

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/passport"
)

func (s *Server) listReferentials(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	refs, err := s.Competencies.Referentials(r.Context())
	if err != nil {
		return err
	}
	if refs == nil {
		refs = []competency.Referential{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"referentials": refs})
	return nil
}

func (s *Server) getReferential(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	ref, err := s.Competencies.Referential(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		httpx.Attachment(w, fmt.Sprintf("%s.csv", ref.Code))
		return competency.WriteCSV(w, &ref)
	}
	httpx.WriteJSON(w, http.StatusOK, ref)
	return nil
}

// putReferential creates or replaces a referential from JSON or CSV (text/csv).
func (s *Server) putReferential(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	var ref competency.Referential
	var err error
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body := http.MaxBytesReader(w, r.Body, 8<<20) // refused, not silently cut, when larger
	if mt == "text/csv" {
		ref, err = competency.ParseCSV(body)
	} else {
		ref, err = competency.ParseJSON(body)
	}
	if err != nil {
		return apperr.Invalid("invalid_referential", "%v", err)
	}
	if ref.Code != r.PathValue("code") {
		return apperr.Invalid("invalid_referential", "the body's code %q differs from the URL's %q", ref.Code, r.PathValue("code"))
	}
	saved, err := s.Competencies.Save(r.Context(), p, ref)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, saved)
	return nil
}

func (s *Server) createEvaluation(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	var in competency.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	ev, err := s.Competencies.Create(r.Context(), p, r.PathValue("uai"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, ev)
	return nil
}

func (s *Server) listEvaluations(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	list, err := s.Competencies.List(r.Context(), p, r.PathValue("uai"), competency.ListFilter{Class: q.Get("class"), Diploma: q.Get("diploma"), Limit: limit})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"evaluations": list})
	return nil
}

func (s *Server) getEvaluation(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ev, err := s.Competencies.Get(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, ev)
	return nil
}

// saveResults changes cells of a grid: {"results":[{student_id,competency,value}], "comments":[…]};
// an empty value clears a cell.
func (s *Server) saveResults(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Results  []competency.Result  `json:"results"`
		Comments []competency.Comment `json:"comments"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	n, err := s.Competencies.SaveResults(r.Context(), p, r.PathValue("uai"), id, in.Results, in.Comments)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"saved": n})
	return nil
}

func (s *Server) deleteEvaluation(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Competencies.Delete(r.Context(), p, r.PathValue("uai"), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) studentResults(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.Competencies.Results(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listSituations(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.Passports.Situations(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"situations": list})
	return nil
}

func (s *Server) createSituation(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in passport.SituationInput
	if err := decode(r, &in); err != nil {
		return err
	}
	x, err := s.Passports.CreateSituation(r.Context(), p, r.PathValue("uai"), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, x)
	return nil
}

func (s *Server) updateSituation(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, sid, err := situationPath(r)
	if err != nil {
		return err
	}
	var in passport.SituationInput
	if err := decode(r, &in); err != nil {
		return err
	}
	x, err := s.Passports.UpdateSituation(r.Context(), p, r.PathValue("uai"), id, sid, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, x)
	return nil
}

func (s *Server) assessSituation(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, sid, err := situationPath(r)
	if err != nil {
		return err
	}
	var a passport.Assessment
	if err := decode(r, &a); err != nil {
		return err
	}
	x, err := s.Passports.Assess(r.Context(), p, r.PathValue("uai"), id, sid, a)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, x)
	return nil
}

// addAttachment receives a file (multipart field "file", or the raw body with a name
// query parameter) and attaches it to a situation. The file is spooled to TempDir first,
// as the pages do: a ZIP's directory is read from its end.
func (s *Server) addAttachment(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, sid, err := situationPath(r)
	if err != nil {
		return err
	}
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.Passports.MaxAttachment)
	if err != nil {
		return err
	}
	defer up.Close()
	a, err := s.Passports.Attach(r.Context(), p, r.PathValue("uai"), id, sid, up.Name, up.File)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	aid, err := pathID(r, "aid")
	if err != nil {
		return err
	}
	a, rc, err := s.Passports.OpenAttachment(r.Context(), p, r.PathValue("uai"), id, aid)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	httpx.Attachment(w, a.Name)
	_, err = io.Copy(w, rc)
	return err
}

func (s *Server) studentPassport(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pp, err := s.Passports.ForStudent(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, pp)
	return nil
}

func (s *Server) myPassportZIP(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	pp, err := s.Passports.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	w.Header().Set("Content-Type", "application/zip")
	httpx.Attachment(w, "passeport-"+p.Login+".zip")
	return s.Passports.WriteZIP(r.Context(), w, pp, p.Lang)
}

func (s *Server) myPassport(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	pp, err := s.Passports.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, pp)
	return nil
}

// situationPath returns the student and situation ids of a …/students/{id}/situations/{sid}/… path.
func situationPath(r *http.Request) (id, sid int64, err error) {
	if id, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	sid, err = pathID(r, "sid")
	return id, sid, err
}
