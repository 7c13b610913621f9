package student_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

// world is two establishments, A and B, with students written as an import writes
// them (student.Apply), some with an account.
type world struct {
	s    *apptest.Server
	a, b establishment.Establishment
	// students of A by ELEVE_ID, and the one of B
	ids map[string]int64
	// the account of Zoé (A, class 2A) and of Noé (A, 2B, also a student in B)
	zoe, noe *apptest.User
}

func newWorld(t *testing.T, s *apptest.Server) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{s: s, ids: map[string]int64{}}
	for i, e := range []*establishment.Establishment{&w.a, &w.b} {
		name := fmt.Sprintf("Lycée %c", 'A'+i)
		var err error
		if *e, err = s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: siecle.MakeUAI(690000 + i), Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	w.zoe = s.CreateUser("zoe.martin", authz.Membership{Role: authz.RoleStudent, EstablishmentID: w.a.ID})
	w.noe = s.CreateUser("noe.petit", authz.Membership{Role: authz.RoleStudent, EstablishmentID: w.a.ID},
		authz.Membership{Role: authz.RoleStudent, EstablishmentID: w.b.ID})
	pending, _, err := s.App.Accounts.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: "lea.durand",
		Roles: []authz.Membership{{Role: authz.RoleStudent, EstablishmentID: w.a.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	today := s.Clock.Now().Format("2006-01-02")
	rec := func(id, last, first, class, status string) student.Record {
		r := student.Record{EleveID: id, LastName: last, FirstName: first, Class: class, MEF: "24725003110", Status: status,
			INEStatus: "ok", Unqid: "u-" + id, BirthDate: "2008-05-17", EntryDate: "2025-09-01"}
		if status == student.StatusDeactivated {
			r.ExitDate = today
		}
		return r
	}
	inA := []struct {
		rec     student.Record
		account int64
		nouvel  string
	}{
		{rec("1001", "MARTIN", "Zoé", "2A", student.StatusActive), w.zoe.ID, student.NouvelSettled},
		{rec("1002", "DURAND", "Léa", "2A", student.StatusActive), pending.ID, student.NouvelSettled},
		{rec("1003", "PETIT", "Noé", "2B", student.StatusActive), w.noe.ID, student.NouvelRecent},
		{rec("1004", "N'DIAYE-ŒUVRAY", "Loïc", "2B", student.StatusDeactivated), 0, student.NouvelSettled},
	}
	err = s.App.DB.Tx(ctx, func(ctx context.Context) error {
		var ins []student.Insert
		for i := range inA {
			ins = append(ins, student.Insert{Record: &inA[i].rec, AccountID: inA[i].account, NouvelEleve: inA[i].nouvel})
		}
		ids, err := student.Apply(ctx, s.App.DB, w.a, ins, nil, s.Clock.Now())
		for i, id := range ids {
			w.ids[inA[i].rec.EleveID] = id
		}
		if err != nil {
			return err
		}
		b := rec("2001", "PETIT", "Noé", "1C", student.StatusActive)
		ids, err = student.Apply(ctx, s.App.DB, w.b, []student.Insert{{Record: &b, AccountID: w.noe.ID, NouvelEleve: student.NouvelSettled}}, nil, s.Clock.Now())
		if err == nil {
			w.ids["2001"] = ids[0]
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// principal is an account holding roles, as a request carries it.
func principal(id int64, login string, roles ...authz.Membership) *authz.Principal {
	return &authz.Principal{AccountID: id, Login: login, Roles: roles}
}

func role(r authz.Role, e establishment.Establishment) authz.Membership {
	return authz.Membership{Role: r, EstablishmentID: e.ID, UAI: e.UAI}
}

// allowed marks a case with no refusal.
const allowed = apperr.Kind(-1)

// TestVisibility: staff and platform administrators see every student of the
// establishment, a student only himself, a parent nobody yet, and an account without a
// role there does not even see the establishment.
func TestVisibility(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			p    *authz.Principal
			kind apperr.Kind // of the refusal, allowed for none
			all  bool
			list []string // ELEVE_IDs listed
		}{
			{"platform admin", principal(90, "root", authz.Membership{Role: authz.RolePlatformAdmin}), allowed, true, []string{"1002", "1001", "1004", "1003"}},
			{"admin", principal(91, "adm", role(authz.RoleAdmin, w.a)), allowed, true, []string{"1002", "1001", "1004", "1003"}},
			{"teacher", principal(92, "prof", role(authz.RoleTeacher, w.a)), allowed, true, []string{"1002", "1001", "1004", "1003"}},
			{"inspector", principal(93, "ipr", role(authz.RoleInspector, w.a)), allowed, true, []string{"1002", "1001", "1004", "1003"}},
			{"the student himself", principal(w.zoe.ID, w.zoe.Login, role(authz.RoleStudent, w.a)), allowed, false, []string{"1001"}},
			{"a student without a record here", principal(94, "x", role(authz.RoleStudent, w.a)), allowed, false, []string{}},
			{"parent", principal(95, "parent", role(authz.RoleParent, w.a)), apperr.KindForbidden, false, nil},
			{"teacher of another establishment", principal(96, "prof.b", role(authz.RoleTeacher, w.b)), apperr.KindNotFound, false, nil},
			{"no role", principal(97, "nobody"), apperr.KindNotFound, false, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e, all, err := s.App.Students.Access(ctx, tc.p, w.a.UAI)
				if tc.kind == allowed && err != nil || tc.kind != allowed && apperr.KindOf(err) != tc.kind {
					t.Fatalf("access: %v, want kind %v", err, tc.kind)
				}
				if err != nil {
					return
				}
				if e.ID != w.a.ID || all != tc.all {
					t.Errorf("access: establishment %d, all %v; want %d, %v", e.ID, all, w.a.ID, tc.all)
				}
				page, err := s.App.Students.List(ctx, tc.p, w.a.UAI, student.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				got := []string{}
				for _, st := range page.Students {
					got = append(got, st.EleveID)
				}
				if !slices.Equal(got, tc.list) || page.Total != len(tc.list) {
					t.Errorf("list: %v (total %d), want %v", got, page.Total, tc.list)
				}
			})
		}
	})
}

// TestTenantChecks: a student is found only through his own establishment, whoever
// asks; a student finds only himself.
func TestTenantChecks(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		ctx := context.Background()
		root := principal(90, "root", authz.Membership{Role: authz.RolePlatformAdmin})
		adminA := principal(91, "adm", role(authz.RoleAdmin, w.a))
		zoe := principal(w.zoe.ID, w.zoe.Login, role(authz.RoleStudent, w.a))
		for _, tc := range []struct {
			name string
			p    *authz.Principal
			uai  string
			id   int64
			ok   bool
		}{
			{"admin, his student", adminA, w.a.UAI, w.ids["1001"], true},
			{"admin, a student of B through A", adminA, w.a.UAI, w.ids["2001"], false},
			{"admin, a student of B through B", adminA, w.b.UAI, w.ids["2001"], false},
			{"platform admin, a student of B through A", root, w.a.UAI, w.ids["2001"], false},
			{"platform admin, a student of B through B", root, w.b.UAI, w.ids["2001"], true},
			{"student, himself", zoe, w.a.UAI, w.ids["1001"], true},
			{"student, a classmate", zoe, w.a.UAI, w.ids["1002"], false},
			{"no such student", adminA, w.a.UAI, 999999, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st, err := s.App.Students.Get(ctx, tc.p, tc.uai, tc.id)
				if !tc.ok {
					if kind := apperr.KindOf(err); kind != apperr.KindNotFound {
						t.Errorf("got %+v, %v; want not found", st.ID, err)
					}
					return
				}
				if err != nil || st.ID != tc.id || st.UAI != tc.uai {
					t.Errorf("got %d at %s, %v; want %d", st.ID, st.UAI, err, tc.id)
				}
			})
		}
	})
}

