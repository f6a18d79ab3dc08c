package checks

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var annotationsThreshold = &lint.Check{
	ID:       "annotations/threshold-mismatch",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "An annotation that states a threshold the expression does not compare with",
		Text: `"out of sync by more than 300s" on an alert whose expression compares
the clock offset with 0.05 tells whoever reads it that the clock is off
by five minutes when it is off by fifty milliseconds
(prometheus/node_exporter#2671: the threshold was lowered, the text
kept). The text is usually copied from a rule with another threshold, or
left behind when the threshold was changed.

Reported when the summary, description or message says "more than",
"above", "over", "exceeds", "less than", "below", "under" or "threshold
of" a number,
with or without a unit (%, s, ms, minutes, hours, days), and no number
the expression compares with, nor any duration of the rule (for:,
ranges, offsets), is that number read every way it can be: as it is,
as a percentage of a 0–1 ratio (90% and 0.9), in seconds or
milliseconds, negated ("dropped by more than 100" is < -100), or one
apart for "more than 1" written >= 2, nor its for:.
"over" with a unit of time ("over 5 minutes") names a window and is left
alone. A duration is
judged only when a side compared with a number is a time by its name
(_seconds, latency, offset, age …): "operations taking more than 1
second" in an alert on a count describes what is counted. Text inside
template actions is not read, and a rule whose expression compares with
no number at all is left alone.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings once percentages of a capacity the expression holds as an
absolute number, windows ("over 5 minutes") and times that describe the
counted events were left alone (13 findings before, most of them
those), so no measured precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentClockSkew
        expr: abs(agent_clock_offset_seconds) > 0.05
        for: 10m
        annotations:
          description: The clock is out of sync by more than 300s.
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentClockSkew
        expr: abs(agent_clock_offset_seconds) > 0.05
        for: 10m
        annotations:
          description: The clock is out of sync by more than 50ms.
`,
	},
	Rule: checkThresholdMismatch,
}

// thresholdPhrase finds "more than 300s", "above 90%", "below 0.5".
var thresholdPhrase = regexp.MustCompile(`(?i)\b(?:more than|greater than|higher than|larger than|above|over|exceeds?|exceeding|less than|lower than|fewer than|below|under|threshold(?: of| is|:)?)\s+((?:\d+(?:ms|[smhdwy]))+\b|\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(%|percent\b|[kmgt]i?b\b|bytes?\b|ms\b|milliseconds?\b|msec\b|s\b|secs?\b|seconds?\b|m\b|mins?\b|minutes?\b|h\b|hours?\b|d\b|days?\b|k\b)?`)

func checkThresholdMismatch(p *lint.Pass, r *lint.Rule) {
	e := ast(r)
	if !r.IsAlert() || e == nil {
		return
	}
	// What the expression compares with, worked out once per rule and
	// only when a text states a threshold.
	var compared, thresholds []float64
	shares, collected := false, false
	for _, k := range []string{"summary", "description", "message"} {
		kv, ok := r.Annotation(k)
		if !ok {
			continue
		}
		text := kv.Value.Value
		if strings.Contains(text, "query") {
			continue
		}
		for _, m := range thresholdPhrases(text) {
			if insideAction(text, m[0]) {
				continue
			}
			num, unit := text[m[2]:m[3]], ""
			if m[4] >= 0 {
				unit = text[m[4]:m[5]]
			}
			n, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
			if err != nil {
				// A duration as Prometheus prints it: 2s500ms, 1h30m.
				d, err := model.ParseDuration(num)
				if err != nil {
					continue
				}
				n, unit = time.Duration(d).Seconds(), "s"
			}
			if _, timed := unitDuration(strings.ToLower(unit)); timed {
				// "over 5 minutes" is a window, not a threshold; and a
				// time in a text about a count ("operations taking more
				// than 1 second") describes what the metric counts.
				if strings.EqualFold(text[m[0]:m[0]+4], "over") || !comparesTime(e) {
					continue
				}
			}
			if !collected {
				// The numbers of the expression, and for: and
				// keep_firing_for: ("above 90% for more than 5m").
				compared = comparedNumbers(e)
				thresholds = exprNumbers(e)
				for _, v := range []string{r.For.Value, r.KeepFiringFor.Value} {
					if d, err := model.ParseDuration(v); err == nil && d > 0 {
						thresholds = append(thresholds, time.Duration(d).Seconds())
					}
				}
				shares = allWithin(compared, 1) || percentForm(e, compared)
				collected = true
			}
			// A rule that compares with no number has no threshold to
			// disagree with.
			if len(compared) == 0 || readsAs(n, unit, thresholds, shares) {
				continue
			}
			reportInValue(p, r, kv, m[0], m[1],
				fmt.Sprintf("%q says %q, but the expression compares with %s: the text and the rule disagree", kv.Key.Value, strings.TrimSpace(text[m[0]:m[1]]), fmtNumbers(compared)),
				"state the expression's threshold in the text, or template it: {{ $value }}")
		}
	}
}

