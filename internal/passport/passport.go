package passport

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/student"
)

// build assembles the passport of the given student records (all of one person).
func (s *Service) build(ctx context.Context, records []student.Student) (*Passport, error) {
	p := &Passport{SchemaVersion: SchemaVersion, GeneratedAt: s.now().UTC(), Records: []Record{}}
	if len(records) == 0 {
		return p, nil
	}
	refs, err := s.competencies.Referentials(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*competency.Referential{}
	for i := range refs {
		byID[refs[i].ID] = &refs[i]
	}
	first := records[0]
	p.Student = Identity{Login: first.Login, LastName: first.LastName, UsageName: first.UsageName, BirthDate: first.BirthDate}
	for _, n := range []string{first.FirstName, first.FirstName2, first.FirstName3} {
		if n != "" {
			p.Student.FirstNames = append(p.Student.FirstNames, n)
		}
	}
	if p.Student.FirstNames == nil {
		p.Student.FirstNames = []string{}
	}
	for _, st := range records {
		e, err := s.establishments.ByID(ctx, st.EstablishmentID)
		if err != nil {
			return nil, err
		}
		rec := Record{UAI: e.UAI, EstablishmentName: e.Name, EleveID: st.EleveID, Class: st.Class, MEF: st.MEF, MEFLabel: st.MEFLabel,
			EntryDate: st.EntryDate, ExitDate: st.ExitDate, Status: st.Status, NouvelEleve: st.NouvelEleve,
			Evaluations: []Evaluation{}, Situations: []Situation{}}
		evs, err := s.competencies.Evaluations(ctx, st.EstablishmentID, st.ID)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			ref := byID[ev.ReferentialID]
			out := Evaluation{ID: ev.ID, Title: ev.Title, Date: ev.Date, Level: ev.Level, Diploma: ev.Diploma, Author: ev.Author,
				Comment: ev.Comment, Results: []Result{}}
			if ref != nil {
				out.DiplomaLabel = ref.Label
			}
			for _, r := range ev.Results {
				res := Result{Competency: r.Competency, Value: r.Value, ValueLabel: r.Value}
				if ref != nil {
					if c, ok := ref.Competency(r.Competency); ok {
						res.CompetencyLabel, res.Block, res.BlockLabel = c.Label, c.Block, c.BlockLabel
					}
					if rank, ok := ref.Rank(r.Value); ok {
						res.Rank, res.ValueLabel = rank, ref.Scale[rank].Label
					}
					res.ScaleSize = len(ref.Scale)
				}
				out.Results = append(out.Results, res)
			}
			rec.Evaluations = append(rec.Evaluations, out)
		}
		sits, err := s.situations(ctx, st.EstablishmentID, st.ID)
		if err != nil {
			return nil, err
		}
		for _, x := range sits {
			for i, c := range x.Competencies {
				for _, ref := range refs {
					if comp, ok := ref.Competency(c.Code); ok && ref.PreparedBy(st.MEF) {
						x.Competencies[i].Label = comp.Label
						break
					}
				}
			}
			rec.Situations = append(rec.Situations, x)
		}
		p.Records = append(p.Records, rec)
	}
	nameFiles(p)
	return p, nil
}

// nameFiles gives every attachment its path in the ZIP: its original name under the
// establishment's folder, with a number added when two files share a name.
func nameFiles(p *Passport) {
	used := map[string]bool{}
	for ri := range p.Records {
		rec := &p.Records[ri]
		for si := range rec.Situations {
			for ai := range rec.Situations[si].Attachments {
				a := &rec.Situations[si].Attachments[ai]
				dir := "fichiers/" + rec.UAI + "/"
				name := a.Name
				ext := path.Ext(name)
				base := strings.TrimSuffix(name, ext)
				for n := 2; used[dir+name]; n++ {
					name = fmt.Sprintf("%s (%d)%s", base, n, ext)
				}
				used[dir+name] = true
				a.Path = dir + name
			}
		}
	}
}

// ForStudent returns the passport of one student of an establishment, for the student
// himself or the staff of that establishment (audited). Staff see that establishment's
// record only: the records of other establishments are not theirs to see.
func (s *Service) ForStudent(ctx context.Context, p *authz.Principal, uai string, studentID int64) (*Passport, error) {
	st, staff, err := s.students.Lookup(ctx, p, uai, studentID)
	if err != nil {
		return nil, err
	}
	pp, err := s.build(ctx, []student.Student{st})
	if err != nil {
		return nil, err
	}
	if staff {
		if err := s.audit.Record(ctx, audit.Event{Action: audit.PassportProduced, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"student_id": st.ID}}); err != nil {
			return nil, err
		}
	}
	return pp, nil
}

// Mine returns the principal's own passport: every establishment where he is or was a
// student.
func (s *Service) Mine(ctx context.Context, p *authz.Principal) (*Passport, error) {
	records, err := s.students.Mine(ctx, p)
	if err != nil {
		return nil, err
	}
	pp, err := s.build(ctx, records)
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		pp.Student = Identity{Login: p.Login, LastName: p.DisplayName, FirstNames: []string{}}
	}
	// His own passport carries what other features keep of him (Extra); one produced
	// by staff does not: it is that establishment's record only.
	pp.owner = p.AccountID
	return pp, nil
}

// WriteZIP writes the passport ZIP: the PDF summary, the JSON file and every attached
// file under its original name. lang chooses the language of the PDF.
func (s *Service) WriteZIP(ctx context.Context, w io.Writer, pp *Passport, lang string) error {
	z := zip.NewWriter(w)
	// Every entry carries the passport's time: the same passport gives the same ZIP.
	header := func(name string) *zip.FileHeader {
		return &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: pp.GeneratedAt}
	}
	pdf, err := z.CreateHeader(header("passeport.pdf"))
	if err != nil {
		return err
	}
	if err := WritePDF(pdf, pp, PDFOptions{Lang: lang}); err != nil {
		return err
	}
	js, err := z.CreateHeader(header("passeport.json"))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(pp); err != nil {
		return err
	}
	for _, rec := range pp.Records {
		for _, x := range rec.Situations {
			for _, a := range x.Attachments {
				if err := s.copyBlob(ctx, z, a, pp.GeneratedAt); err != nil {
					return err
				}
			}
		}
	}
	if s.Extra != nil && pp.owner != 0 {
		files, err := s.Extra(ctx, pp.owner)
		if err != nil {
			return err
		}
		for _, f := range files {
			w, err := z.CreateHeader(header(f.Name))
			if err != nil {
				return err
			}
			if err := f.Write(ctx, w); err != nil {
				return err
			}
		}
	}
	return z.Close()
}

func (s *Service) copyBlob(ctx context.Context, z *zip.Writer, a Attachment, modified time.Time) error {
	rc, err := s.blobs.Open(ctx, a.SHA256)
	if err != nil {
		return fmt.Errorf("attachment %d: %w", a.ID, err)
	}
	defer rc.Close()
	// PDF and ZIP content is already compressed: stored as is.
	f, err := z.CreateHeader(&zip.FileHeader{Name: a.Path, Method: zip.Store, Modified: modified})
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		return fmt.Errorf("attachment %d: %w", a.ID, err)
	}
	return nil
}