// TestStaffAccessAudited: staff reading a student's record or a list leaves an event in
// the student's establishment; a student reading his own data, or a Lookup (whose
// caller audits its own access), leaves none.
func TestStaffAccessAudited(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		ctx := context.Background()
		teacher := principal(92, "prof", role(authz.RoleTeacher, w.a))
		zoe := principal(w.zoe.ID, w.zoe.Login, role(authz.RoleStudent, w.a))
		id := w.ids["1001"]
		events := func(login string) []audit.Event {
			t.Helper()
			list, err := s.App.Audit.List(ctx, audit.Filter{Login: login})
			if err != nil {
				t.Fatal(err)
			}
			return slices.DeleteFunc(list, func(e audit.Event) bool { return !strings.HasPrefix(e.Action, "student.") })
		}
		for _, tc := range []struct {
			name   string
			login  string
			do     func() error
			action string // "" for no event
			detail map[string]any
		}{
			{"teacher views a record", "prof", func() error { _, err := s.App.Students.Get(ctx, teacher, w.a.UAI, id); return err },
				audit.StudentViewed, map[string]any{"student_id": float64(id)}},
			{"teacher lists a class", "prof", func() error {
				_, err := s.App.Students.List(ctx, teacher, w.a.UAI, student.Filter{Class: "2A"})
				return err
			}, audit.StudentsListed, map[string]any{"count": float64(2), "class": "2A", "status": ""}},
			{"teacher looks a student up", "prof", func() error { _, _, err := s.App.Students.Lookup(ctx, teacher, w.a.UAI, id); return err }, "", nil},
			{"the student reads his record", w.zoe.Login, func() error { _, err := s.App.Students.Get(ctx, zoe, w.a.UAI, id); return err }, "", nil},
			{"the student lists", w.zoe.Login, func() error { _, err := s.App.Students.List(ctx, zoe, w.a.UAI, student.Filter{}); return err }, "", nil},
			{"the student's own records", w.zoe.Login, func() error { _, err := s.App.Students.Mine(ctx, zoe); return err }, "", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := len(events(tc.login))
				if err := tc.do(); err != nil {
					t.Fatal(err)
				}
				after := events(tc.login)
				if tc.action == "" {
					if len(after) != before {
						t.Errorf("%d new events: %+v", len(after)-before, after[0])
					}
					return
				}
				if len(after) != before+1 {
					t.Fatalf("%d new events, want 1", len(after)-before)
				}
				ev := after[0]
				if ev.Action != tc.action || ev.EstablishmentID == nil || *ev.EstablishmentID != w.a.ID || ev.ActorLogin != tc.login {
					t.Errorf("event %+v", ev)
				}
				for k, v := range tc.detail {
					if ev.Detail[k] != v {
						t.Errorf("detail %s = %v, want %v", k, ev.Detail[k], v)
					}
				}
				if tc.action == audit.StudentViewed && (ev.TargetLogin != w.zoe.Login || ev.TargetID == nil || *ev.TargetID != w.zoe.ID) {
					t.Errorf("the event does not name the student's account: %+v", ev)
				}
			})
		}
	})
}

