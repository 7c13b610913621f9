package establishment_test

import (
	"context"
	"slices"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
)

func ptr[T any](v T) *T { return &v }

// two creates establishments A (0691234S) and B (0381234K).
func two(t *testing.T, s *apptest.Server) (a, b establishment.Establishment) {
	t.Helper()
	ctx := context.Background()
	var err error
	if a, err = s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: "0691234S", Name: ptr("Lycée des Canuts"), Academie: ptr("Lyon")}); err != nil {
		t.Fatal(err)
	}
	if b, err = s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: "0381234k", Name: ptr("Lycée du Vercors"), TransfersSend: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	return a, b
}

func principal(roles ...authz.Membership) *authz.Principal {
	return &authz.Principal{AccountID: 42, Login: "someone", Roles: roles}
}

func role(r authz.Role, e establishment.Establishment) authz.Membership {
	return authz.Membership{Role: r, EstablishmentID: e.ID, UAI: e.UAI}
}

// TestCreate: the UAI is checked and normalised, a name is required, a UAI is taken
// once, both transfer consents are off unless given, and the creation is audited.
func TestCreate(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		a, b := two(t, s)
		if b.UAI != "0381234K" || b.TransfersSend != true || b.TransfersReceive != false || a.TransfersSend || a.TransfersReceive || a.Academie != "Lyon" {
			t.Errorf("created: %+v, %+v", a, b)
		}
		for _, tc := range []struct {
			name string
			in   establishment.Input
			code string
			kind apperr.Kind
		}{
			{"bad check letter", establishment.Input{UAI: "0691234A", Name: ptr("X")}, "invalid_uai", apperr.KindInvalid},
			{"too short", establishment.Input{UAI: "069123", Name: ptr("X")}, "invalid_uai", apperr.KindInvalid},
			{"no name", establishment.Input{UAI: "0382032C"}, "invalid_name", apperr.KindInvalid},
			{"blank name", establishment.Input{UAI: "0382032C", Name: ptr("   ")}, "invalid_name", apperr.KindInvalid},
			{"taken, in lower case", establishment.Input{UAI: "0691234s", Name: ptr("Autre")}, "uai_taken", apperr.KindConflict},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.App.Establishments.Create(ctx, authz.Operator, tc.in)
				if apperr.CodeOf(err) != tc.code || apperr.KindOf(err) != tc.kind {
					t.Errorf("got %v, want %s", err, tc.code)
				}
			})
		}
		events, err := s.App.Audit.List(ctx, audit.Filter{Action: audit.EstablishmentChange, EstablishmentID: b.ID})
		if err != nil || len(events) != 1 || events[0].Detail["op"] != "create" || events[0].Detail["uai"] != "0381234K" ||
			events[0].Detail["transfers_send"] != true || events[0].ActorLogin != authz.Operator.Login {
			t.Errorf("creation events: %+v, %v", events, err)
		}
		list, err := s.App.Establishments.List(ctx)
		if err != nil || len(list) != 2 || list[0].UAI != "0381234K" || list[1].UAI != "0691234S" {
			t.Errorf("list (by UAI): %+v, %v", list, err)
		}
		got, err := s.App.Establishments.ByIDs(ctx, []int64{b.ID, 999999, b.ID, a.ID})
		if err != nil || len(got) != 2 || got[a.ID].Name != "Lycée des Canuts" || got[b.ID].UAI != "0381234K" {
			t.Errorf("ByIDs: %+v, %v", got, err)
		}
	})
}

