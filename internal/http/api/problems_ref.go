package api

import (
	"andon/internal/http/httpx"
	"net/http"

	"andon/internal/domain"
	"andon/internal/store"
)

// Failure reasons and value-chain stages: read by everyone, managed by admins.

func (s *Handler) apiListStages(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	st, err := s.db.Stages(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"stages": st})
	return nil
}

type stageIn struct {
	Name     *string `json:"name"`
	Position *int    `json:"position"`
	Active   *bool   `json:"active"`
}

func (s *Handler) apiCreateStage(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in stageIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	st, err := s.db.CreateStage(r.Context(), store.StageInput(in))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Handler) apiPatchStage(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "stage")
	if err != nil {
		return err
	}
	var in stageIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	st, err := s.db.UpdateStage(r.Context(), id, store.StageInput(in))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (s *Handler) apiListFailureReasons(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	rs, err := s.db.FailureReasons(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"failure_reasons": rs})
	return nil
}

type reasonIn struct {
	Name    *string `json:"name"`
	StageID *int64  `json:"stage_id"`
	Active  *bool   `json:"active"`
}

func (s *Handler) apiCreateFailureReason(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in reasonIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	fr, err := s.db.CreateFailureReason(r.Context(), store.FailureReasonInput(in))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, fr)
	return nil
}

func (s *Handler) apiPatchFailureReason(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "failure reason")
	if err != nil {
		return err
	}
	var in reasonIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	fr, err := s.db.UpdateFailureReason(r.Context(), id, store.FailureReasonInput(in))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, fr)
	return nil
}
