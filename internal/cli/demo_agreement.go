package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/agreement"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/student"
)

// demoAgreements seeds the learning agreements in the demo's engineering school (issue
// 13): the third year's catalogue, the IP of 40 students, their agreements in every
// state (draft, submitted, to revise, validated, signed, transmitted, integrated,
// rejected, an amendment), adapted ones, the referent, disability office and pilotage
// accounts, and a student whose agreement is to revise.
func demoAgreements(ctx context.Context, app *App, ids map[string]int64) ([]demoLink, error) {
	op := authz.OperatorPrincipal()
	uai := demoGraduationUAI
	est, err := app.Establishments.Resolve(ctx, op, uai)
	if err != nil {
		return nil, err
	}
	e := est.ID
	today := calendar.Today(app.Now())
	year := today.Year()
	if today.Month() < 9 {
		year--
	}
	y := fmt.Sprint(year)
	var cat strings.Builder
	cat.WriteString("Année;Formation;Étape;Version étape;Semestre;Code UE;Libellé;ECTS;Nature;Capacité;Prérequis\n")
	for _, u := range []string{
		"5;ING5-01;Mécanique des milieux continus;6;obligatoire;;", "5;ING5-02;Automatique;6;obligatoire;;",
		"5;ING5-03;Anglais professionnel;6;obligatoire;;", "5;ING5-04;Gestion de projet;6;obligatoire;;",
		"5;ING5-05;Énergétique;6;optionnelle;;", "5;ING5-06;Robotique collaborative;6;optionnelle;10;ING5-02",
		"6;ING6-01;Projet de fin d'études;12;obligatoire;;", "6;ING6-02;Management;6;obligatoire;;",
		"6;ING6-03;Innovation;6;obligatoire;;", "6;ING6-04;Sport ou engagement;6;libre;;",
	} {
		cat.WriteString(y + ";ING;ING3;V1;" + u + "\n")
	}
	src := func(name, text string) agreement.Source {
		return agreement.Source{Name: name, R: strings.NewReader(text), Size: int64(len(text))}
	}
	if _, err := app.Agreements.ImportCatalogue(ctx, op, uai, src("catalogue.csv", cat.String()), false); err != nil {
		return nil, err
	}
	if _, err := app.Agreements.SaveSettings(ctx, op, uai, agreement.Settings{Programme: "ING", ECTSMin: 30, ECTSMax: 36,
		Deadline: today.AddDate(0, 0, 10).Format(calendar.DateLayout)}); err != nil {
		return nil, err
	}
	page, err := app.Students.List(ctx, op, uai, student.Filter{Status: student.StatusActive, Limit: 40})
	if err != nil {
		return nil, err
	}
	var ip strings.Builder
	ip.WriteString("year;student_number;programme;step;step_version;unit_code;result\n")
	for _, st := range page.Students {
		for _, u := range []string{"ING5-01", "ING5-02", "ING5-03", "ING5-04", "ING5-05", "ING6-01", "ING6-02", "ING6-03", "ING6-04"} {
			fmt.Fprintf(&ip, "%s;%s;ING;ING3;V1;%s;\n", y, st.EleveID, u)
		}
	}
	if _, err := app.Agreements.ImportEnrolments(ctx, op, uai, src("ip.csv", ip.String()), false); err != nil {
		return nil, err
	}
	var links []demoLink
	people := map[authz.Role]int64{}
	for _, a := range []struct {
		login, name, what string
		role              authz.Role
	}{
		{"referent.ing", "Hélène Vidal", "teacher-referent, engineering school (comments and proposes the learning agreements of his students)", authz.RoleReferent},
		{"handicap.ing", "Marc Olivier", "disability office, engineering school (only the adjustments of the students it follows)", authz.RoleDisabilityOffice},
		{"pilotage.ing", "Nadia Benali", "pilotage, engineering school (anonymous aggregates of the agreements, no cell under 5)", authz.RolePilotage},
	} {
		acc, enr, err := app.Accounts.Create(ctx, op, account.CreateInput{Login: a.login, DisplayName: a.name,
			Roles: []authz.Membership{{Role: a.role, EstablishmentID: e, UAI: uai}}})
		if err != nil {
			return nil, err
		}
		people[a.role] = acc.ID
		links = append(links, demoLink{login: a.login, what: a.what, url: enr.URL})
	}
	director := authz.OperatorPrincipal()
	director.Roles = append(director.Roles, authz.Membership{Role: authz.RoleProgrammeDirector, EstablishmentID: e, UAI: uai})
	statuses := []string{"oui-si", "employed", "disability", "athlete"}
	var signed []string
	var revise int64
	for i, st := range page.Students {
		in := agreement.StartInput{StudentID: st.ID, ProgrammeCode: "ING", Year: year, Kind: "standard"}
		if i%5 == 0 {
			in.Kind, in.Status = "adapted", statuses[(i/5)%len(statuses)]
		} else if i%11 == 3 {
			in.Kind = "mobility"
		}
		a, err := app.Agreements.Start(ctx, op, uai, in)
		if err != nil {
			return nil, err
		}
		disab := int64(0)
		if in.Status == "disability" {
			disab = people[authz.RoleDisabilityOffice]
		}
		if err := app.Agreements.Assign(ctx, op, uai, a.ID, people[authz.RoleReferent], disab); err != nil {
			return nil, err
		}
		edit := agreement.Edit{Units: []agreement.VersionUnit{{Code: "ING5-01"}, {Code: "ING5-02"}, {Code: "ING5-03"}, {Code: "ING5-04"},
			{Code: "ING5-05"}, {Code: "ING6-01"}, {Code: "ING6-02"}, {Code: "ING6-03"}, {Code: "ING6-04"}}}
		if i%3 == 0 {
			edit.Units[4] = agreement.VersionUnit{Code: "ING5-06"}
		}
		if i%4 == 1 {
			edit.Measures = []string{"tutoring"}
		}
		if in.Status == "disability" {
			edit.Adjustments = []string{"extra_exam_time", "adapted_schedule"}
		}
		if in.Status == "employed" {
			edit.Adjustments = []string{"no_attendance"}
		}
		if i%3 == 0 && i/3 >= 10 {
			edit.Units[4] = agreement.VersionUnit{Code: "ING5-05"} // Robotique is full
		}
		if _, err := app.Agreements.SetContent(ctx, op, uai, a.ID, edit); err != nil {
			return nil, err
		}
		acc, err := app.Graduation.AccountOf(ctx, st.ID)
		if err != nil {
			return nil, err
		}
		self := &authz.Principal{AccountID: acc, Login: st.Login, Roles: []authz.Membership{{Role: authz.RoleStudent, EstablishmentID: e, UAI: uai}}}
		steps := map[int][]struct {
			p      *authz.Principal
			act    agreement.Action
			reason string
		}{
			1: {{self, agreement.Submit, ""}},
			2: {{self, agreement.Submit, ""}, {director, agreement.Revise, "Ajoutez l'UE de robotique si une place se libère, et précisez votre projet de fin d'études."}},
			3: {{self, agreement.Submit, ""}, {director, agreement.Validate, ""}},
			4: {{self, agreement.Submit, ""}, {director, agreement.Validate, ""}, {self, agreement.Sign, ""}, {director, agreement.Sign, ""}},
		}
		n := i % 8
		if n > 4 {
			n = 4 // signed, then transmitted, integrated or rejected by the registrar files below
		}
		for _, s := range steps[n] {
			if _, err := app.Agreements.Act(ctx, s.p, uai, a.ID, s.act, s.reason); err != nil {
				return nil, fmt.Errorf("agreement %d %s: %w", i, s.act, err)
			}
		}
		if n == 2 && revise == 0 {
			revise = acc
		}
		if i%8 > 4 {
			v, err := app.Agreements.Get(ctx, op, uai, a.ID)
			if err != nil {
				return nil, err
			}
			switch i % 8 {
			case 6:
				signed = append(signed, v.Current().UID+";intégré;")
			case 7:
				signed = append(signed, v.Current().UID+";rejeté;UE ING5-05 non ouverte à l'inscription pédagogique cette année")
			}
		}
	}
	// The registrar file transmits the signed versions; its acknowledgement integrates
	// or rejects some of them.
	var file bytes.Buffer
	if _, err := app.Agreements.Export(ctx, op, uai, year, &file); err != nil {
		return nil, err
	}
	ack := "version_uid;statut;motif\n" + strings.Join(signed, "\n") + "\n"
	if _, err := app.Agreements.Acknowledge(ctx, op, uai, src("accuse.csv", ack), false); err != nil {
		return nil, err
	}
	if revise != 0 {
		enr, err := app.Accounts.Reissue(ctx, op, revise)
		if err != nil {
			return nil, err
		}
		links = append(links, demoLink{login: enr.Login, what: "student, engineering school (learning agreement to revise)", url: enr.URL})
	}
	return links, nil
}
