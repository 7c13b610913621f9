package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
)

// demoGraduationUAI is the demo's school of higher education (an invented UAI).
const demoGraduationUAI = "0691999Y"

// demoProof is the PDF every demo proof holds.
const demoProof = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

var demoLastNames = []string{"Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
	"Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert",
	"Fontaine", "Rousseau", "Vincent", "Müller", "N'Diaye", "Nguyen", "Da Silva"}
var demoFirstNames = []string{"Léa", "Hugo", "Chloé", "Lucas", "Inès", "Louis", "Manon", "Gabriel", "Jade", "Arthur", "Zoé", "Raphaël",
	"Camille", "Adam", "Lina", "Nathan", "Éloïse", "Yanis", "Anaïs", "Noé"}

// demoGraduation seeds a school of higher education: a programme, a cohort of 150
// students brought by a registrar import (CSV), six graduation rules and items in every
// state, the office, programme director and jury accounts, and a student to try it.
func demoGraduation(ctx context.Context, app *App, ids map[string]int64) ([]demoLink, error) {
	op := authz.OperatorPrincipal()
	name, acad, kind, sector := "École d'ingénieurs de démonstration (Lyon)", "Lyon", "école d'ingénieurs", establishment.SectorHigher
	e, err := app.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: demoGraduationUAI, Name: &name, Academie: &acad, Kind: &kind, Sector: &sector})
	if err != nil {
		return nil, err
	}
	if _, err := app.Highered.SaveProgramme(ctx, op, e.UAI, highered.Programme{Code: "ING", Label: "Diplôme d'ingénieur généraliste", Level: "Bac+5", DurationYears: 3}); err != nil {
		return nil, err
	}
	today := calendar.Today(app.Now())
	day := func(n int) string { return today.AddDate(0, 0, n).Format(calendar.DateLayout) }
	jury := today.AddDate(0, 0, 150)
	c, err := app.Highered.SaveCohort(ctx, op, e.UAI, highered.CohortInput{ProgrammeCode: "ING", Code: fmt.Sprintf("ING-%d", jury.Year()),
		EntryYear: jury.Year() - 3, GraduationYear: jury.Year(), JuryDate: jury.Format(calendar.DateLayout)})
	if err != nil {
		return nil, err
	}
	// The registrar's export, as the school's software writes it.
	var csv strings.Builder
	csv.WriteString("N° étudiant;Nom;Prénom;Date de naissance;Courriel;Formation;Promotion;Année\n")
	for i := range 150 {
		last, first := demoLastNames[i%len(demoLastNames)], demoFirstNames[(i*7)%len(demoFirstNames)]
		fmt.Fprintf(&csv, "%d;%s;%s;%02d/%02d/%d;%s.%s%d@etu.example.org;ING;%s;3\n", 22100001+i, last, first, 1+i%28, 1+i%12, jury.Year()-23,
			strings.ToLower(demoASCII(first)), strings.ToLower(demoASCII(last)), i, c.Code)
	}
	body := csv.String()
	if _, err := app.Highered.Registrar(ctx, op, e.UAI, highered.RegistrarSource{Name: "export-scolarite.csv", R: strings.NewReader(body), Size: int64(len(body))},
		highered.RegistrarOptions{Full: true}); err != nil {
		return nil, err
	}
	rules := []graduation.Rule{
		{Code: "TOEIC", Label: "Anglais niveau B2 (TOEIC ≥ 785)", Category: "language", Proof: "Attestation TOEIC de moins de deux ans", Measure: "toeic", Threshold: 785,
			Mandatory: true, Deadline: day(105), ExemptionAllowed: true, ValidityMonths: 24, Position: 1},
		{Code: "STAGE", Label: "Stage ingénieur ≥ 12 semaines", Category: "internship", Proof: "Attestation de fin de stage", Measure: "weeks", Threshold: 12,
			Mandatory: true, Deadline: day(20), Position: 2},
		{Code: "MOBILITE", Label: "Mobilité internationale ≥ 1 semestre", Category: "mobility", Proof: "Attestation de l'établissement d'accueil", Measure: "semesters", Threshold: 1,
			Mandatory: true, Deadline: day(90), ExemptionAllowed: true, Position: 3},
		{Code: "ECTS", Label: "180 crédits ECTS", Category: "credits", Proof: "Relevé de notes de la scolarité", Measure: "ects", Threshold: 180,
			Mandatory: true, Deadline: day(136), Position: 4},
		{Code: "CHARTE", Label: "Charte informatique signée", Category: "other", Proof: "Charte signée", Mandatory: true, Deadline: day(-10), Position: 5},
		{Code: "ENGAGEMENT", Label: "Engagement associatif ou sportif", Category: "engagement", Proof: "Attestation du bureau des sports ou d'une association", Deadline: day(120), Position: 6},
	}
	for _, r := range rules {
		if _, err := app.Graduation.SaveRule(ctx, op, e.UAI, c.ID, r); err != nil {
			return nil, err
		}
	}
	members, err := app.Highered.Members(ctx, e.ID, c.ID)
	if err != nil {
		return nil, err
	}
	value := func(n int) *int { return &n }
	for i, m := range members {
		cl, err := app.Graduation.Checklist(ctx, op, e.UAI, m.StudentID)
		if err != nil {
			return nil, err
		}
		for _, it := range cl.Items {
			var steps []graduation.Change
			submit := graduation.Change{Action: graduation.Submit}
			validate := graduation.Change{Action: graduation.Validate}
			switch it.Rule.Code {
			case "TOEIC":
				submit.ProofDate = day(-200 - i)
				switch i % 10 {
				case 0, 1, 2, 3, 4, 5:
					validate.Value = value(800 + i)
					steps = []graduation.Change{submit, validate}
				case 6:
					submit.Value = value(700)
					steps = []graduation.Change{submit, {Action: graduation.Refuse, Value: value(700), Reason: "Score de 700 : il faut au moins 785."}}
				case 7:
					steps = []graduation.Change{submit}
				}
			case "STAGE":
				if i%7 != 3 {
					validate.Value = value(12 + i%10)
					steps = []graduation.Change{submit, validate}
				} else if i%2 == 0 {
					steps = []graduation.Change{submit}
				}
			case "MOBILITE":
				switch i % 9 {
				case 8:
					steps = []graduation.Change{{Action: graduation.Exempt, Reason: "Sportif de haut niveau : dispense accordée par le jury de programme."}}
				case 4:
				default:
					validate.Value = value(1 + i%2)
					steps = []graduation.Change{submit, validate}
				}
			case "ECTS":
				if i%5 != 2 {
					validate.Value = value(180)
					steps = []graduation.Change{submit, validate}
				}
			case "CHARTE":
				if i%15 != 5 {
					steps = []graduation.Change{submit, validate}
				}
			case "ENGAGEMENT":
				if i%3 == 0 {
					steps = []graduation.Change{submit}
				} else if i%3 == 1 {
					steps = []graduation.Change{{Action: graduation.Unconcern, Reason: "Apprenti : engagement non demandé."}}
				}
			}
			for _, ch := range steps {
				if ch.Action == graduation.Submit {
					_, err = app.Graduation.SubmitProof(ctx, op, e.UAI, m.StudentID, it.ID, "preuve-"+strings.ToLower(it.Rule.Code)+".pdf", bytes.NewReader([]byte(demoProof)), ch)
				} else {
					_, err = app.Graduation.Act(ctx, demoDirector(e, ch.Action), e.UAI, m.StudentID, it.ID, ch)
				}
				if err != nil {
					return nil, fmt.Errorf("student %d, %s, %s: %w", m.StudentID, it.Rule.Code, ch.Action, err)
				}
			}
		}
	}
	if _, err := app.Graduation.RunNightly(ctx); err != nil {
		return nil, err
	}
	// A draft of the jury's minutes for the session (the cohort page shows it; the jury
	// member completes it).
	if _, err := app.Graduation.SaveMinutes(ctx, op, e.UAI, c.ID, "", "Procès-verbal (brouillon) — jury de la promotion "+c.Code+".\n"+
		"Présents : le responsable de formation, trois enseignants, la scolarité.\nDélibérations : à compléter en séance."); err != nil {
		return nil, err
	}
	var links []demoLink
	for _, a := range []struct {
		login, name, what string
		role              authz.Role
	}{
		{"scolarite.demo", "Catherine Musy", "office of studies (scolarité), engineering school", authz.RoleOffice},
		{"direction.ing", "Paul Arnaud", "programme director, engineering school", authz.RoleProgrammeDirector},
		{"jury.ing", "Sophie Lemaire", "jury member (read-only but the jury's minutes on the cohort page), engineering school", authz.RoleJury},
	} {
		_, enr, err := app.Accounts.Create(ctx, op, account.CreateInput{Login: a.login, DisplayName: a.name,
			Roles: []authz.Membership{{Role: a.role, EstablishmentID: e.ID, UAI: e.UAI}}})
		if err != nil {
			return nil, err
		}
		links = append(links, demoLink{login: a.login, what: a.what, url: enr.URL})
	}
	// A student whose TOEIC was refused: he reads why and deposits a new proof.
	if len(members) > 6 {
		accs, err := app.Graduation.AccountOf(ctx, members[6].StudentID)
		if err != nil {
			return nil, err
		}
		enr, err := app.Accounts.Reissue(ctx, op, accs)
		if err != nil {
			return nil, err
		}
		links = append(links, demoLink{login: enr.Login, what: "student, engineering school (graduation checklist, a refused proof)", url: enr.URL})
	}
	return links, nil
}

// demoDirector is who performs a demo action: the operator, except an exemption, which
// only a programme director gives (the operator holds every role through platform-admin
// for the rest).
func demoDirector(e establishment.Establishment, a graduation.Action) *authz.Principal {
	p := authz.OperatorPrincipal()
	if a == graduation.Exempt {
		p.Roles = append(p.Roles, authz.Membership{Role: authz.RoleProgrammeDirector, EstablishmentID: e.ID, UAI: e.UAI})
	}
	return p
}

// demoASCII drops the accents of a name for an e-mail address.
func demoASCII(s string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ë", "e", "ï", "i", "ü", "u", "É", "E", "'", "", " ", "").Replace(s)
}
