package cli

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
	"github.com/cartable/cartable/internal/transfer"
)

// demoMarker marks a directory made by `cartable demo`, which the next demo may wipe.
const demoMarker = ".cartable-demo"

func demoCmd() *cmd {
	return &cmd{name: "demo", summary: "serve a fresh demo (SQLite in ./cartable-demo) with demo establishments and accounts",
		run: func(ctx context.Context, r *runner, args []string) error {
			cfg := r.cfg
			if cfg.DataDir == config.Default().DataDir {
				cfg.DataDir = "./cartable-demo"
			}
			if err := freshDemoDir(cfg.DataDir); err != nil {
				return err
			}
			cfg.DB = "sqlite:" + filepath.Join(cfg.DataDir, "cartable.db")
			app, err := NewApp(ctx, cfg, r.log, Options{Migrate: true})
			if err != nil {
				return err
			}
			defer app.Close()
			links, err := seedDemo(ctx, app)
			if err != nil {
				return err
			}
			fmt.Fprintf(r.stdout, "\ncartable demo — data in %s\n\nOpen %s and enrol with one of these single-use links\n(install an authenticator app such as FreeOTP or Google Authenticator first):\n\n", cfg.DataDir, cfg.BaseURL)
			tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
			for _, l := range links {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.login, l.what, l.url)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(r.stdout, "\nStop with Ctrl-C. Run the demo again for a fresh start.\n\n")
			return app.Serve(ctx, nil)
		}}
}

// freshDemoDir empties a previous demo directory, refusing to touch anything else.
func freshDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s exists and was not made by `cartable demo`: choose another --data directory", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by cartable demo; removed by the next one\n"), 0o600)
}

type demoLink struct {
	login, what, url string
}

// demoEstablishments are invented establishments with valid UAIs.
var demoEstablishments = []struct {
	uai, name, academie, kind string
	send, receive             bool
}{
	{"0691234S", "Lycée professionnel des Canuts", "Lyon", "lycée professionnel", true, true},
	{"0381234K", "Lycée professionnel du Vercors", "Grenoble", "lycée professionnel", true, true},
	{"0442953W", "Lycée des métiers de l'Estuaire", "Nantes", "lycée professionnel", false, false},
}

