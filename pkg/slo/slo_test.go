package slo

import (
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/severity"
)

func TestGoogleFactors(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		period time.Duration
		want   []string // FactorExpr per pair of Google()
		text   []string // FactorText
	}{
		{30 * day, []string{"14.4", "6", "3", "1"}, []string{"14.4", "6", "3", "1"}},
		{28 * day, []string{"13.44", "5.6", "2.8", "(0.1 * 672 / 72)"}, []string{"13.44", "5.6", "2.8", "0.93"}},
		{7 * day, []string{"3.36", "1.4", "0.7", "(0.1 * 168 / 72)"}, []string{"3.36", "1.4", "0.7", "0.23"}},
		// A period in minutes: the fallback divides by the largest unit
		// both durations are whole multiples of.
		{90 * time.Minute * 7, []string{"0.21", "0.0875", "0.04375", "(0.1 * 630 / 4320)"}, []string{"0.21", "0.0875", "0.04375", "0.01"}},
	}
	for _, tc := range tests {
		var got, text []string
		for _, p := range Google() {
			got = append(got, p.FactorExpr(tc.period))
			text = append(text, p.FactorText(tc.period))
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("period %s: FactorExpr (-want +got):\n%s", tc.period, d)
		}
		if d := cmp.Diff(tc.text, text); d != "" {
			t.Errorf("period %s: FactorText (-want +got):\n%s", tc.period, d)
		}
	}
}

// The factors are the budget shares spread over the period: the page pairs
// of a 30-day table each spend their share in their long window.
func TestFactorSpendsShare(t *testing.T) {
	period := 30 * 24 * time.Hour
	for _, p := range Google() {
		spent := new(big.Rat).Mul(p.Factor(period), big.NewRat(int64(p.Long), int64(period)))
		if spent.Cmp(p.Share) != 0 {
			t.Errorf("%s/%s: factor %s spends %s of the budget in %s, want %s", p.Long, p.Short, p.Factor(period).FloatString(3), spent.FloatString(4), p.Long, p.Share.FloatString(4))
		}
	}
}

func TestParseObjective(t *testing.T) {
	tests := []struct {
		in, text, budget, err string
	}{
		{in: "99.9%", text: "0.999", budget: "(1 - 0.999)"},
		{in: "99%", text: "0.99", budget: "(1 - 0.99)"},
		{in: " 99.95 % ", text: "0.9995", budget: "(1 - 0.9995)"},
		{in: "0.999", text: "0.999", budget: "(1 - 0.999)"},
		{in: "100%", err: `objective "100%": want more than 0 and less than 100%`},
		{in: "0%", err: `objective "0%": want more than 0 and less than 100%`},
		{in: "1", err: `objective "1": want more than 0 and less than 100%`},
		{in: "999/1000", err: `objective "999/1000": want a percentage such as 99.9% or a fraction such as 0.999`},
		{in: "1e-3", err: `objective "1e-3": want a percentage such as 99.9% or a fraction such as 0.999`},
		{in: "ninety", err: `objective "ninety": want a percentage such as 99.9% or a fraction such as 0.999`},
		{in: "99.999999%", err: `objective "99.999999%": at most four decimals of a percentage (99.9999%)`},
	}
	for _, tc := range tests {
		o, err := ParseObjective(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseObjective(%q) error = %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseObjective(%q): %v", tc.in, err)
			continue
		}
		if o.Text != tc.text || o.Budget() != tc.budget {
			t.Errorf("ParseObjective(%q) = %s, %s; want %s, %s", tc.in, o.Text, o.Budget(), tc.text, tc.budget)
		}
	}
}

func TestLeMatcher(t *testing.T) {
	for in, want := range map[float64]string{
		10:   `le=~"10(\\.0+)?"`,
		2.5:  `le=~"2\\.50*"`,
		0.25: `le=~"0\\.250*"`,
	} {
		if got := leMatcher(in).String(); got != want {
			t.Errorf("leMatcher(%v) = %s, want %s", in, got, want)
		}
	}
}

func TestWindows(t *testing.T) {
	s := &SLO{Pairs: Google(), Scale: severity.Default()}
	want := []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}
	if d := cmp.Diff(want, s.Windows()); d != "" {
		t.Errorf("Windows (-want +got):\n%s", d)
	}
}