// TestResolve: an establishment is seen by the platform administrators and by whoever
// holds a role in it; asked for given roles, another role there is refused; everybody
// else gets the answer a UAI that does not exist gets, so UAIs cannot be probed.
func TestResolve(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		a, b := two(t, s)
		root := principal(authz.Membership{Role: authz.RolePlatformAdmin})
		for _, tc := range []struct {
			name  string
			p     *authz.Principal
			uai   string
			roles []authz.Role
			code  string // "" when resolved
		}{
			{"platform admin", root, a.UAI, []authz.Role{authz.RoleAdmin}, ""},
			{"platform admin, lower case", root, "0691234s", nil, ""},
			{"platform admin, no such UAI", root, "0382032C", nil, "establishment_not_found"},
			{"teacher, any role", principal(role(authz.RoleTeacher, a)), a.UAI, nil, ""},
			{"teacher, teachers or admins", principal(role(authz.RoleTeacher, a)), a.UAI, []authz.Role{authz.RoleAdmin, authz.RoleTeacher}, ""},
			{"teacher, admins only", principal(role(authz.RoleTeacher, a)), a.UAI, []authz.Role{authz.RoleAdmin}, "forbidden"},
			{"admin here, teacher there", principal(role(authz.RoleAdmin, b), role(authz.RoleTeacher, a)), a.UAI, []authz.Role{authz.RoleAdmin}, "forbidden"},
			// Two roles in one establishment: the second counts as well as the first.
			{"teacher and jury, jury asked", principal(role(authz.RoleTeacher, a), role(authz.RoleJury, a)), a.UAI, []authz.Role{authz.RoleJury}, ""},
			{"jury and teacher, jury asked", principal(role(authz.RoleJury, a), role(authz.RoleTeacher, a)), a.UAI, []authz.Role{authz.RoleJury}, ""},
			{"teacher and jury, admins only", principal(role(authz.RoleTeacher, a), role(authz.RoleJury, a)), a.UAI, []authz.Role{authz.RoleAdmin}, "forbidden"},
			{"admin of another", principal(role(authz.RoleAdmin, b)), a.UAI, nil, "establishment_not_found"},
			{"no role", principal(), a.UAI, nil, "establishment_not_found"},
			{"no role, no such UAI", principal(), "0382032C", nil, "establishment_not_found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e, err := s.App.Establishments.Resolve(ctx, tc.p, tc.uai, tc.roles...)
				if tc.code == "" {
					if err != nil || e.ID != a.ID {
						t.Errorf("got %+v, %v", e, err)
					}
					return
				}
				if apperr.CodeOf(err) != tc.code || e.ID != 0 {
					t.Errorf("got %+v, %v; want %s", e, err, tc.code)
				}
			})
		}
	})
}

// TestVisible: the establishments a principal may pick from.
func TestVisible(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		a, b := two(t, s)
		for _, tc := range []struct {
			name string
			p    *authz.Principal
			want []string
		}{
			{"platform admin", principal(authz.Membership{Role: authz.RolePlatformAdmin}), []string{b.UAI, a.UAI}},
			{"two roles in one", principal(role(authz.RoleAdmin, a), role(authz.RoleTeacher, a)), []string{a.UAI}},
			{"roles in both", principal(role(authz.RoleStudent, a), role(authz.RoleTeacher, b)), []string{b.UAI, a.UAI}},
			{"none", principal(), []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				list, err := s.App.Establishments.Visible(ctx, tc.p)
				got := []string{}
				for _, e := range list {
					got = append(got, e.UAI)
				}
				if err != nil || !slices.Equal(got, tc.want) {
					t.Errorf("got %v, %v; want %v", got, err, tc.want)
				}
			})
		}
	})
}

