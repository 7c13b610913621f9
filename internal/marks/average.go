package marks

import (
	"math/big"
	"sort"
)

// The averages rule (decision 0024, docs/school-year.md):
//
//  1. A mark counts only when it is a number: ABS, DISP, NN and missing marks are left
//     out, of the numerator and of the denominator.
//  2. Each mark is brought to 20: value × 20 / out of.
//  3. A subject's average for a period is the mean of its marks brought to 20, each
//     weighted by its assessment's coefficient, computed exactly (fractions), then
//     rounded once to the hundredth, half up (12,345 → 12,35; 12,3449… → 12,34).
//  4. The general average is the mean of the pupil's subject averages AS ROUNDED (the
//     numbers the report card shows, so that anyone can recompute it from the card),
//     each weighted by its teaching service's coefficient; subjects without an average
//     are left out; rounded the same way.
//  5. The class average of a subject (or of the general average) is the plain mean of the
//     pupils' rounded averages, rounded the same way; min and max are the extreme
//     rounded averages. Pupils without an average are left out.
//  6. The rank (off by default) orders pupils by general average, highest first; equal
//     averages share the rank and the next rank skips (1, 2, 2, 4).

// Weighted is a mark with what weighs it: its assessment's "out of" and coefficient.
type Weighted struct {
	Mark  Mark
	OutOf int64 // hundredths
	Coef  int64 // hundredths
}

// Average is the weighted average of marks brought to 20 (rule 1–3), in hundredths of a
// point; ok is false when no mark counts.
func Average(ms []Weighted) (avg int64, ok bool) {
	num := new(big.Rat)
	var den int64
	t := new(big.Rat)
	for _, w := range ms {
		if !w.Mark.Counts() || w.OutOf <= 0 || w.Coef <= 0 {
			continue
		}
		// coef × value × 20 / outOf: value and outOf are both hundredths, so × 100 more
		// keeps the result in hundredths of a point (× the coefficient's hundredths).
		t.SetFrac64(w.Coef*w.Mark.Value*2000, w.OutOf)
		num.Add(num, t)
		den += w.Coef
	}
	if den == 0 {
		return 0, false
	}
	// num / den is in hundredths of a point: the coefficients' hundredths cancel.
	num.Quo(num, new(big.Rat).SetInt64(den))
	return roundHalfUp(num), true
}

// roundHalfUp rounds a non-negative fraction to the nearest integer, halves up.
func roundHalfUp(r *big.Rat) int64 {
	// floor((2·num + den) / (2·den))
	n := new(big.Int).Mul(r.Num(), big.NewInt(2))
	n.Add(n, r.Denom())
	d := new(big.Int).Mul(r.Denom(), big.NewInt(2))
	return n.Quo(n, d).Int64()
}

// WeightedAverage is the mean of averages (hundredths) weighted by coefficients
// (hundredths), rounded half up (rule 4); ok is false when the list is empty.
func WeightedAverage(avgs, coefs []int64) (int64, bool) {
	var num, den int64
	for i, a := range avgs {
		if coefs[i] <= 0 {
			continue
		}
		num += a * coefs[i]
		den += coefs[i]
	}
	if den == 0 {
		return 0, false
	}
	return roundHalfUp(big.NewRat(num, den)), true
}

// Stats are a class's figures for one average.
type Stats struct {
	N   int   `json:"n"` // pupils with an average
	Avg int64 `json:"avg"`
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

// ClassStats computes the class average, min and max of pupils' averages (rule 5).
func ClassStats(avgs []int64) Stats {
	if len(avgs) == 0 {
		return Stats{}
	}
	s := Stats{N: len(avgs), Min: avgs[0], Max: avgs[0]}
	var sum int64
	for _, a := range avgs {
		sum += a
		s.Min = min(s.Min, a)
		s.Max = max(s.Max, a)
	}
	s.Avg = roundHalfUp(big.NewRat(sum, int64(len(avgs))))
	return s
}

// Ranks ranks pupils by average, highest first, equal averages sharing a rank (rule 6).
func Ranks(avgs map[int64]int64) map[int64]int {
	ids := make([]int64, 0, len(avgs))
	for id := range avgs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if avgs[ids[i]] != avgs[ids[j]] {
			return avgs[ids[i]] > avgs[ids[j]]
		}
		return ids[i] < ids[j]
	})
	r := make(map[int64]int, len(ids))
	for i, id := range ids {
		if i > 0 && avgs[id] == avgs[ids[i-1]] {
			r[id] = r[ids[i-1]]
		} else {
			r[id] = i + 1
		}
	}
	return r
}

// Subject is a teaching service of a class for the period: its coefficient in the
// general average and its assessments.
type Subject struct {
	ServiceID   int64
	Coef        int64 // hundredths
	Assessments []AssessmentWeight
}

// AssessmentWeight is what an assessment weighs.
type AssessmentWeight struct {
	ID    int64
	OutOf int64
	Coef  int64
}

// Cell is a pupil's mark for an assessment.
type Cell struct {
	StudentID    int64
	AssessmentID int64
	Mark         Mark
}

// Results are the averages of a class for a period.
type Results struct {
	// Subject maps a pupil to a service to his subject average; a missing entry has no average.
	Subject map[int64]map[int64]int64
	// General maps a pupil to his general average.
	General map[int64]int64
	// SubjectStats maps a service to the class's figures; GeneralStats is the general average's.
	SubjectStats map[int64]Stats
	GeneralStats Stats
	// Rank maps a pupil to his rank, when asked for.
	Rank map[int64]int
}

// Compute computes the averages of pupils for subjects from their marks (rules 1–6).
// Marks of pupils not in students, or of unknown assessments, are ignored.
func Compute(students []int64, subjects []Subject, cells []Cell, rank bool) Results {
	type key struct{ s, a int64 }
	marks := make(map[key]Mark, len(cells))
	for _, c := range cells {
		marks[key{c.StudentID, c.AssessmentID}] = c.Mark
	}
	res := Results{Subject: map[int64]map[int64]int64{}, General: map[int64]int64{}, SubjectStats: map[int64]Stats{}}
	perService := map[int64][]int64{}
	var generals []int64
	ws := []Weighted{}
	for _, st := range students {
		var avgs, coefs []int64
		for _, sub := range subjects {
			ws = ws[:0]
			for _, a := range sub.Assessments {
				if m, ok := marks[key{st, a.ID}]; ok {
					ws = append(ws, Weighted{Mark: m, OutOf: a.OutOf, Coef: a.Coef})
				}
			}
			avg, ok := Average(ws)
			if !ok {
				continue
			}
			if res.Subject[st] == nil {
				res.Subject[st] = map[int64]int64{}
			}
			res.Subject[st][sub.ServiceID] = avg
			perService[sub.ServiceID] = append(perService[sub.ServiceID], avg)
			avgs, coefs = append(avgs, avg), append(coefs, sub.Coef)
		}
		if g, ok := WeightedAverage(avgs, coefs); ok {
			res.General[st] = g
			generals = append(generals, g)
		}
	}
	for id, avgs := range perService {
		res.SubjectStats[id] = ClassStats(avgs)
	}
	res.GeneralStats = ClassStats(generals)
	if rank {
		res.Rank = Ranks(res.General)
	}
	return res
}
