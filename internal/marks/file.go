package marks

import (
	"context"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/schoolyear"
)

// FileSection is the marks' part of a pupil's file (schoolyear.FileSections, set in
// app.New): his general average of every period of his current class, and whether its
// report card is out (for himself: published; for staff: locked). It runs after the
// school year granted the access (and audited a staff read).
func (s *Service) FileSection(ctx context.Context, p *authz.Principal, e establishment.Establishment, studentID int64, self bool) (*schoolyear.FileSection, error) {
	classes, err := s.year.PupilClasses(ctx, e.ID, studentID)
	if err != nil || len(classes) == 0 {
		return nil, err
	}
	today := calendar.Date(s.now())
	mc, err := s.myClass(ctx, e, studentID, classes[0], today)
	if err != nil {
		return nil, err
	}
	sec := &schoolyear.FileSection{TitleKey: "marks.file.title"}
	for _, mp := range mc.Periods {
		v := "—"
		if mp.HasGeneral {
			v = FormatAverage(mp.General, "fr")
		}
		lk, err := s.lock(ctx, e.ID, mp.Period.ID, mc.Class.ID)
		if err != nil {
			return nil, err
		}
		sec.Rows = append(sec.Rows, schoolyear.FileRow{Label: mp.Period.Label + " — " + mc.Class.Name, Value: v})
		if lk.Published(today) || (lk.Locked && !self && lk.PublishOn != "") {
			sec.Rows = append(sec.Rows, schoolyear.FileRow{LabelKey: "marks.file.published", Value: lk.PublishOn})
		}
	}
	if self {
		sec.Links = []schoolyear.FileLink{{TextKey: "marks.mine.link", Href: "/me/marks"}}
	} else {
		sec.Links = []schoolyear.FileLink{{TextKey: "marks.link", Href: "/establishments/" + e.UAI + "/marks"}}
	}
	return sec, nil
}
