package stats

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Spread summarises one group of values: the five numbers a box chart
// draws, and the mean.
type Spread struct {
	Label  string  `json:"label"`
	Count  int     `json:"count"`
	Min    float64 `json:"min"`
	P25    float64 `json:"p25"`
	Median float64 `json:"median"`
	P75    float64 `json:"p75"`
	Max    float64 `json:"max"`
	Mean   float64 `json:"mean"`
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of sorted values by linear
// interpolation between the closest ranks: the position is q·(n−1), which
// is Hyndman & Fan's type 7, the default of NumPy, R and spreadsheet
// PERCENTILE, so the numbers match what a user computes by hand. It returns
// NaN for no values.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	q = min(max(q, 0), 1)
	pos := q * float64(n-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, n-1)
	frac := pos - float64(lo)
	return sorted[lo] + frac*(sorted[hi]-sorted[lo])
}

// spreadOf summarises values (in any order; the slice is sorted in place).
// No values give a zero Spread with only the label set.
func spreadOf(label string, values []float64) Spread {
	s := Spread{Label: label, Count: len(values)}
	if len(values) == 0 {
		return s
	}
	slices.Sort(values)
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	s.Min, s.Max = values[0], values[len(values)-1]
	s.P25, s.Median, s.P75 = Quantile(values, 0.25), Quantile(values, 0.5), Quantile(values, 0.75)
	s.Mean = sum / float64(len(values))
	return s
}

// maxGroups is how many groups a breakdown shows; the rest are merged into
// one "other" group so a chart stays readable with fifty models.
const maxGroups = 8

// grouper collects values under labels, in first-seen order.
type grouper struct {
	order  []string
	values map[string][]float64
}

func newGrouper() *grouper { return &grouper{values: map[string][]float64{}} }

func (g *grouper) add(label string, v float64) {
	if _, ok := g.values[label]; !ok {
		g.order = append(g.order, label)
	}
	g.values[label] = append(g.values[label], v)
}

// spreads returns one Spread per label, the largest groups first (ties by
// label), with groups past maxGroups merged into "N others".
func (g *grouper) spreads() []Spread {
	labels := slices.Clone(g.order)
	slices.SortFunc(labels, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(g.values[b]), len(g.values[a])), cmp.Compare(a, b))
	})
	out := make([]Spread, 0, min(len(labels), maxGroups))
	var rest []float64
	for i, l := range labels {
		if i < maxGroups-1 || len(labels) == maxGroups {
			out = append(out, spreadOf(l, slices.Clone(g.values[l])))
			continue
		}
		rest = append(rest, g.values[l]...)
	}
	if len(rest) > 0 {
		out = append(out, spreadOf(fmt.Sprintf("%d others", len(labels)-(maxGroups-1)), rest))
	}
	return out
}
