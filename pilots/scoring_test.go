package pilots

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestSUS(t *testing.T) {
	// Worked by hand from Brooke (1996): odd items contribute answer-1, even
	// items 5-answer, the sum times 2.5.
	tests := []struct {
		name  string
		items [10]int
		want  float64
	}{
		{"best", [10]int{5, 1, 5, 1, 5, 1, 5, 1, 5, 1}, 100},
		{"worst", [10]int{1, 5, 1, 5, 1, 5, 1, 5, 1, 5}, 0},
		{"neutral", [10]int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, 50},
		// odd: 3+4+3+4+3 = 17, even: 3+4+3+4+3 = 17; 34 x 2.5
		{"good", [10]int{4, 2, 5, 1, 4, 2, 5, 1, 4, 2}, 85},
		// odd: 4+3+2+1+0 = 10, even: 4+3+2+1+0 = 10; 20 x 2.5
		{"descending", [10]int{5, 1, 4, 2, 3, 3, 2, 4, 1, 5}, 50},
		// odd: 3+3+2+3+3 = 14, even: 4+2+3+3+4 = 16; 30 x 2.5
		{"typical", [10]int{4, 1, 4, 3, 3, 2, 4, 2, 4, 1}, 75},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SUS(tt.items)
			if err != nil {
				t.Fatalf("SUS: %v", err)
			}
			if got != tt.want {
				t.Errorf("SUS(%v)=%v, want %v", tt.items, got, tt.want)
			}
		})
	}
	for _, bad := range [][10]int{{0, 3, 3, 3, 3, 3, 3, 3, 3, 3}, {3, 3, 3, 3, 3, 3, 3, 3, 3, 6}, {}} {
		if _, err := SUS(bad); ErrorCode(err) != EINVALID {
			t.Errorf("SUS(%v) err=%v, want EINVALID", bad, err)
		}
	}
}

func TestUMUXLite(t *testing.T) {
	// raw = ((i1-1)+(i2-1))/12*100 and SUS-equivalent 0.65*raw+22.9, the
	// regression of Lewis, Utesch & Maher (2013).
	tests := []struct {
		i1, i2       int
		raw, susLike float64
	}{
		{7, 7, 100, 87.9},
		{1, 1, 0, 22.9},
		{4, 4, 50, 55.4},
		{5, 6, 75, 71.65},
		{7, 1, 50, 55.4},
	}
	for _, tt := range tests {
		raw, sus, err := UMUXLite(tt.i1, tt.i2)
		if err != nil {
			t.Fatalf("UMUXLite(%d, %d): %v", tt.i1, tt.i2, err)
		}
		if !near(raw, tt.raw, 1e-9) || !near(sus, tt.susLike, 1e-9) {
			t.Errorf("UMUXLite(%d, %d)=%v, %v, want %v, %v", tt.i1, tt.i2, raw, sus, tt.raw, tt.susLike)
		}
	}
	for _, bad := range [][2]int{{0, 4}, {4, 8}} {
		if _, _, err := UMUXLite(bad[0], bad[1]); ErrorCode(err) != EINVALID {
			t.Errorf("UMUXLite(%v) err=%v, want EINVALID", bad, err)
		}
	}
}

func TestNetPromoterScore(t *testing.T) {
	tests := []struct {
		name   string
		scores []int
		want   NPSResult
	}{
		{"none", nil, NPSResult{}},
		{"balanced", []int{10, 9, 8, 7, 6, 0}, NPSResult{Promoters: 2, Passives: 2, Detractors: 2, N: 6, Score: 0}},
		// 6 promoters, 3 passives, 1 detractor of 10: 60% - 10% = 50.
		{"mostly promoters", []int{10, 10, 9, 9, 9, 10, 8, 7, 8, 3}, NPSResult{Promoters: 6, Passives: 3, Detractors: 1, N: 10, Score: 50}},
		{"all detractors", []int{0, 6, 5}, NPSResult{Detractors: 3, N: 3, Score: -100}},
		// 1 promoter, 2 detractors of 3: 33.3% - 66.7%.
		{"thirds", []int{9, 6, 6}, NPSResult{Promoters: 1, Detractors: 2, N: 3, Score: -100.0 / 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NetPromoterScore(tt.scores)
			if err != nil {
				t.Fatalf("NetPromoterScore: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NetPromoterScore(%v) (-want +got):\n%s", tt.scores, diff)
			}
		})
	}
	if _, err := NetPromoterScore([]int{5, 11}); ErrorCode(err) != EINVALID {
		t.Errorf("NetPromoterScore(11) err=%v, want EINVALID", err)
	}
}

