package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var alertRatioWithoutDivision = &lint.Check{
	ID:       "alert/ratio-without-division",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Precision: "1/1 true",
		Title:     "An alert that talks of a ratio while its expression divides nothing",
		Text: `An alert whose name, summary or description speaks of a percentage, a
ratio or an error rate ("error rate > 10%") promises a fraction of
something. An expression that divides nothing cannot compute one:
rate(errors_total[5m]) > 0.1 is "more than 0.1 errors per second", which
fires on a busy service that is 99.9% healthy and never on a quiet one
that fails every request.

The check judges expressions that take the rate() or increase() of a
counter, the absolute quantity most often mistaken for a ratio; a gauge
may hold a percentage itself. It accepts expressions that divide, that
compare two series (a > 0.9 * b) or only with 0 (a ratio above 0 is a
count above 0), that average 0/1 series
(avg, avg_over_time), that use histogram_fraction, that take the rate of
a _seconds counter (seconds per second is already a ratio), and that read
series whose names say they hold a ratio (…_ratio, …_percent, …_perc,
…_pct, …_utilization).`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: HighAgentErrorRate
        expr: rate(agent_requests_total{status="error"}[5m]) > 0.1
        for: 5m
        labels:
          severity: page
        annotations:
          description: Agent error rate > 10%
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: HighAgentErrorRate
        expr: |
          sum(rate(agent_requests_total{status="error"}[5m]))
            / sum(rate(agent_requests_total[5m])) > 0.1
        for: 5m
        labels:
          severity: page
        annotations:
          description: Agent error rate > 10%
`,
	},
	Rule: checkRatioWithoutDivision,
}

// ratioWords are the phrases that promise a fraction. Matched against
// the alert name split into words and against annotation text outside
// template actions.
var ratioWords = regexp.MustCompile(`%|\bpercent(age)?s?\b|\bratios?\b|\b(error|failure|success) rates?\b`)

// findRatioWords is ratioWords.FindString(s) for lower-case s. Most
// names and annotations hold none of the words, and the substring tests
// that say so are much cheaper than the regexp with its word boundaries.
func findRatioWords(s string) string {
	if !strings.Contains(s, "%") && !strings.Contains(s, "percent") && !strings.Contains(s, "ratio") && !strings.Contains(s, " rate") {
		return ""
	}
	return ratioWords.FindString(s)
}

// ratioNameParts are metric name parts that say a series already holds
// a ratio, so no division is needed in the alert.
var ratioNameParts = []string{"ratio", "percent", "_perc", "pct", "fraction", "utilization", "utilisation", "availability", "apdex"}

// shareOfCapacity matches text that scales an absolute capacity ("80% of
// the rightsized capacity"): its author turned the percentage into the
// absolute threshold, so no division is missing.
var shareOfCapacity = regexp.MustCompile(`%\s+of\s+(the\s+)?([a-z-]+\s+){0,2}(capacity|limit|quota|maximum|max|target)\b`)

// usesRate reports whether r's expression calls rate() or irate().
func usesRate(r *lint.Rule) bool {
	found := false
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		if fn := callName(n); fn == "rate" || fn == "irate" {
			found = true
		}
		return !found
	})
	return found
}

func isRatioName(name string) bool {
	name = strings.ToLower(name)
	for _, p := range ratioNameParts {
		if strings.Contains(name, p) {
			return true
		}
	}
	return false
}

func checkRatioWithoutDivision(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || ast(r) == nil {
		return
	}
	// The expression tests are cheaper than the text search: run them first.
	e := ast(r)
	if !countsEvents(e) || computesRatio(e) || onlyZeroThresholds(e) {
		return
	}
	where, phrase := ratioClaim(r)
	if phrase == "" {
		return
	}
	start, end := nodeRange(e)
	p.ReportExpr(r, start, end,
		fmt.Sprintf("the alert's %s speaks of a ratio (%q) but the expression divides nothing: it compares an absolute value, not a fraction", where, phrase),
		ratioFix(r))
}

// ratioClaim finds the first place where the alert promises a ratio: its
// name, its summary or description (also when misplaced beside expr:, as
// in the seed), returning where and the phrase.
func ratioClaim(r *lint.Rule) (where, phrase string) {
	if m := findRatioWords(splitWords(r.Alert.Value)); m != "" && (!strings.HasSuffix(m, "rate") && !strings.HasSuffix(m, "rates") || usesRate(r)) {
		// "FailureRateIncrease" over increase() counts failures per window:
		// the name's rate is then a frequency, not a fraction.
		return "name", m
	}
	for _, name := range []string{"summary", "description", "message"} {
		text := ""
		if kv, ok := r.Annotation(name); ok {
			text = kv.Value.Value
		} else if _, v := misplacedKey(r, name); v != nil {
			text = v.Value
		} else {
			continue
		}
		if strings.Contains(text, "humanizePercentage") {
			return name, "humanizePercentage"
		}
		plain := strings.ToLower(plainText(text))
		if m := findRatioWords(plain); m != "" && !shareOfCapacity.MatchString(plain) {
			return name, m
		}
	}
	return "", ""
}

// computesRatio reports whether an expression can produce a fraction.
func computesRatio(e parser.Expr) bool {
	found := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		switch n := n.(type) {
		case *parser.BinaryExpr:
			// a > 0.9 * b compares a fraction of b without writing a / b.
			if n.Op == parser.DIV || (n.Op.IsComparisonOperator() && !isScalar(n.LHS) && !isScalar(n.RHS)) {
				found = true
			}
		case *parser.AggregateExpr:
			if n.Op == parser.AVG {
				found = true
			}
		case *parser.Call:
			switch callName(n) {
			case "avg_over_time", "histogram_fraction":
				found = true
			case "rate", "irate":
				// seconds per second: CPU or busy time as a fraction.
				if _, vs := matrixSelector(n.Args[0]); vs != nil && isTimeCounter(selectorName(vs)) {
					found = true
				}
			}
		case *parser.VectorSelector:
			if isRatioName(selectorName(n)) {
				found = true
			}
		}
		return !found
	})
	return found
}

// isTimeCounter reports whether a counter accumulates seconds, so that
// its rate is a fraction of time (busy, GC, CPU).
func isTimeCounter(name string) bool {
	b := baseName(name)
	for _, s := range []string{"_seconds_total", "_seconds_sum", "_seconds"} {
		if strings.HasSuffix(b, s) {
			return true
		}
	}
	return false
}

// countsEvents reports whether an expression takes the rate or increase
// of a counter of events: the absolute quantity the seed's "10%" alert
// mistakes for a ratio. A gauge may itself hold a percentage, which the
// check cannot know, so expressions without such a rate are not judged.
func countsEvents(e parser.Expr) bool {
	found := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if c, ok := n.(*parser.Call); ok && counterFuncs[callName(c)] {
			if _, vs := matrixSelector(c.Args[0]); vs != nil && !isTimeCounter(selectorName(vs)) {
				found = true
			}
		}
		return !found
	})
	return found
}

// onlyZeroThresholds reports whether every threshold the expression
// compares with is 0: "error rate > 0" and "errors > 0" are the same
// condition, so no division is missing.
func onlyZeroThresholds(e parser.Expr) bool {
	zero, other := false, false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !b.Op.IsComparisonOperator() {
			return true
		}
		for _, side := range []parser.Expr{b.LHS, b.RHS} {
			if num, ok := unwrap(side).(*parser.NumberLiteral); ok && num.Val == 0 {
				zero = true
			} else if isScalar(side) {
				other = true
			}
		}
		return true
	})
	return zero && !other
}

// outcomeLabels carry a request's outcome; dropping their matchers from
// an error selector gives the selector of all requests.
var outcomeLabels = map[string]bool{
	"status": true, "code": true, "status_code": true, "result": true,
	"outcome": true, "error": true, "error_type": true, "finished_reason": true,
	"exception_status": true, "exception_class": true, "response_code": true,
}

// ratioFix spells out the division for the common shape
// rate(x{status="error"}[w]) > t, and gives a general hint otherwise.
func ratioFix(r *lint.Rule) string {
	const general = "divide by the total, e.g. sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > 0.1, or reword the alert"
	b, ok := unwrap(ast(r)).(*parser.BinaryExpr)
	if !ok || !b.Op.IsComparisonOperator() || !isScalar(b.RHS) {
		return general
	}
	lhs := unwrap(b.LHS)
	grouping := ""
	if agg, ok := lhs.(*parser.AggregateExpr); ok && agg.Op == parser.SUM {
		if len(agg.Grouping) > 0 {
			grouping = aggregationHead(agg)[len("sum"):]
		}
		lhs = unwrap(agg.Expr)
	}
	c, ok := lhs.(*parser.Call)
	if !ok || !counterFuncs[callName(c)] {
		return general
	}
	ms, vs := matrixSelector(c.Args[0])
	if vs == nil {
		return general
	}
	var kept []*labels.Matcher
	dropped := false
	for _, m := range vs.LabelMatchers {
		if outcomeLabels[m.Name] {
			dropped = true
			continue
		}
		kept = append(kept, m)
	}
	if !dropped {
		return general
	}
	total := &parser.VectorSelector{Name: vs.Name, LabelMatchers: kept}
	fn, w := callName(c), fmtDuration(ms.Range)
	sum := "sum("
	if grouping != "" {
		sum = "sum" + grouping + " ("
	}
	return fmt.Sprintf("divide by the total: %s%s(%s[%s])) / %s%s(%s[%s])) %s %s",
		sum, fn, vs.String(), w, sum, fn, total.String(), w, b.Op, exprText(r, b.RHS))
}