// seedDemo creates the demo establishments and accounts and returns their enrolment links.
func seedDemo(ctx context.Context, app *App) ([]demoLink, error) {
	op := authz.OperatorPrincipal()
	ids := map[string]int64{}
	for _, d := range demoEstablishments {
		name, acad, kind := d.name, d.academie, d.kind
		send, recv := d.send, d.receive
		e, err := app.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: d.uai, Name: &name, Academie: &acad, Kind: &kind,
			TransfersSend: &send, TransfersReceive: &recv})
		if err != nil {
			return nil, err
		}
		ids[d.uai] = e.ID
	}
	accounts := []struct {
		login, name, what string
		roles             []authz.Membership
	}{
		{"demo.admin", "Administratrice de la plateforme", "platform administrator", []authz.Membership{{Role: authz.RolePlatformAdmin}}},
		{"admin.canuts", "Claire Martin", "administrator, Canuts (a transfer to confirm)", []authz.Membership{{Role: authz.RoleAdmin, EstablishmentID: ids["0691234S"], UAI: "0691234S"}}},
		{"prof.canuts", "Karim Benali", "teacher, Canuts (Mes classes: two assigned classes)", []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: ids["0691234S"], UAI: "0691234S"}}},
		{"inspecteur.demo", "Hélène Roussel", "inspector, Canuts + Vercors", []authz.Membership{
			{Role: authz.RoleInspector, EstablishmentID: ids["0691234S"], UAI: "0691234S"},
			{Role: authz.RoleInspector, EstablishmentID: ids["0381234K"], UAI: "0381234K"}}},
		{"admin.vercors", "Julien Favre", "administrator, Vercors", []authz.Membership{{Role: authz.RoleAdmin, EstablishmentID: ids["0381234K"], UAI: "0381234K"}}},
	}
	if _, err := LoadBuiltinReferentials(ctx, app); err != nil {
		return nil, err
	}
	// Students: generated SIECLE files of this school year, imported as an administrator
	// would. Vercors's file overlaps Canuts's: 40 students of Canuts are at Vercors too.
	now := app.Now()
	year := now.Year()
	if now.Month() < time.September {
		year--
	}
	files := []struct {
		uai            string
		first, n, left int
		previous       []string
	}{
		{"0691234S", 0, 600, 8, nil},
		{"0381234K", vercorsFirst, vercorsStudents, vercorsLeft, []string{"0691234S"}},
		{"0442953W", 2000, 300, 5, nil},
	}
	// The secondary schools' year, in semesters; their imports fill its classes.
	for _, uai := range demoSchoolYearUAIs {
		if _, err := app.SchoolYear.SaveYear(ctx, op, uai, schoolyear.YearInput{StartYear: year, PeriodKind: schoolyear.Semestre}); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		var nom, xml bytes.Buffer
		if err := siecle.GenerateNomenclature(&nom); err != nil {
			return nil, err
		}
		if _, err := app.Importer.Nomenclature(ctx, op, f.uai, importer.Source{Name: "Nomenclature.xml", R: bytes.NewReader(nom.Bytes()), Size: int64(nom.Len())}); err != nil {
			return nil, err
		}
		o := siecle.GenOptions{UAI: f.uai, Students: f.n, Seed: int64(f.first + 1), FirstIndex: f.first, LeftPercent: f.left, PreviousUAIs: f.previous, Year: year}
		if err := siecle.Generate(&xml, o); err != nil {
			return nil, err
		}
		if _, err := app.Importer.Siecle(ctx, op, f.uai, importer.Source{Name: "ElevesSansAdresses.xml", R: bytes.NewReader(xml.Bytes()), Size: int64(xml.Len())}, false); err != nil {
			return nil, err
		}
	}
	moved, err := demoTransfer(ctx, app, files[0].first, files[0].n, year)
	if err != nil {
		return nil, fmt.Errorf("demo transfer: %w", err)
	}
	var links []demoLink
	page, err := app.Students.List(ctx, op, "0691234S", student.Filter{Status: student.StatusActive, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(page.Students) > 0 {
		st := page.Students[0]
		if err := demoRecords(ctx, app, st); err != nil {
			return nil, err
		}
		enr, err := app.Accounts.Reissue(ctx, op, st.AccountID)
		if err != nil {
			return nil, err
		}
		links = append(links, demoLink{login: st.Login, what: "student, Canuts, " + st.Class, url: enr.URL})
	}
	if moved != 0 {
		st, _, err := app.Students.Lookup(ctx, op, "0381234K", moved)
		if err != nil {
			return nil, err
		}
		enr, err := app.Accounts.Reissue(ctx, op, st.AccountID)
		if err != nil {
			return nil, err
		}
		links = append(links, demoLink{login: st.Login, what: "student, Vercors, records from Canuts", url: enr.URL})
	}
	for _, a := range accounts {
		_, enr, err := app.Accounts.Create(ctx, op, account.CreateInput{Login: a.login, DisplayName: a.name, Roles: a.roles})
		if err != nil {
			return nil, err
		}
		links = append(links, demoLink{login: a.login, what: a.what, url: enr.URL})
	}
	for _, area := range demoAreas {
		more, err := area.seed(ctx, app, ids)
		if err != nil {
			return nil, fmt.Errorf("demo %s: %w", area.name, err)
		}
		links = append(links, more...)
	}
	return links, nil
}

// demoArea seeds one area of the product into the demo, after the establishments,
// students and accounts above (ids maps their UAIs to ids), and returns the enrolment
// links a visitor needs to try it. A new area is one file (demo_<area>.go) and one line
// here.
type demoArea struct {
	name string
	seed func(ctx context.Context, app *App, ids map[string]int64) ([]demoLink, error)
}

// demoAreas are seeded in this order.
var demoAreas = []demoArea{
	{"classes", demoClasses},
	{"graduation", demoGraduation},
	{"schoolyear", demoSchoolYear},
	{"marks", demoMarks},
	{"agreements", demoAgreements},
	{"notify", demoNotify},
}

// demoRecords gives the demo student's class two evaluations against the referential its
// MEF prepares, and the demo student a professional situation, so every page has
// something to show.
func demoRecords(ctx context.Context, app *App, st student.Student) error {
	op := authz.OperatorPrincipal()
	refs, err := app.Competencies.ForMEF(ctx, st.MEF)
	if err != nil || len(refs) == 0 {
		return err
	}
	ref := refs[0]
	page, err := app.Students.List(ctx, op, st.UAI, student.Filter{Class: st.Class, Status: student.StatusActive, Limit: 100})
	if err != nil {
		return err
	}
	for k, title := range []string{"Évaluation de début d'année", "Évaluation de mi-parcours"} {
		in := competency.Input{Title: title, Date: app.Now().AddDate(0, -2+k, 0).Format("2006-01-02"), Level: "seconde", Class: st.Class, Diploma: ref.Code}
		for i, x := range page.Students {
			for j, c := range ref.Competencies[:min(6, len(ref.Competencies))] {
				in.Results = append(in.Results, competency.Result{StudentID: x.ID, Competency: c.Code, Value: ref.Scale[min(len(ref.Scale)-1, (i+j+k*2)%len(ref.Scale))].Value})
			}
		}
		in.Comments = []competency.Comment{{StudentID: st.ID, Text: "Progrès nets depuis la rentrée ; soigner la présentation des documents."}}
		if _, err := app.Competencies.Create(ctx, op, st.UAI, in); err != nil {
			return err
		}
	}
	_, err = app.Passports.CreateSituation(ctx, op, st.UAI, st.ID, passport.SituationInput{Context: "PFMP", Period: "du 2 au 27 mars",
		Company: "Électricité Dupré & fils", Title: "Mise en service d'un tableau de distribution",
		Description:  "Lecture du schéma, câblage des départs, contrôle des continuités puis mise en service en présence du tuteur.",
		Competencies: []string{ref.Competencies[0].Code}})
	return err
}

// Vercors's generated file: its first person, its size and its share of students who
// left (its students from Canuts are the persons Canuts's file has too).
const (
	vercorsFirst    = 560
	vercorsStudents = 500
	vercorsLeft     = 4
)

// demoTransfer makes one student who has records at Canuts and has just arrived at
// Vercors leave Canuts, then runs the transfer job: both dashboards show the receipt and
// Vercors's students waiting. It returns his id at Vercors (0 when the generated files
// offer no such student).
func demoTransfer(ctx context.Context, app *App, first, n, year int) (int64, error) {
	op := authz.OperatorPrincipal()
	// A newcomer at Vercors who is still active at Canuts, preparing the same diploma,
	// whose Vercors file says he comes from Canuts (ancienRNE): his records move on
	// their own. The others would wait for Canuts's confirmation.
	canuts, err := app.Establishments.ByUAI(ctx, "0691234S")
	if err != nil {
		return 0, err
	}
	vercors, err := app.Establishments.ByUAI(ctx, "0381234K")
	if err != nil {
		return 0, err
	}
	cutoff := transfer.Retention.Before(app.Now()).Format("2006-01-02")
	arrived := map[string][]student.Waiting{} // Vercors's newcomers from Canuts, by unqid
	for after := int64(0); ; {
		batch, err := student.WaitingAfter(ctx, app.DB, after, 1000)
		if err != nil {
			return 0, err
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].ID
		for _, w := range batch {
			if w.EstablishmentID == vercors.ID && w.Unqid != "" && w.PreviousUAI == canuts.UAI && w.EntryDate >= cutoff {
				arrived[w.Unqid] = append(arrived[w.Unqid], w)
			}
		}
	}
	var left []student.Stored // still active at Canuts
	err = student.EachStored(ctx, app.DB, canuts.ID, func(x student.Stored) error {
		if x.Status == student.StatusActive && x.Unqid != "" && len(arrived[x.Unqid]) > 0 {
			left = append(left, x)
		}
		return nil
	})
	slices.SortFunc(left, func(a, b student.Stored) int { return cmp.Compare(a.ID, b.ID) })
	// Two of them leave Canuts: the first moves on his own; Vercors's file forgets where
	// the second comes from (no ancienRNE), so his move waits for Canuts's administrator,
	// who sees the request on his transfers page and confirms or refuses it.
	type pair struct {
		canuts  student.Stored
		vercors int64
	}
	var pairs []pair
	for _, a := range left {
		if len(pairs) == 1 && a.Class == pairs[0].canuts.Class {
			continue // one class, one set of demo evaluations
		}
		for _, b := range arrived[a.Unqid] {
			if a.BirthDate == b.BirthDate && siecle.SameDiploma(siecle.MEF(a.MEF), siecle.MEF(b.MEF)) {
				pairs = append(pairs, pair{a, b.ID})
				break
			}
		}
		if len(pairs) == 2 {
			break
		}
	}
	if err != nil || len(pairs) == 0 {
		return 0, err
	}
	exit := app.Now().AddDate(0, 0, -3).Format("02/01/2006")
	var canutsFile bytes.Buffer
	if err := siecle.Generate(&canutsFile, siecle.GenOptions{UAI: "0691234S", Students: n, Seed: int64(first + 1), FirstIndex: first, LeftPercent: 8, Year: year}); err != nil {
		return 0, err
	}
	data := canutsFile.Bytes()
	for _, p := range pairs {
		st, _, err := app.Students.Lookup(ctx, op, "0691234S", p.canuts.ID)
		if err != nil {
			return 0, err
		}
		if err := demoRecords(ctx, app, st); err != nil {
			return 0, err
		}
		// Canuts's next export gives him an exit date.
		re := regexp.MustCompile(`(?s)(<ELEVE ELEVE_ID="` + regexp.QuoteMeta(p.canuts.EleveID) + `".*?)(</ELEVE>)`)
		data = re.ReplaceAll(data, []byte("${1}<DATE_SORTIE>"+exit+"</DATE_SORTIE><CODE_MOTIF_SORTIE>19</CODE_MOTIF_SORTIE>${2}"))
	}
	if _, err := app.Importer.Siecle(ctx, op, "0691234S", importer.Source{Name: "ElevesSansAdresses.xml", R: bytes.NewReader(data), Size: int64(len(data))}, false); err != nil {
		return 0, err
	}
	if len(pairs) == 2 {
		st, _, err := app.Students.Lookup(ctx, op, "0381234K", pairs[1].vercors)
		if err != nil {
			return 0, err
		}
		var vercorsFile bytes.Buffer
		if err := siecle.Generate(&vercorsFile, siecle.GenOptions{UAI: "0381234K", Students: vercorsStudents, Seed: int64(vercorsFirst + 1), FirstIndex: vercorsFirst,
			LeftPercent: vercorsLeft, PreviousUAIs: []string{"0691234S"}, Year: year}); err != nil {
			return 0, err
		}
		re := regexp.MustCompile(`(?s)(<ELEVE ELEVE_ID="` + regexp.QuoteMeta(st.EleveID) + `".*?)<SCOLARITE_AN_DERNIER>.*?</SCOLARITE_AN_DERNIER>`)
		data := re.ReplaceAll(vercorsFile.Bytes(), []byte("${1}"))
		if _, err := app.Importer.Siecle(ctx, op, "0381234K", importer.Source{Name: "ElevesSansAdresses.xml", R: bytes.NewReader(data), Size: int64(len(data))}, false); err != nil {
			return 0, err
		}
	}
	vercorsID := pairs[0].vercors
	_, err = app.Jobs.Run(ctx, "transfer", "demo")
	return vercorsID, err
}