// TestSettingsAndConsents: an establishment's administrators may rename it and give or
// withdraw its transfer consents; only a platform administrator may change its
// académie or kind; nobody else changes anything; each change is audited with what it
// was and what it became, and what was not given stays.
func TestSettingsAndConsents(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		a, b := two(t, s)
		admin := principal(role(authz.RoleAdmin, a))
		root := principal(authz.Membership{Role: authz.RolePlatformAdmin})
		for _, tc := range []struct {
			name string
			p    *authz.Principal
			in   establishment.Input
			code string // of the refusal
			want func(e establishment.Establishment) bool
			diff map[string]any // the audited changes
		}{
			{"admin gives both consents", admin, establishment.Input{UAI: a.UAI, TransfersSend: ptr(true), TransfersReceive: ptr(true)}, "",
				func(e establishment.Establishment) bool {
					return e.TransfersSend && e.TransfersReceive && e.Name == "Lycée des Canuts" && e.Academie == "Lyon"
				},
				map[string]any{"transfers_send": map[string]any{"from": false, "to": true}, "transfers_receive": map[string]any{"from": false, "to": true}}},
			{"admin withdraws sending, renames", admin, establishment.Input{UAI: "0691234s", Name: ptr(" Lycée des Canuts (Lyon) "), TransfersSend: ptr(false)}, "",
				func(e establishment.Establishment) bool {
					return !e.TransfersSend && e.TransfersReceive && e.Name == "Lycée des Canuts (Lyon)"
				},
				map[string]any{"name": map[string]any{"from": "Lycée des Canuts", "to": "Lycée des Canuts (Lyon)"}, "transfers_send": map[string]any{"from": true, "to": false}}},
			{"admin may not change the académie", admin, establishment.Input{UAI: a.UAI, Academie: ptr("Grenoble")}, "forbidden", nil, nil},
			{"admin may not blank the name", admin, establishment.Input{UAI: a.UAI, Name: ptr(" ")}, "invalid_name", nil, nil},
			{"teacher may not", principal(role(authz.RoleTeacher, a)), establishment.Input{UAI: a.UAI, TransfersSend: ptr(true)}, "forbidden", nil, nil},
			{"admin of another establishment", principal(role(authz.RoleAdmin, b)), establishment.Input{UAI: a.UAI, TransfersSend: ptr(true)}, "establishment_not_found", nil, nil},
			{"platform admin changes the kind", root, establishment.Input{UAI: a.UAI, Kind: ptr("lycée professionnel")}, "",
				func(e establishment.Establishment) bool {
					return e.Kind == "lycée professionnel" && e.TransfersReceive
				},
				map[string]any{"kind": map[string]any{"from": "", "to": "lycée professionnel"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, err := s.App.Audit.List(ctx, audit.Filter{Action: audit.EstablishmentChange, EstablishmentID: a.ID})
				if err != nil {
					t.Fatal(err)
				}
				was, _ := s.App.Establishments.ByID(ctx, a.ID)
				e, err := s.App.Establishments.UpdateAs(ctx, tc.p, tc.in)
				after, _ := s.App.Audit.List(ctx, audit.Filter{Action: audit.EstablishmentChange, EstablishmentID: a.ID})
				stored, _ := s.App.Establishments.ByID(ctx, a.ID)
				if tc.code != "" {
					if apperr.CodeOf(err) != tc.code || len(after) != len(before) || stored != was {
						t.Errorf("got %v (%d new events, %+v stored); want %s and nothing changed", err, len(after)-len(before), stored, tc.code)
					}
					return
				}
				if err != nil || !tc.want(e) || stored != e {
					t.Fatalf("got %+v, %v; stored %+v", e, err, stored)
				}
				if len(after) != len(before)+1 {
					t.Fatalf("%d new events, want 1", len(after)-len(before))
				}
				ev := after[0]
				if ev.Detail["op"] != "update" || ev.ActorLogin != tc.p.Login || ev.ActorID == nil || *ev.ActorID != tc.p.AccountID {
					t.Errorf("event %+v", ev)
				}
				for k, v := range tc.diff {
					got, _ := ev.Detail[k].(map[string]any)
					want := v.(map[string]any)
					if got["from"] != want["from"] || got["to"] != want["to"] {
						t.Errorf("audited %s: %v, want %v", k, ev.Detail[k], v)
					}
				}
				for _, k := range []string{"name", "academie", "kind", "transfers_send", "transfers_receive"} {
					if _, changed := tc.diff[k]; !changed && ev.Detail[k] != nil {
						t.Errorf("audited %s, which did not change: %v", k, ev.Detail[k])
					}
				}
			})
		}
	})
}
