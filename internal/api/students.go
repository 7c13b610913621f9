package api

import (
	"net/http"
	"strconv"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/student"
)

func (s *Server) listStudents(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	q := r.URL.Query()
	f := student.Filter{Query: q.Get("q"), Class: q.Get("class"), Status: q.Get("status"), NouvelEleve: q.Get("nouvel_eleve")}
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	page, err := s.Students.List(r.Context(), p, r.PathValue("uai"), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getStudent(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.Students.Get(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) listClasses(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	cs, err := s.Students.Classes(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []student.ClassCount{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"classes": cs})
	return nil
}

func (s *Server) myStudentRecords(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	list, err := s.Students.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	if list == nil {
		list = []student.Student{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"students": list})
	return nil
}

// importFile receives the uploaded file (multipart field "file", or the raw body).
func (s *Server) importFile(r *http.Request) (*httpx.Upload, importer.Source, error) {
	up, err := httpx.ReceiveFile(r, "file", s.TempDir, s.MaxUpload)
	if err != nil {
		return nil, importer.Source{}, err
	}
	return up, importer.Source{Name: up.Name, R: up.File, Size: up.Size}, nil
}

func (s *Server) importSiecle(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	// Refuse before receiving a large file when the caller may not import here.
	if _, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin); err != nil {
		return err
	}
	up, src, err := s.importFile(r)
	if err != nil {
		return err
	}
	defer up.Close()
	dry, _ := strconv.ParseBool(r.URL.Query().Get("dry_run"))
	if v, ok := up.Form["dry_run"]; ok {
		dry, _ = strconv.ParseBool(v)
	}
	rep, err := s.Importer.Siecle(r.Context(), p, r.PathValue("uai"), src, dry)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if dry {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, rep)
	return nil
}

func (s *Server) importNomenclature(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	if _, err := s.Establishments.Resolve(r.Context(), p, r.PathValue("uai"), authz.RoleAdmin); err != nil {
		return err
	}
	up, src, err := s.importFile(r)
	if err != nil {
		return err
	}
	defer up.Close()
	n, err := s.Importer.Nomenclature(r.Context(), p, r.PathValue("uai"), src)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"mefs": n})
	return nil
}

func (s *Server) listImports(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	list, err := s.Importer.History(r.Context(), p, r.PathValue("uai"), limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"imports": list})
	return nil
}

func (s *Server) getImport(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.Importer.Get(r.Context(), p, r.PathValue("uai"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}