// thresholdWords are the words a threshold phrase ends in, before its
// number.
var thresholdWords = []string{"than ", "above ", "over ", "exceeds ", "exceed ", "exceeding ", "below ", "under ", "threshold of ", "threshold is ", "threshold: ", "threshold "}

// thresholdPhrases is thresholdPhrase.FindAllStringSubmatchIndex, run
// only around a number that follows one of the words a phrase ends in:
// over every summary and description, the regexp on the whole text cost
// 3 % of lint's instructions, and a search for each word 1 %.
func thresholdPhrases(text string) [][]int {
	var out [][]int
	for i := 1; i < len(text); i++ {
		// Jump from digit to digit: most of a description is words.
		j := strings.IndexAny(text[i:], "0123456789")
		if j < 0 {
			break
		}
		i += j
		if text[i-1] != ' ' {
			continue
		}
		for _, w := range thresholdWords {
			at := i - len(w)
			if at < 0 || !strings.EqualFold(text[at:i], w) {
				continue
			}
			lo, hi := max(0, at-13), min(len(text), i+40)
			m := thresholdPhrase.FindStringSubmatchIndex(text[lo:hi])
			if m == nil || lo+m[1] <= at {
				continue
			}
			for k := range m {
				if m[k] >= 0 {
					m[k] += lo
				}
			}
			if !slices.ContainsFunc(out, func(o []int) bool { return o[0] == m[0] }) {
				out = append(out, m)
			}
			break
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out
}

// comparedNumbers are the numbers e's comparisons test against.
func comparedNumbers(e parser.Expr) []float64 {
	var out []float64
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if b, ok := n.(*parser.BinaryExpr); ok && b.Op.IsComparisonOperator() {
			if _, _, v, ok := comparedWithScalar(b); ok {
				out = append(out, v)
			}
		}
		return true
	})
	return out
}

// readsAs reports whether the number n with its unit, read every way it
// can be, equals one of the values. A percentage is judged only when the
// expression compares shares: a 0–1 ratio (every number compared with
// within [0, 1]) or a percentage (a ×100 and every number within
// [0, 100]); otherwise
// the threshold is an absolute amount the text gives as a share of some
// capacity (900 open databases, "90% of capacity"), which the expression
// does not show. The complement counts too: "less than 10% free" is
// "above 90% used".
func readsAs(n float64, unit string, values []float64, shares bool) bool {
	cands := []float64{n}
	switch lu := strings.ToLower(unit); {
	case lu == "%" || lu == "percent":
		if !shares {
			return true
		}
		cands = append(cands, n/100, 100-n, 1-n/100)
	case lu == "":
		// A bare number may be a percentage the expression holds as a
		// ratio, or the reverse.
		cands = append(cands, n/100, n*100, 100-n, 1-n/100)
	case lu == "k":
		cands = append(cands, n*1e3)
	case strings.HasSuffix(lu, "b") || strings.HasPrefix(lu, "byte"):
		for _, p := range []float64{1, 1e3, 1e6, 1e9, 1e12, 1 << 10, 1 << 20, 1 << 30, 1 << 40} {
			cands = append(cands, n*p)
		}
	case unit == "M":
		cands = append(cands, n*1e6)
	default:
		if d, ok := unitDuration(lu); ok {
			secs := n * d.Seconds()
			cands = append(cands, secs, secs*1000, secs/60, secs/3600)
		}
	}
	for _, c := range cands {
		for _, v := range values {
			// "dropped by more than 100" is written < -100.
			if sameNumber(c, v) || sameNumber(-c, v) {
				return true
			}
			// "more than 1" written >= 2, "at most 5" written < 6.
			if c == math.Trunc(c) && v == math.Trunc(v) && math.Abs(c-v) == 1 {
				return true
			}
		}
	}
	return false
}