// TestListFilters: search (accents and case folded, ELEVE_ID too), class, status,
// nouvelEleve, paging, and a clear refusal of an unknown status.
func TestListFilters(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		ctx := context.Background()
		admin := principal(91, "adm", role(authz.RoleAdmin, w.a))
		if _, err := student.EndWait(ctx, s.App.DB, w.ids["1003"], "2026-01-15", s.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			f     student.Filter
			want  []string
			total int
			code  string // of the refusal
		}{
			{"all, by class then name", student.Filter{}, []string{"1002", "1001", "1004", "1003"}, 4, ""},
			{"accents and case", student.Filter{Query: "ZOE"}, []string{"1001"}, 1, ""},
			{"ligature and apostrophe", student.Filter{Query: "n diaye oeuvray"}, []string{"1004"}, 1, ""},
			{"ELEVE_ID", student.Filter{Query: "1002"}, []string{"1002"}, 1, ""},
			{"several words", student.Filter{Query: "noé petit"}, []string{"1003"}, 1, ""},
			{"class", student.Filter{Class: "2B"}, []string{"1004", "1003"}, 2, ""},
			{"deactivated", student.Filter{Status: student.StatusDeactivated}, []string{"1004"}, 1, ""},
			{"active", student.Filter{Status: student.StatusActive}, []string{"1002", "1001", "1003"}, 3, ""},
			{"records transferred (a date)", student.Filter{NouvelEleve: "date"}, []string{"1003"}, 1, ""},
			{"settled", student.Filter{NouvelEleve: student.NouvelSettled}, []string{"1002", "1001", "1004"}, 3, ""},
			{"a page", student.Filter{Limit: 2, Offset: 1}, []string{"1001", "1004"}, 4, ""},
			{"unknown status", student.Filter{Status: "gone"}, nil, 0, "invalid_status"},
			{"unknown nouvelEleve", student.Filter{NouvelEleve: "2"}, nil, 0, "invalid_nouvel_eleve"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := s.App.Students.List(ctx, admin, w.a.UAI, tc.f)
				if tc.code != "" {
					if apperr.CodeOf(err) != tc.code || apperr.KindOf(err) != apperr.KindInvalid {
						t.Errorf("got %v, want %s", err, tc.code)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got := []string{}
				for _, st := range page.Students {
					got = append(got, st.EleveID)
				}
				if !slices.Equal(got, tc.want) || page.Total != tc.total {
					t.Errorf("got %v (total %d), want %v (total %d)", got, page.Total, tc.want, tc.total)
				}
			})
		}
	})
}

