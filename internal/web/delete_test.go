package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/store"
)

// TestPhotosFeedbackAndDeletions: a student attaches a JPEG photo (a HEIC one is refused
// with its reason, in the page's language), each action is told, and he deletes his
// file and his sheet after ticking the confirmation; another student's teacher cannot
// delete them unless he is their author; a teacher deletes his evaluation from its page.
// Every deletion is in the audit trail.
func TestPhotosFeedbackAndDeletions(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	e, list := school(t, s, 3, 4)
	me := list[0]
	c := s.Browser()
	login(t, s, c, s.Activate(me.AccountID))
	page := fmt.Sprintf("%s/establishments/%s/students/%d/situations", s.URL, e.UAI, me.ID)
	p := fetch(t, c, "GET", page, nil)
	// Competencies are chosen from the student's referential; a code outside it is refused.
	refs, err := s.App.Passports.Referentials(ctx, me)
	if err != nil || len(refs) == 0 {
		t.Fatalf("referentials of the student: %v", err)
	}
	code := refs[0].Competencies[0].Code
	if !strings.Contains(p.body, `name="competencies" value="`+code+`"`) {
		t.Error("the competencies are not offered as choices from the referential")
	}
	if q := fetch(t, c, "POST", page, map[string][]string{"csrf": {p.csrf(t)}, "level": {"bac"}, "title": {"Stage"}, "competencies": {"C9.9"}}); q.status != http.StatusBadRequest || !strings.Contains(q.body, "n’est pas dans le référentiel") {
		t.Errorf("C9.9: %d", q.status)
	}
	q := fetch(t, c, "POST", page, map[string][]string{"csrf": {p.csrf(t)}, "level": {"bac"}, "title": {"Stage"}, "competencies": {code}})
	if q.status != http.StatusSeeOther || !strings.HasSuffix(q.header.Get("Location"), "?done=created") {
		t.Fatalf("create: %d %s", q.status, q.header.Get("Location"))
	}
	if p := fetch(t, c, "GET", s.URL+q.header.Get("Location"), nil); !strings.Contains(p.body, "Situation enregistrée.") {
		t.Error("no success message after saving")
	}
	sits, _ := s.App.Passports.Situations(ctx, authz.OperatorPrincipal(), e.UAI, me.ID)
	attach := fmt.Sprintf("%s/%d/attachments", page, sits[0].ID)
	p = fetch(t, c, "GET", page, nil)
	if !strings.Contains(p.body, `capture="environment"`) || !strings.Contains(p.body, "image/jpeg") {
		t.Error("the page offers no camera")
	}
	heic := []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
	if q := uploadForm(t, c, attach, p.csrf(t), nil, "IMG_0001.HEIC", heic); q.status != http.StatusUnsupportedMediaType || !strings.Contains(q.body, "photo HEIC") {
		t.Errorf("HEIC: %d", q.status)
	}
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, image.NewRGBA(image.Rect(0, 0, 64, 48)), nil); err != nil {
		t.Fatal(err)
	}
	if q := uploadForm(t, c, attach, p.csrf(t), nil, "chantier.jpeg", photo.Bytes()); q.status != http.StatusSeeOther || !strings.HasSuffix(q.header.Get("Location"), "?done=attached") {
		t.Fatalf("JPEG: %d\n%s", q.status, q.body)
	}
	sits, _ = s.App.Passports.Situations(ctx, authz.OperatorPrincipal(), e.UAI, me.ID)
	if len(sits[0].Attachments) != 1 || sits[0].Attachments[0].ContentType != "image/jpeg" || sits[0].Attachments[0].Name != "chantier.jpg" {
		t.Fatalf("attachments: %+v", sits[0].Attachments)
	}
	// In English, the refusal is in English.
	fetch(t, c, "GET", s.URL+"/lang/en?back=/", nil)
	if q := uploadForm(t, c, attach, p.csrf(t), nil, "IMG_0002.HEIC", heic); !strings.Contains(q.body, "is a HEIC photo") {
		t.Errorf("HEIC in English: %d", q.status)
	}
	fetch(t, c, "GET", s.URL+"/lang/fr?back=/", nil)

	// Another teacher of the establishment is not the author: no deletion.
	teacher := s.CreateUser("prof.benali", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.ID})
	ct := s.Browser()
	login(t, s, ct, teacher)
	tp := fetch(t, ct, "GET", page, nil)
	if strings.Contains(tp.body, "/delete") {
		t.Error("a teacher who is not the author is offered the deletion")
	}
	del := fmt.Sprintf("%s/establishments/%s/students/%d/situations/%d/delete", s.URL, e.UAI, me.ID, sits[0].ID)
	if q := fetch(t, ct, "POST", del, map[string][]string{"csrf": {tp.csrf(t)}, "confirm": {"1"}}); q.status != http.StatusForbidden {
		t.Errorf("deletion by another teacher: %d", q.status)
	}

	// The author: without the box ticked, nothing; with it, the file then the sheet go.
	p = fetch(t, c, "GET", page, nil)
	delFile := fmt.Sprintf("%s/establishments/%s/students/%d/attachments/%d/delete", s.URL, e.UAI, me.ID, sits[0].Attachments[0].ID)
	if q := fetch(t, c, "POST", delFile, map[string][]string{"csrf": {p.csrf(t)}}); q.status != http.StatusBadRequest || !strings.Contains(q.body, "Cochez la case") {
		t.Errorf("unconfirmed: %d", q.status)
	}
	if q := fetch(t, c, "POST", delFile, map[string][]string{"csrf": {p.csrf(t)}, "confirm": {"1"}}); q.status != http.StatusSeeOther {
		t.Fatalf("delete the file: %d", q.status)
	}
	if q := fetch(t, c, "POST", del, map[string][]string{"csrf": {p.csrf(t)}, "confirm": {"1"}}); q.status != http.StatusSeeOther {
		t.Fatalf("delete the sheet: %d", q.status)
	}
	if sits, _ := s.App.Passports.Situations(ctx, authz.OperatorPrincipal(), e.UAI, me.ID); len(sits) != 0 {
		t.Fatalf("left: %+v", sits)
	}

	// The teacher deletes his evaluation from its page.
	refs, _ = s.App.Competencies.Referentials(ctx)
	ep := fetch(t, ct, "GET", s.URL+"/establishments/"+e.UAI+"/evaluations", nil)
	q = fetch(t, ct, "POST", s.URL+"/establishments/"+e.UAI+"/evaluations", map[string][]string{"csrf": {ep.csrf(t)}, "title": {"Contrôle"},
		"date": {"2026-10-20"}, "class": {me.Class}, "diploma": {refs[0].Code}, "confirm": {"1"}})
	if q.status != http.StatusSeeOther {
		t.Fatalf("create an evaluation: %d\n%s", q.status, q.body)
	}
	grid := fetch(t, ct, "GET", s.URL+q.header.Get("Location"), nil)
	if !strings.Contains(grid.body, `id="delete-evaluation"`) {
		t.Fatal("its author is not offered the deletion")
	}
	evs, _ := s.App.Competencies.List(ctx, authz.OperatorPrincipal(), e.UAI, competency.ListFilter{})
	q = fetch(t, ct, "POST", fmt.Sprintf("%s/establishments/%s/evaluations/%d/delete", s.URL, e.UAI, evs[0].ID), map[string][]string{"csrf": {grid.csrf(t)}, "confirm": {"1"}})
	if q.status != http.StatusSeeOther || !strings.HasSuffix(q.header.Get("Location"), "?done=deleted") {
		t.Fatalf("delete the evaluation: %d", q.status)
	}
	if evs, _ := s.App.Competencies.List(ctx, authz.OperatorPrincipal(), e.UAI, competency.ListFilter{}); len(evs) != 0 {
		t.Fatalf("evaluations left: %d", len(evs))
	}
	for _, action := range []string{audit.SituationDeleted, audit.AttachmentDeleted, audit.EvaluationDeleted} {
		if evs, err := s.App.Audit.List(ctx, audit.Filter{Action: action, Limit: 10}); err != nil || len(evs) != 1 {
			t.Errorf("audit %s: %d %v", action, len(evs), err)
		}
	}
}
