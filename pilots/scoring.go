package pilots

import (
	"fmt"
	"math"
	"slices"
)

// Scores of the built-in instruments and the statistics of the scale-up
// report. All functions here are pure; the report package decides which
// answers go in.

// SUS returns the System Usability Scale score (0..100) of one respondent's
// ten answers, each 1..5, in questionnaire order.
//
// Scoring per Brooke (1996), "SUS: a 'quick and dirty' usability scale":
// odd items are positively worded and contribute (answer-1), even items are
// negatively worded and contribute (5-answer); the sum (0..40) is multiplied
// by 2.5.
func SUS(items [10]int) (float64, error) {
	sum := 0
	for i, a := range items {
		if a < 1 || a > 5 {
			return 0, Errorf(EINVALID, "SUS item %d is %d, want 1..5", i+1, a)
		}
		if i%2 == 0 { // items 1, 3, 5, 7, 9
			sum += a - 1
		} else {
			sum += 5 - a
		}
	}
	return float64(sum) * 2.5, nil
}

// UMUXLite returns the UMUX-Lite score of one respondent's two answers, each
// 1..7: raw is ((item1-1)+(item2-1))/12*100 (0..100), and susEquivalent the
// regression-adjusted score comparable to SUS, 0.65*raw+22.9.
//
// Source: Lewis, Utesch & Maher (2013), "UMUX-LITE: when there's no time for
// the SUS", CHI 2013, which fits UMUX-LITEr = 0.65 × UMUX-LITE + 22.9.
func UMUXLite(item1, item2 int) (raw, susEquivalent float64, err error) {
	for i, a := range []int{item1, item2} {
		if a < 1 || a > 7 {
			return 0, 0, Errorf(EINVALID, "UMUX-Lite item %d is %d, want 1..7", i+1, a)
		}
	}
	raw = float64((item1-1)+(item2-1)) / 12 * 100
	return raw, UMUXLiteSUSEquivalent(raw), nil
}

// UMUXLiteSUSEquivalent maps a raw UMUX-Lite score (or a mean of them: the
// map is linear) to the SUS scale, 0.65*raw+22.9 (see UMUXLite).
func UMUXLiteSUSEquivalent(raw float64) float64 { return 0.65*raw + 22.9 }

// NPSResult is a Net Promoter Score with the counts behind it.
type NPSResult struct {
	Promoters  int     // answers 9..10
	Passives   int     // answers 7..8
	Detractors int     // answers 0..6
	N          int     // all answers
	Score      float64 // % promoters - % detractors, -100..100; 0 when N is 0
}

// NetPromoterScore returns the Net Promoter Score of answers on the 0..10 scale
// (Reichheld 2003, "The one number you need to grow"): the percentage of
// promoters (9..10) minus the percentage of detractors (0..6). With no
// answers the score is 0 and N is 0: callers must check N before trusting it.
// (Named so, not NPS, because NPS is the question type.)
func NetPromoterScore(scores []int) (NPSResult, error) {
	var counts [11]int
	for i, s := range scores {
		if s < 0 || s > 10 {
			return NPSResult{}, Errorf(EINVALID, "NPS answer %d is %d, want 0..10", i+1, s)
		}
		counts[s]++
	}
	return NPSOfCounts(counts), nil
}

// NPSOfCounts returns the Net Promoter Score of answers given as counts
// per point of the 0..10 scale (counts[v] answers of v), for callers that
// count as they stream, like the report.
func NPSOfCounts(counts [11]int) NPSResult {
	var r NPSResult
	for v, c := range counts {
		switch {
		case v >= 9:
			r.Promoters += c
		case v >= 7:
			r.Passives += c
		default:
			r.Detractors += c
		}
		r.N += c
	}
	if r.N > 0 {
		r.Score = 100 * float64(r.Promoters-r.Detractors) / float64(r.N)
	}
	return r
}

// Stats summarises a sample.
//
// For N < 2 there is no confidence interval: HasCI is false and CI95Low and
// CI95High equal Mean (a degenerate interval, not NaN, so the value always
// encodes as JSON). For N == 0 every field is zero. SD is 0 for N == 1.
type Stats struct {
	N        int
	Mean     float64
	Median   float64
	SD       float64 // sample standard deviation (n-1 in the denominator)
	Min, Max float64
	// The 95% confidence interval of the mean, from Student's t distribution
	// with N-1 degrees of freedom: Mean ± t(0.975, N-1)·SD/√N. This is the
	// interval Sauro & Lewis (2016, Quantifying the User Experience, ch. 3)
	// recommend for SUS means of small samples.
	CI95Low, CI95High float64
	HasCI             bool
}