// TestRecordCarriesWhatOthersOwn: a student as the pages show him carries his
// establishment's UAI, his login and the state of his account, and his MEF's label
// from the establishment's Nomenclature; class counts count the accounts still pending.
func TestRecordCarriesWhatOthersOwn(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		ctx := context.Background()
		if err := student.ReplaceMEFs(ctx, s.App.DB, w.a.ID, []student.MEF{{Code: "24725003110", Formation: "2NDPRO", Label: "2NDE PRO METIERS ELEC"}}); err != nil {
			t.Fatal(err)
		}
		admin := principal(91, "adm", role(authz.RoleAdmin, w.a))
		page, err := s.App.Students.List(ctx, admin, w.a.UAI, student.Filter{Class: "2A"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]string{"1001": {w.zoe.Login, "active"}, "1002": {"lea.durand", "pending"}}
		for _, st := range page.Students {
			if st.UAI != w.a.UAI || st.Login != want[st.EleveID][0] || st.AccountState != want[st.EleveID][1] || st.MEFLabel != "2NDE PRO METIERS ELEC" {
				t.Errorf("%s: uai %s, login %q (%s), MEF %q", st.EleveID, st.UAI, st.Login, st.AccountState, st.MEFLabel)
			}
		}
		st, err := s.App.Students.Get(ctx, admin, w.a.UAI, w.ids["1004"])
		if err != nil || st.Login != "" || st.AccountState != "" || st.DisplayName() != "N'DIAYE-ŒUVRAY Loïc" {
			t.Errorf("a student without an account: %+v, %v", st, err)
		}
		classes, err := s.App.Students.Classes(ctx, admin, w.a.UAI)
		if err != nil {
			t.Fatal(err)
		}
		if want := []student.ClassCount{{Class: "2A", Active: 2, Pending: 1}, {Class: "2B", Active: 1, Deactivated: 1}}; !slices.Equal(classes, want) {
			t.Errorf("classes %+v, want %+v", classes, want)
		}
		if _, err := s.App.Students.Classes(ctx, principal(w.zoe.ID, w.zoe.Login, role(authz.RoleStudent, w.a)), w.a.UAI); apperr.KindOf(err) != apperr.KindForbidden {
			t.Errorf("classes for a student: %v", err)
		}
		// His own records, in every establishment, each with its UAI.
		mine, err := s.App.Students.Mine(ctx, principal(w.noe.ID, w.noe.Login))
		if err != nil {
			t.Fatal(err)
		}
		var uais []string
		for _, m := range mine {
			uais = append(uais, m.UAI)
		}
		slices.Sort(uais)
		if !slices.Equal(uais, []string{w.a.UAI, w.b.UAI}) {
			t.Errorf("Noé's records: %v", uais)
		}
	})
}

// TestAccessMode: an account with a role other than student keeps full access; a
// student keeps it while one of his records is active, then may only download his
// passport for three months after his last exit date, then nothing.
func TestAccessMode(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		ctx := context.Background()
		left := s.CreateUser("parti", authz.Membership{Role: authz.RoleStudent, EstablishmentID: w.a.ID})
		teacher := s.CreateUser("prof.eleve", authz.Membership{Role: authz.RoleStudent, EstablishmentID: w.a.ID},
			authz.Membership{Role: authz.RoleTeacher, EstablishmentID: w.b.ID})
		exit := "2026-03-10"
		err := s.App.DB.Tx(ctx, func(ctx context.Context) error {
			var ins []student.Insert
			for i, acc := range []int64{left.ID, teacher.ID} {
				r := student.Record{EleveID: fmt.Sprint(3000 + i), LastName: "X", FirstName: "Y", Status: student.StatusDeactivated, ExitDate: exit, INEStatus: "missing"}
				ins = append(ins, student.Insert{Record: &r, AccountID: acc, NouvelEleve: student.NouvelSettled})
			}
			_, err := student.Apply(ctx, s.App.DB, w.a, ins, nil, s.Clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		paris := func(date string) time.Time {
			d, err := time.ParseInLocation("2006-01-02 15:04", date, calendar.Paris)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		for _, tc := range []struct {
			name    string
			account int64
			now     time.Time
			mode    string
		}{
			{"an active student", w.zoe.ID, paris("2026-12-01 10:00"), authz.AccessFull},
			{"left, the next day", left.ID, paris("2026-03-11 10:00"), authz.AccessPassportOnly},
			{"left, the last day", left.ID, paris("2026-06-09 23:59"), authz.AccessPassportOnly},
			{"left, three months after", left.ID, paris("2026-06-10 00:00"), authz.AccessEnded},
			{"left, but a teacher elsewhere", teacher.ID, paris("2026-12-01 10:00"), authz.AccessFull},
			{"no student record", 987654, paris("2026-12-01 10:00"), authz.AccessFull},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.App.Students.AccessMode(ctx, tc.account, tc.now)
				if err != nil || got.Mode != tc.mode {
					t.Errorf("mode %v, %v; want %v", got.Mode, err, tc.mode)
				}
			})
		}
	})
}

