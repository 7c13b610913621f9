package marks

import (
	"testing"

	"github.com/cartable/cartable/internal/apperr"
)

func num(v int64) Mark { return Mark{Value: v} }

func TestParseMark(t *testing.T) {
	for _, c := range []struct {
		in    string
		outOf int64
		want  Mark
		ok    bool
		code  string // error code, "" when none
	}{
		{"12,5", 2000, num(1250), true, ""},
		{"12.5", 2000, num(1250), true, ""},
		{" 7 ", 2000, num(700), true, ""},
		{"0", 2000, num(0), true, ""},
		{"20", 2000, num(2000), true, ""},
		{"19,75", 2000, num(1975), true, ""},
		{"8,05", 1000, num(805), true, ""},
		{"abs", 2000, Mark{Code: Absent}, true, ""},
		{"Disp", 2000, Mark{Code: Exempted}, true, ""},
		{"NN", 2000, Mark{Code: NotMarked}, true, ""},
		{"", 2000, Mark{}, false, ""},
		{"   ", 2000, Mark{}, false, ""},
		{"20,01", 2000, Mark{}, false, "mark_out_of_bounds"},
		{"11", 1000, Mark{}, false, "mark_out_of_bounds"},
		{"-1", 2000, Mark{}, false, "invalid_mark"},
		{"12,555", 2000, Mark{}, false, "invalid_mark"},
		{"12,", 2000, Mark{}, false, "invalid_mark"},
		{",5", 2000, Mark{}, false, "invalid_mark"},
		{"1e1", 2000, Mark{}, false, "invalid_mark"},
		{"12 5", 2000, Mark{}, false, "invalid_mark"},
		{"A", 2000, Mark{}, false, "invalid_mark"},
		{"12/20", 2000, Mark{}, false, "invalid_mark"},
		{"99999999", 2000, Mark{}, false, "invalid_mark"},
	} {
		m, ok, err := ParseMark(c.in, c.outOf)
		got := ""
		if err != nil {
			got = apperr.CodeOf(err)
		}
		if got != c.code {
			t.Errorf("ParseMark(%q): error %q (%v), want %q", c.in, got, err, c.code)
			continue
		}
		if m != c.want || ok != c.ok {
			t.Errorf("ParseMark(%q) = %+v, %v; want %+v, %v", c.in, m, ok, c.want, c.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		m      Mark
		fr, en string
	}{
		{num(1250), "12,5", "12.5"},
		{num(1225), "12,25", "12.25"},
		{num(1200), "12", "12"},
		{num(5), "0,05", "0.05"},
		{Mark{Code: Absent}, "ABS", "ABS"},
	} {
		if got := c.m.Format("fr"); got != c.fr {
			t.Errorf("%+v fr = %q, want %q", c.m, got, c.fr)
		}
		if got := c.m.Format("en"); got != c.en {
			t.Errorf("%+v en = %q, want %q", c.m, got, c.en)
		}
	}
	if got := FormatAverage(1250, "fr"); got != "12,50" {
		t.Errorf("FormatAverage = %q", got)
	}
	if got := FormatAverage(1207, "en"); got != "12.07" {
		t.Errorf("FormatAverage = %q", got)
	}
}

func TestAverage(t *testing.T) {
	w := func(v, outOf, coef int64) Weighted { return Weighted{Mark: num(v), OutOf: outOf, Coef: coef} }
	code := func(c Code) Weighted { return Weighted{Mark: Mark{Code: c}, OutOf: 2000, Coef: 100} }
	for _, c := range []struct {
		name string
		in   []Weighted
		want int64
		ok   bool
	}{
		// (12 + 15) / 2 = 13.5 → 13,50
		{"plain mean", []Weighted{w(1200, 2000, 100), w(1500, 2000, 100)}, 1350, true},
		// (12×1 + 15×2) / 3 = 42/3 = 14 → 14,00
		{"coefficient 2", []Weighted{w(1200, 2000, 100), w(1500, 2000, 200)}, 1400, true},
		// 7/10 → 14/20; (14 + 10) / 2 = 12 → 12,00
		{"out of 10", []Weighted{w(700, 1000, 100), w(1000, 2000, 100)}, 1200, true},
		// 13/40 → 6.5/20; 17/20; coefficients 0.5 and 1: (6.5×0.5 + 17×1) / 1.5 = 20.25/1.5 = 13.5 → 13,50
		{"out of 40, coefficient 0.5", []Weighted{w(1300, 4000, 50), w(1700, 2000, 100)}, 1350, true},
		// (10 + 11 + 11) / 3 = 32/3 = 10.6666… → 10,67 (rounded once, at the end)
		{"thirds round up", []Weighted{w(1000, 2000, 100), w(1100, 2000, 100), w(1100, 2000, 100)}, 1067, true},
		// (10 + 10 + 11) / 3 = 31/3 = 10.3333… → 10,33
		{"thirds round down", []Weighted{w(1000, 2000, 100), w(1000, 2000, 100), w(1100, 2000, 100)}, 1033, true},
		// (12.34 + 12.35) / 2 = 12.345 exactly → half up → 12,35
		{"half up", []Weighted{w(1234, 2000, 100), w(1235, 2000, 100)}, 1235, true},
		// 12.345 in floating point is 12.3449999…: a float computation rounds it to 12,34.
		// 8.23/15 → 8.23×20/15 = 10.973333…; 14.5/20; (10.97333… + 14.5) / 2 = 12.736666… → 12,74
		{"out of 15", []Weighted{w(823, 1500, 100), w(1450, 2000, 100)}, 1274, true},
		// ABS, DISP and NN count in neither numerator nor denominator: 9 alone → 9,00
		{"codes never count", []Weighted{w(900, 2000, 100), code(Absent), code(Exempted), code(NotMarked)}, 900, true},
		{"only codes", []Weighted{code(Absent), code(NotMarked)}, 0, false},
		{"nothing", nil, 0, false},
		// 0/20 counts: (0 + 20) / 2 = 10
		{"zero counts", []Weighted{w(0, 2000, 100), w(2000, 2000, 100)}, 1000, true},
		// (1/3 point… ) 0.01/20 and 0/20 → 0.005 → half up → 0,01
		{"smallest half", []Weighted{w(1, 2000, 100), w(0, 2000, 100)}, 1, true},
	} {
		got, ok := Average(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: Average = %d, %v; want %d, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestWeightedAverageAndStats(t *testing.T) {
	// Subject averages 12,50 (coef 3), 9,75 (coef 2), 15,00 (coef 1):
	// (37.5 + 19.5 + 15) / 6 = 72/6 = 12 → 12,00
	if g, ok := WeightedAverage([]int64{1250, 975, 1500}, []int64{300, 200, 100}); g != 1200 || !ok {
		t.Errorf("general = %d, %v; want 1200", g, ok)
	}
	// 10,01 ×1 + 10,02 ×2 = 30.05 / 3 = 10.016666… → 10,02
	if g, _ := WeightedAverage([]int64{1001, 1002}, []int64{100, 200}); g != 1002 {
		t.Errorf("general = %d; want 1002", g)
	}
	if _, ok := WeightedAverage(nil, nil); ok {
		t.Error("an empty general average exists")
	}
	// 8,00 + 12,00 + 13,01 = 33.01 / 3 = 11.00333… → 11,00; min 8, max 13,01
	s := ClassStats([]int64{800, 1200, 1301})
	if s != (Stats{N: 3, Avg: 1100, Min: 800, Max: 1301}) {
		t.Errorf("stats = %+v", s)
	}
	if s := ClassStats(nil); s != (Stats{}) {
		t.Errorf("empty stats = %+v", s)
	}
}

func TestRanks(t *testing.T) {
	r := Ranks(map[int64]int64{1: 1200, 2: 1500, 3: 1200, 4: 900})
	want := map[int64]int{2: 1, 1: 2, 3: 2, 4: 4}
	for id, w := range want {
		if r[id] != w {
			t.Errorf("rank of %d = %d, want %d", id, r[id], w)
		}
	}
}

func TestCompute(t *testing.T) {
	// Two subjects: maths (coef 3) with assessments 1 (/20, coef 1) and 2 (/10, coef 2);
	// French (coef 2) with assessment 3 (/20, coef 1).
	subjects := []Subject{
		{ServiceID: 10, Coef: 300, Assessments: []AssessmentWeight{{1, 2000, 100}, {2, 1000, 200}}},
		{ServiceID: 20, Coef: 200, Assessments: []AssessmentWeight{{3, 2000, 100}}},
	}
	cells := []Cell{
		// pupil 100: maths 12/20 and 8/10 (16/20): (12 + 32)/3 = 14.666… → 14,67; French 11 → 11,00
		// general: (14.67×3 + 11×2)/5 = (44.01 + 22)/5 = 13.202 → 13,20
		{100, 1, num(1200)}, {100, 2, num(800)}, {100, 3, num(1100)},
		// pupil 200: maths ABS and 5/10 (10/20): 10,00; French DISP: no average
		// general: maths alone → 10,00
		{200, 1, Mark{Code: Absent}}, {200, 2, num(500)}, {200, 3, Mark{Code: Exempted}},
		// pupil 300: nothing at all; pupil 999 is not in the class.
		{999, 1, num(2000)},
	}
	r := Compute([]int64{100, 200, 300}, subjects, cells, false)
	if r.Subject[100][10] != 1467 || r.Subject[100][20] != 1100 || r.General[100] != 1320 {
		t.Errorf("pupil 100: %v, general %d", r.Subject[100], r.General[100])
	}
	if r.Subject[200][10] != 1000 || len(r.Subject[200]) != 1 || r.General[200] != 1000 {
		t.Errorf("pupil 200: %v, general %d", r.Subject[200], r.General[200])
	}
	if _, ok := r.General[300]; ok || r.Subject[300] != nil {
		t.Errorf("pupil 300 has averages: %v", r.Subject[300])
	}
	// maths class: (14.67 + 10)/2 = 12.335 → 12,34; min 10, max 14,67
	if s := r.SubjectStats[10]; s != (Stats{N: 2, Avg: 1234, Min: 1000, Max: 1467}) {
		t.Errorf("maths stats %+v", s)
	}
	if s := r.SubjectStats[20]; s != (Stats{N: 1, Avg: 1100, Min: 1100, Max: 1100}) {
		t.Errorf("French stats %+v", s)
	}
	// general: (13.20 + 10.00)/2 = 11.60
	if r.GeneralStats != (Stats{N: 2, Avg: 1160, Min: 1000, Max: 1320}) {
		t.Errorf("general stats %+v", r.GeneralStats)
	}
	if r.Rank != nil {
		t.Error("ranks computed while off")
	}
	if r := Compute([]int64{100, 200, 300}, subjects, cells, true); r.Rank[100] != 1 || r.Rank[200] != 2 || r.Rank[300] != 0 {
		t.Errorf("ranks %v", r.Rank)
	}
}