// allWithin reports whether every value lies in [0, hi].
func allWithin(values []float64, hi float64) bool {
	for _, v := range values {
		if v < 0 || v > hi {
			return false
		}
	}
	return true
}

// percentForm reports whether e turns a ratio into a percentage (× 100,
// or 100 - x) and compares with numbers within [0, 100].
func percentForm(e parser.Expr, compared []float64) bool {
	has100 := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if b, ok := n.(*parser.BinaryExpr); ok && (b.Op == parser.MUL || b.Op == parser.SUB) {
			for _, side := range []parser.Expr{b.LHS, b.RHS} {
				if v, ok := scalarValue(side); ok && v == 100 {
					has100 = true
				}
			}
		}
		return !has100
	})
	return has100 && allWithin(compared, 100)
}

// unitDuration reads the unit of a threshold phrase.
func unitDuration(unit string) (time.Duration, bool) {
	switch {
	case unit == "ms" || unit == "msec" || strings.HasPrefix(unit, "millisecond"):
		return time.Millisecond, true
	case unit == "s" || strings.HasPrefix(unit, "sec"):
		return time.Second, true
	case unit == "m" || strings.HasPrefix(unit, "min"):
		return time.Minute, true
	case unit == "h" || strings.HasPrefix(unit, "hour"):
		return time.Hour, true
	case unit == "d" || strings.HasPrefix(unit, "day"):
		return 24 * time.Hour, true
	}
	return 0, false
}

// sameNumber compares two thresholds with a relative tolerance, for
// 0.1 * 100 and friends.
func sameNumber(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// fmtNumbers lists numbers for a message, each once.
func fmtNumbers(vs []float64) string {
	var s []string
	for _, v := range vs {
		if t := fmtNum(v); !slices.Contains(s, t) {
			s = append(s, t)
		}
	}
	return strings.Join(s, ", ")
}

// exprNumbers are the numbers e compares with and the other numbers it
// holds (predict_linear's horizon, 3600 * 24 * 5), each arithmetic of
// numbers evaluated once.
func exprNumbers(e parser.Expr) []float64 {
	var out []float64
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if x, ok := n.(parser.Expr); ok {
			if v, ok := scalarValue(x); ok {
				out = append(out, v)
				return false
			}
		}
		return true
	})
	return out
}

// comparesTime reports whether a side e compares with a number is a time
// by its name (_seconds, duration, latency, offset, age, lag, delay) or
// time() minus something.
func comparesTime(e parser.Expr) bool {
	found := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !b.Op.IsComparisonOperator() {
			return !found
		}
		side, _, _, ok := comparedWithScalar(b)
		if !ok {
			return !found
		}
		walk(side, func(n parser.Node, _ []parser.Node) bool {
			switch n := n.(type) {
			case *parser.VectorSelector:
				name := selectorName(n)
				for _, w := range []string{"second", "_time", "duration", "latency", "offset", "_age", "lag", "delay"} {
					if strings.Contains(name, w) {
						found = true
					}
				}
			case *parser.Call:
				if callName(n) == "time" {
					found = true
				}
			}
			return !found
		})
		return !found
	})
	return found
}