// Summarize returns the statistics of xs. The values must be finite; NaN or
// infinities propagate into the result.
func Summarize(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	var r Running
	for _, x := range xs {
		r.Add(x)
	}
	return r.Stats(Median(xs))
}

// Median returns the median of xs (the mean of the two middle values for an
// even count), or 0 for no values. xs is not modified.
func Median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Running accumulates the statistics of a stream of values in constant
// memory, for reports over many responses. Mean and SD use Welford's
// algorithm (Welford 1962), which stays accurate where the textbook
// sum-of-squares formula cancels catastrophically. The median cannot be
// computed from a stream exactly: the caller supplies it to Stats, from the
// values or from the database (ORDER BY ... LIMIT 1 OFFSET n/2).
// The zero value is ready to use.
type Running struct {
	n        int
	mean, m2 float64
	min, max float64
}

// Add adds one value.
func (r *Running) Add(x float64) {
	r.n++
	if r.n == 1 {
		r.min, r.max = x, x
	} else {
		r.min = min(r.min, x)
		r.max = max(r.max, x)
	}
	d := x - r.mean
	r.mean += d / float64(r.n)
	r.m2 += d * (x - r.mean)
}

// N returns how many values were added.
func (r *Running) N() int { return r.n }

// Mean returns the mean of the values added so far, 0 for none.
func (r *Running) Mean() float64 { return r.mean }

// Stats returns the statistics of the values added so far, with the given
// median (see the type's documentation).
func (r *Running) Stats(median float64) Stats {
	if r.n == 0 {
		return Stats{}
	}
	s := Stats{N: r.n, Mean: r.mean, Median: median, Min: r.min, Max: r.max, CI95Low: r.mean, CI95High: r.mean}
	if r.n < 2 {
		return s
	}
	s.SD = math.Sqrt(r.m2 / float64(r.n-1))
	half := StudentTQuantile(0.975, float64(r.n-1)) * s.SD / math.Sqrt(float64(r.n))
	s.CI95Low, s.CI95High, s.HasCI = r.mean-half, r.mean+half, true
	return s
}

// StudentTQuantile returns the p-quantile of Student's t distribution with
// df degrees of freedom (df > 0, 0 < p < 1), e.g. 12.706 for (0.975, 1) and
// 1.960 as df grows without bound. It inverts the exact distribution
// function, written with the regularized incomplete beta function, by
// bisection: slower than a table but exact to about 1e-12 for any df. It
// returns NaN for arguments outside the domain.
func StudentTQuantile(p, df float64) float64 {
	if math.IsNaN(p) || math.IsNaN(df) || p <= 0 || p >= 1 || df <= 0 {
		return math.NaN()
	}
	if p == 0.5 {
		return 0
	}
	if p < 0.5 {
		return -StudentTQuantile(1-p, df)
	}
	if df > 1e7 || math.IsInf(df, 1) {
		return normalQuantile(p)
	}
	lo, hi := 0.0, 1.0
	for studentTCDF(hi, df) < p {
		lo, hi = hi, hi*2
		if hi > 1e300 {
			return math.Inf(1)
		}
	}
	for range 200 {
		mid := (lo + hi) / 2
		if studentTCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo <= 1e-13*hi {
			break
		}
	}
	return (lo + hi) / 2
}

// studentTCDF is P(T <= t) for Student's t with df degrees of freedom:
// for t >= 0, 1 - I_x(df/2, 1/2)/2 with x = df/(df+t²).
func studentTCDF(t, df float64) float64 {
	x := df / (df + t*t)
	tail := 0.5 * regIncBeta(df/2, 0.5, x)
	if t >= 0 {
		return 1 - tail
	}
	return tail
}

// regIncBeta is the regularized incomplete beta function I_x(a, b),
// evaluated with the continued fraction of the incomplete beta integral by
// the modified Lentz method, using the symmetry I_x(a,b) = 1 - I_{1-x}(b,a)
// where the fraction converges faster.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaFraction(a, b, x) / a
	}
	return 1 - front*betaFraction(b, a, 1-x)/b
}