func TestStudentTQuantile(t *testing.T) {
	// Two-sided 95% critical values and others from any t table (e.g.
	// Sauro & Lewis 2016, appendix), to the printed precision.
	tests := []struct {
		p, df, want, tol float64
	}{
		{0.975, 1, 12.7062, 1e-4},
		{0.975, 2, 4.3027, 1e-4},
		{0.975, 5, 2.5706, 1e-4},
		{0.975, 6, 2.4469, 1e-4},
		{0.975, 7, 2.3646, 1e-4},
		{0.975, 10, 2.2281, 1e-4},
		{0.975, 20, 2.0860, 1e-4},
		{0.975, 30, 2.0423, 1e-4},
		{0.975, 100, 1.9840, 1e-4},
		{0.975, 1e6, 1.9600, 1e-4},
		{0.975, math.Inf(1), 1.95996, 1e-5},
		{0.95, 10, 1.8125, 1e-4},
		{0.995, 5, 4.0321, 1e-4},
		{0.025, 10, -2.2281, 1e-4},
		{0.5, 3, 0, 0},
		{0.75, 1, 1, 1e-9}, // Cauchy: tan(pi/4)
	}
	for _, tt := range tests {
		if got := StudentTQuantile(tt.p, tt.df); !near(got, tt.want, tt.tol) {
			t.Errorf("StudentTQuantile(%v, %v)=%.6f, want %.6f", tt.p, tt.df, got, tt.want)
		}
	}
	for _, bad := range [][2]float64{{0, 5}, {1, 5}, {0.5, 0}, {math.NaN(), 3}, {0.9, -1}} {
		if got := StudentTQuantile(bad[0], bad[1]); !math.IsNaN(got) {
			t.Errorf("StudentTQuantile(%v, %v)=%v, want NaN", bad[0], bad[1], got)
		}
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want Stats
	}{
		{"empty", nil, Stats{}},
		{"one", []float64{72.5}, Stats{N: 1, Mean: 72.5, Median: 72.5, Min: 72.5, Max: 72.5, CI95Low: 72.5, CI95High: 72.5}},
		// Mean 5, sample SD √(32/7) = 2.13809, SE 0.75593, t(0.975, 7) = 2.36462:
		// half-width 1.78749.
		{"classic", []float64{2, 4, 4, 4, 5, 5, 7, 9}, Stats{
			N: 8, Mean: 5, Median: 4.5, SD: 2.138090, Min: 2, Max: 9,
			CI95Low: 5 - 1.787488, CI95High: 5 + 1.787488, HasCI: true,
		}},
		// Seven SUS scores: mean 76.4286, SD 10.49376, t(0.975, 6) = 2.44691:
		// half-width 2.44691 x 10.49376/√7 = 9.70511.
		{"sus scores", []float64{77.5, 85, 62.5, 92.5, 70, 80, 67.5}, Stats{
			N: 7, Mean: 76.428571, Median: 77.5, SD: 10.493762, Min: 62.5, Max: 92.5,
			CI95Low: 76.428571 - 9.705111, CI95High: 76.428571 + 9.705111, HasCI: true,
		}},
	}
	approx := cmp.Comparer(func(a, b float64) bool { return near(a, b, 1e-5) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize(tt.xs)
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("Summarize(%v) (-want +got):\n%s", tt.xs, diff)
			}
			// Always encodable, even without a CI.
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("json.Marshal(Stats): %v", err)
			}
		})
	}
}

