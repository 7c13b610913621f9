package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
)

// TestFieldLimitsThroughTheAPI: the reviewer's evaluation (level and class of 400 KB),
// a situation with a hundred 5 KB competency codes, an over-long assessment, grid save
// and establishment name are refused with 400 too_long naming the field, and nothing
// is stored (issue 8, finding 6; docs/limits.md).
func TestFieldLimitsThroughTheAPI(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		sc := newSchool(t, s, "0691234S", 0)
		st := sc.students[0]
		tok := s.Token(sc.teacher)
		big := strings.Repeat("x", 400_000)
		want := func(what string, resp *http.Response, eb errorBody, field string) {
			t.Helper()
			if resp.StatusCode != http.StatusBadRequest || eb.Error.Code != "too_long" || !strings.HasPrefix(eb.Error.Message, field+":") {
				t.Errorf("%s: %d %.200v", what, resp.StatusCode, eb)
			}
		}

		var eb errorBody
		resp := s.Do("POST", "/api/v1/establishments/0691234S/evaluations", tok,
			map[string]any{"title": "Câblage", "date": "2026-10-12", "level": big, "class": big, "diploma": "BACPRO-MELEC"}, &eb)
		want("evaluation level", resp, eb, "level")
		var list struct {
			Evaluations []any `json:"evaluations"`
		}
		if s.Do("GET", "/api/v1/establishments/0691234S/evaluations", tok, nil, &list); len(list.Evaluations) != 0 {
			t.Errorf("a refused evaluation was stored: %v", list)
		}

		var ev struct {
			ID int64 `json:"id"`
		}
		if resp := s.Do("POST", "/api/v1/establishments/0691234S/evaluations", tok,
			map[string]any{"title": "Câblage", "date": "2026-10-12", "level": "première", "class": "1MELEC", "diploma": "BACPRO-MELEC"}, &ev); resp.StatusCode != http.StatusCreated {
			t.Fatalf("evaluation: %d", resp.StatusCode)
		}
		eb = errorBody{}
		resp = s.Do("PUT", fmt.Sprintf("/api/v1/establishments/0691234S/evaluations/%d/results", ev.ID), tok,
			map[string]any{"comments": []map[string]any{{"student_id": st.ID, "text": big}}}, &eb)
		want("grid comment", resp, eb, "comments[0].text")

		codes := make([]string, 100)
		for i := range codes {
			codes[i] = strings.Repeat("C", 5000)
		}
		base := fmt.Sprintf("/api/v1/establishments/0691234S/students/%d/situations", st.ID)
		eb = errorBody{}
		resp = s.Do("POST", base, tok, map[string]any{"title": "Stage", "competencies": codes}, &eb)
		want("situation competencies", resp, eb, "competencies[0]")
		var sit struct {
			ID int64 `json:"id"`
		}
		if resp := s.Do("POST", base, tok, map[string]any{"title": "Stage"}, &sit); resp.StatusCode != http.StatusCreated {
			t.Fatalf("situation: %d", resp.StatusCode)
		}
		eb = errorBody{}
		resp = s.Do("PUT", fmt.Sprintf("%s/%d/assessment", base, sit.ID), tok, map[string]any{"comment": big}, &eb)
		want("assessment comment", resp, eb, "comment")

		eb = errorBody{}
		resp = s.Do("PATCH", "/api/v1/establishments/0691234S", s.Token(sc.admin), map[string]any{"name": big}, &eb)
		want("establishment name", resp, eb, "name")
	})
}