// TestSearchKey: the stored search key folds case, accents and ligatures, and keeps
// words apart.
func TestSearchKey(t *testing.T) {
	for in, want := range map[string]string{
		"Zoé N'DIAYE-Œuvray": "zoe n diaye oeuvray",
		"  LÉA   dUrAnd ":    "lea durand",
		"Ægir Straße 12":     "aegir strasse 12",
		"":                   "",
		"---":                "",
	} {
		if got := student.SearchKey(in); got != want {
			t.Errorf("SearchKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestApplyKeepsTheIndex: the shared index of deactivated students follows what Apply
// writes: a student created or updated deactivated with an unqid is in it, under his
// exit date and MEF; reactivated, or with another unqid, he leaves it; two entries of
// one unqid in one call leave the last (an import never gives two, a benchmark may).
func TestApplyKeepsTheIndex(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		ctx := context.Background()
		db, now := s.App.DB, s.Clock.Now()
		index := func(unqids ...string) map[string]student.Departure {
			t.Helper()
			list, err := student.Departures(ctx, db, unqids)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]student.Departure{}
			for _, d := range list {
				out[d.Unqid] = d
			}
			return out
		}
		// 1004 left (newWorld): in the index, with his names for the match.
		if d, ok := index("u-1004")["u-1004"]; !ok || d.StudentID != w.ids["1004"] || d.OriginUAI != w.a.UAI || d.LastName != "N'DIAYE-ŒUVRAY" || d.MEF != "24725003110" {
			t.Fatalf("1004 in the index: %+v, %v", d, ok)
		}
		apply := func(ins []student.Insert, ups []student.Update) []int64 {
			t.Helper()
			var ids []int64
			err := db.Tx(ctx, func(ctx context.Context) error {
				var err error
				ids, err = student.Apply(ctx, db, w.a, ins, ups, now)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		stored := map[string]student.Stored{}
		if err := student.EachStored(ctx, db, w.a.ID, func(x student.Stored) error { stored[x.EleveID] = x; return nil }); err != nil {
			t.Fatal(err)
		}
		back, gone, changed := stored["1004"], stored["1001"], stored["1002"]
		// 1002 left under another INE first: in the index under it.
		oldINE := changed.Record
		oldINE.Status, oldINE.ExitDate, oldINE.Unqid = student.StatusDeactivated, "2026-06-30", "u-old"
		apply(nil, []student.Update{{ID: changed.ID, Old: &changed.Record, New: &oldINE}})
		if _, ok := index("u-old")["u-old"]; !ok {
			t.Fatal("1002 left, not in the index")
		}
		backNew, goneNew, changedNew := back.Record, gone.Record, oldINE
		backNew.Status, backNew.ExitDate = student.StatusActive, ""
		goneNew.Status, goneNew.ExitDate = student.StatusDeactivated, "2026-06-30"
		changedNew.Unqid = "u-1002"
		twin1 := student.Record{EleveID: "5001", LastName: "A", FirstName: "B", Status: student.StatusDeactivated, ExitDate: "2026-01-01", Unqid: "u-twin", INEStatus: "ok"}
		twin2 := twin1
		twin2.EleveID, twin2.ExitDate = "5002", "2026-02-01"
		ids := apply([]student.Insert{{Record: &twin1, NouvelEleve: student.NouvelSettled}, {Record: &twin2, NouvelEleve: student.NouvelSettled}},
			[]student.Update{{ID: back.ID, Old: &back.Record, New: &backNew}, {ID: gone.ID, Old: &gone.Record, New: &goneNew},
				{ID: changed.ID, Old: &oldINE, New: &changedNew}})
		got := index("u-1004", "u-1001", "u-old", "u-1002", "u-twin")
		if _, ok := got["u-1004"]; ok {
			t.Error("reactivated, 1004 is still in the index")
		}
		if d, ok := got["u-1001"]; !ok || d.StudentID != gone.ID || d.DeactivatedOn != "2026-06-30" {
			t.Errorf("1001 left: %+v, %v", d, ok)
		}
		if _, ok := got["u-old"]; ok {
			t.Error("an unqid no student holds any more is still in the index")
		}
		if d, ok := got["u-1002"]; !ok || d.StudentID != changed.ID {
			t.Errorf("1002 under his new INE: %+v, %v", d, ok)
		}
		if d, ok := got["u-twin"]; !ok || d.StudentID != ids[1] || d.DeactivatedOn != "2026-02-01" {
			t.Errorf("two of one unqid: %+v, %v (ids %v)", d, ok, ids)
		}
	})
}

// TestJobsFunctions: what the transfer job and the purge call — the wait's end and the
// index entry taken once each (compare-and-sets), the students who left before a date,
// their deletion with their index entries, the accounts still named.
func TestJobsFunctions(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		ctx := context.Background()
		db, now := s.App.DB, s.Clock.Now()
		for i, want := range []bool{true, false} {
			if ok, err := student.EndWait(ctx, db, w.ids["1003"], "2026-01-15", now); err != nil || ok != want {
				t.Errorf("end of the wait, %d: %v, %v", i+1, ok, err)
			}
		}
		if ok, err := student.EndWait(ctx, db, w.ids["1001"], student.NouvelSettled, now); err != nil || ok {
			t.Errorf("the wait of a settled student: %v, %v", ok, err)
		}
		waiting, err := student.WaitingIn(ctx, db, w.a.ID)
		if err != nil || len(waiting) != 0 {
			t.Errorf("still waiting: %+v, %v", waiting, err)
		}
		for i, want := range []bool{true, false} {
			if ok, err := student.Unindex(ctx, db, "u-1004", w.a.ID, w.ids["1004"]); err != nil || ok != want {
				t.Errorf("out of the index, %d: %v, %v", i+1, ok, err)
			}
		}
		today := s.Clock.Now().Format("2006-01-02")
		tomorrow := s.Clock.Now().AddDate(0, 0, 1).Format("2006-01-02")
		if x, err := student.ExpiredBefore(ctx, db, today, 0); err != nil || len(x) != 0 {
			t.Errorf("left before today: %+v, %v", x, err)
		}
		x, err := student.ExpiredBefore(ctx, db, tomorrow, 1)
		if err != nil || len(x) != 1 || x[0].ID != w.ids["1004"] || x[0].EstablishmentID != w.a.ID || x[0].AccountID != 0 {
			t.Fatalf("left before tomorrow: %+v, %v", x, err)
		}
		missing, err := student.Missing(ctx, db, w.a.ID, []int64{w.ids["1001"], w.ids["2001"], w.ids["1004"]})
		if err != nil || !slices.Equal(missing, []int64{w.ids["2001"]}) {
			t.Errorf("missing from A: %v, %v", missing, err)
		}
		linked, err := student.AccountLinks(ctx, db, []int64{w.noe.ID, w.zoe.ID, 987654})
		if err != nil || len(linked) != 2 || len(linked[w.noe.ID]) != 2 || !slices.Equal(linked[w.zoe.ID], []int64{w.a.ID}) {
			t.Errorf("accounts named: %v, %v", linked, err)
		}
		if err := db.Tx(ctx, func(ctx context.Context) error {
			return student.DeleteStudents(ctx, db, w.a.ID, []int64{w.ids["1001"], w.ids["2001"]})
		}); err != nil {
			t.Fatal(err)
		}
		people, err := student.People(ctx, db, []int64{w.ids["1001"], w.ids["2001"], w.ids["1002"]})
		if _, there := people[w.ids["1001"]]; err != nil || there || len(people) != 2 {
			t.Errorf("after deleting 1001 (and 2001 through A, which is not his): %v, %v", people, err)
		}
		if n, first, last, err := student.Span(ctx, db); err != nil || n != 4 || first != w.ids["1002"] || last != w.ids["2001"] {
			t.Errorf("span: %d %d…%d, %v", n, first, last, err)
		}
	})
}
