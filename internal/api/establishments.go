package api

import (
	"net/http"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/httpx"
)

// establishmentRequest creates or updates an establishment; absent fields are unchanged.
type establishmentRequest struct {
	UAI              string  `json:"uai"`
	Name             *string `json:"name"`
	Academie         *string `json:"academie"`
	Kind             *string `json:"kind"`
	Sector           *string `json:"sector"`
	TransfersSend    *bool   `json:"transfers_send"`
	TransfersReceive *bool   `json:"transfers_receive"`
}

func (q establishmentRequest) input() establishment.Input {
	return establishment.Input{UAI: q.UAI, Name: q.Name, Academie: q.Academie, Kind: q.Kind, Sector: q.Sector,
		TransfersSend: q.TransfersSend, TransfersReceive: q.TransfersReceive}
}

func (s *Server) listEstablishments(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	list, err := s.Establishments.Visible(r.Context(), p)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"establishments": list})
	return nil
}

func (s *Server) createEstablishment(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	if !p.IsPlatformAdmin() {
		return apperr.Forbidden("forbidden", "only a platform administrator can create establishments")
	}
	var req establishmentRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	e, err := s.Establishments.Create(r.Context(), p.Actor(), req.input())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) getEstablishment(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	e, err := s.Establishments.Get(r.Context(), p, r.PathValue("uai"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) updateEstablishment(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	var req establishmentRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	req.UAI = r.PathValue("uai")
	e, err := s.Establishments.UpdateAs(r.Context(), p, req.input())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, e)
	return nil
}