func TestRunningMatchesSummarize(t *testing.T) {
	// Large offset: the naive sum-of-squares formula loses every digit here,
	// Welford does not.
	xs := make([]float64, 0, 1001)
	for i := range 1001 {
		xs = append(xs, 1e9+float64(i%7))
	}
	var r Running
	for _, x := range xs {
		r.Add(x)
	}
	got := r.Stats(Median(xs))
	want := Summarize(xs)
	if got != want {
		t.Errorf("Running.Stats=%+v, want %+v", got, want)
	}
	if r.N() != len(xs) {
		t.Errorf("N=%d, want %d", r.N(), len(xs))
	}
	// The values cycle 0..6 over 1001 = 143 x 7 samples: variance of
	// 0..6 is 4 (population), so the sample SD is √(4·1001/1000).
	if wantSD := math.Sqrt(4 * 1001.0 / 1000); !near(got.SD, wantSD, 1e-6) {
		t.Errorf("SD=%v, want %v", got.SD, wantSD)
	}
	if !near(got.Mean, 1e9+3, 1e-6) {
		t.Errorf("Mean=%v, want %v", got.Mean, 1e9+3)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.xs...)
		if got := Median(tt.xs); got != tt.want {
			t.Errorf("Median(%v)=%v, want %v", tt.xs, got, tt.want)
		}
		if !cmp.Equal(in, tt.xs) {
			t.Errorf("Median modified its input: %v, was %v", tt.xs, in)
		}
	}
}

func TestSUSGrade(t *testing.T) {
	// Sauro & Lewis (2016) curved grading scale.
	tests := []struct {
		score float64
		want  string
	}{
		{100, "A+"}, {84.1, "A+"}, {84.0, "A"}, {80.8, "A"}, {80.7, "A-"}, {78.9, "A-"},
		{78.8, "B+"}, {77.2, "B+"}, {77.1, "B"}, {74.1, "B"}, {74.0, "B-"}, {72.6, "B-"},
		{72.5, "C+"}, {71.1, "C+"}, {71.0, "C"}, {68, "C"}, {65.0, "C"}, {64.9, "C-"},
		{62.7, "C-"}, {62.6, "D"}, {51.7, "D"}, {51.6, "F"}, {0, "F"},
	}
	for _, tt := range tests {
		if got := SUSGrade(tt.score); got != tt.want {
			t.Errorf("SUSGrade(%v)=%q, want %q", tt.score, got, tt.want)
		}
	}
}

func TestSUSAcceptability(t *testing.T) {
	// Bangor, Kortum & Miller (2008).
	tests := []struct {
		score float64
		want  string
	}{
		{100, SUSAcceptable}, {70, SUSAcceptable}, {69.9, SUSMarginal}, {50, SUSMarginal},
		{49.9, SUSNotAcceptable}, {0, SUSNotAcceptable},
	}
	for _, tt := range tests {
		if got := SUSAcceptability(tt.score); got != tt.want {
			t.Errorf("SUSAcceptability(%v)=%q, want %q", tt.score, got, tt.want)
		}
	}
}

func TestDistribution(t *testing.T) {
	got, err := Distribution([]int{1, 5, 5, 3, 4, 5}, 5)
	if err != nil {
		t.Fatalf("Distribution: %v", err)
	}
	if want := []int{1, 0, 1, 1, 3}; !cmp.Equal(got, want) {
		t.Errorf("Distribution=%v, want %v", got, want)
	}
	got, err = CountRange([]int{0, 10, 10, 7}, 0, 10)
	if err != nil {
		t.Fatalf("CountRange: %v", err)
	}
	if want := []int{1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2}; !cmp.Equal(got, want) {
		t.Errorf("CountRange=%v, want %v", got, want)
	}
	bad := []struct {
		name   string
		values []int
		scale  int
	}{
		{"zero", []int{0}, 5},
		{"above", []int{8}, 7},
		{"no scale", nil, 0},
	}
	for _, tt := range bad {
		if _, err := Distribution(tt.values, tt.scale); ErrorCode(err) != EINVALID {
			t.Errorf("%s: err=%v, want EINVALID", tt.name, err)
		}
	}
}

func TestChoiceCounts(t *testing.T) {
	options := []string{"app", "web", "phone"}
	answers := [][]string{{"app"}, {"web", "app"}, {"app", "app"}, {}, {"phone"}}
	got, err := ChoiceCounts(answers, options)
	if err != nil {
		t.Fatalf("ChoiceCounts: %v", err)
	}
	if want := []int{3, 1, 1}; !cmp.Equal(got, want) {
		t.Errorf("ChoiceCounts=%v, want %v", got, want)
	}
	if _, err := ChoiceCounts([][]string{{"fax"}}, options); ErrorCode(err) != EINVALID {
		t.Errorf("unknown option: err=%v, want EINVALID", err)
	}
	if _, err := ChoiceCounts(nil, []string{"a", "a"}); ErrorCode(err) != EINVALID {
		t.Errorf("duplicate option: err=%v, want EINVALID", err)
	}
}