// betaFraction evaluates the continued fraction for I_x(a, b).
func betaFraction(a, b, x float64) float64 {
	const tiny = 1e-300
	const eps = 1e-15
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 10000; m++ {
		fm := float64(m)
		// Even step.
		num := fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm))
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		// Odd step.
		num = -(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1))
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// normalQuantile is the p-quantile of the standard normal distribution,
// √2·erfinv(2p-1).
func normalQuantile(p float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// SUSGrade returns the letter grade of a SUS score on the Sauro-Lewis curved
// grading scale (Sauro & Lewis 2016, Quantifying the User Experience, 2nd
// ed., table 8.5), which maps scores to percentile ranks of a database of
// 446 studies: A+ 84.1-100, A 80.8-84.0, A- 78.9-80.7, B+ 77.2-78.8,
// B 74.1-77.1, B- 72.6-74.0, C+ 71.1-72.5, C 65.0-71.0, C- 62.7-64.9,
// D 51.7-62.6, F 0-51.6. A score between two printed ranges (say 84.05)
// takes the lower grade.
func SUSGrade(score float64) string {
	for _, g := range susGrades {
		if score >= g.min {
			return g.grade
		}
	}
	return "F"
}

var susGrades = []struct {
	min   float64
	grade string
}{
	{84.1, "A+"}, {80.8, "A"}, {78.9, "A-"}, {77.2, "B+"}, {74.1, "B"}, {72.6, "B-"},
	{71.1, "C+"}, {65.0, "C"}, {62.7, "C-"}, {51.7, "D"},
}

// SUS acceptability bands.
const (
	SUSAcceptable    = "acceptable"
	SUSMarginal      = "marginal"
	SUSNotAcceptable = "not acceptable"
)

// SUSAcceptability returns the acceptability band of a SUS score after
// Bangor, Kortum & Miller (2008), "An empirical evaluation of the System
// Usability Scale": "acceptable" from 70, "marginal" from 50 up to 70,
// "not acceptable" below 50.
func SUSAcceptability(score float64) string {
	switch {
	case score >= 70:
		return SUSAcceptable
	case score >= 50:
		return SUSMarginal
	default:
		return SUSNotAcceptable
	}
}

// Distribution counts the answers at each point of a scale 1..scale (a
// Likert or rating question): the result has scale entries, the first for
// answers of 1.
func Distribution(values []int, scale int) ([]int, error) {
	if scale < 1 {
		return nil, Errorf(EINVALID, "scale must be at least 1, got %d", scale)
	}
	return CountRange(values, 1, scale)
}

// CountRange counts the answers at each integer point lo..hi, e.g. 0..10 for
// NPS: the result has hi-lo+1 entries, the first for answers of lo. An
// answer outside the range is an error, so a miscount never goes unnoticed.
func CountRange(values []int, lo, hi int) ([]int, error) {
	if hi < lo {
		return nil, Errorf(EINVALID, "empty range %d..%d", lo, hi)
	}
	if hi-lo > 1000 {
		return nil, Errorf(EINVALID, "range %d..%d is too wide to count point by point", lo, hi)
	}
	counts := make([]int, hi-lo+1)
	for i, v := range values {
		if v < lo || v > hi {
			return nil, Errorf(EINVALID, "answer %d is %d, want %d..%d", i+1, v, lo, hi)
		}
		counts[v-lo]++
	}
	return counts, nil
}

// ChoiceCounts counts how many answers chose each option of a choice or
// choices question. Each answer is the list of values chosen (one for a
// single choice); the result is aligned with options. An answer that names
// an option twice counts once; a value that is not an option is an error.
// For a multiple-choice question the shares are counts divided by
// len(answers), not by the sum of the counts.
func ChoiceCounts(answers [][]string, options []string) ([]int, error) {
	index := make(map[string]int, len(options))
	for i, o := range options {
		if _, dup := index[o]; dup {
			return nil, Errorf(EINVALID, "option %q is listed twice", o)
		}
		index[o] = i
	}
	counts := make([]int, len(options))
	seen := make([]int, len(options)) // answer number+1 that last counted each option
	for i, chosen := range answers {
		for _, v := range chosen {
			j, ok := index[v]
			if !ok {
				return nil, Errorf(EINVALID, "answer %d chose %q, which is not an option", i+1, v)
			}
			if seen[j] == i+1 {
				continue
			}
			seen[j] = i + 1
			counts[j]++
		}
	}
	return counts, nil
}

// String describes the statistics for logs and method notes.
func (s Stats) String() string {
	if !s.HasCI {
		return fmt.Sprintf("n=%d mean=%.2f", s.N, s.Mean)
	}
	return fmt.Sprintf("n=%d mean=%.2f (95%% CI %.2f..%.2f) sd=%.2f median=%.2f", s.N, s.Mean, s.CI95Low, s.CI95High, s.SD, s.Median)
}
