package checks

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var unitScale = &lint.Check{
	ID:       "promql/unit-scale",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A duration in seconds compared with a threshold in milliseconds, or the reverse",
		Text: `A series named …_seconds… holds seconds and one named
…_milliseconds… (or …_ms…) milliseconds; so do the mean of a _sum by
its _count, the rate of a time counter by the rate of an event counter,
and histogram_quantile over the buckets. When the alert's annotations
describe the threshold as a duration ("read operations > 100ms") and
that duration, in the series' unit, is the threshold divided or
multiplied by 1000, the threshold was written in the other unit: the
alert fires a thousand times too early, or practically never.

Only durations written in the annotations are trusted: a threshold with
no duration beside it is not judged, and neither is an expression that
multiplies or divides by 1000 itself.

Measured on ../shared/corpus/valid (2 408 rules of four sources): no
finding. Three held-out real bugs (testdata/lint/realbugs/ho4-unit-*)
are caught. Info until findings on public rules can be judged.`,
		Bad: `groups:
  - name: disk
    rules:
      - alert: DiskReadLatencyHigh
        expr: rate(node_disk_read_time_seconds_total[5m]) / rate(node_disk_reads_completed_total[5m]) > 100
        for: 10m
        annotations:
          summary: Disk reads take longer than 100ms
`,
		Good: `groups:
  - name: disk
    rules:
      - alert: DiskReadLatencyHigh
        expr: rate(node_disk_read_time_seconds_total[5m]) / rate(node_disk_reads_completed_total[5m]) > 0.1
        for: 10m
        annotations:
          summary: Disk reads take longer than 100ms
`,
	},
	Rule: checkUnitScale,
}

// timeUnit is the unit an expression's value is in: unitNone for
// counts and anything unknown, a time unit (seconds or milliseconds),
// or that time unit per second (the rate of a time counter).
type timeUnit struct {
	scale  float64 // seconds per unit: 1 or 0.001; 0 when no time unit
	perSec bool    // a rate: the unit per second
	known  bool    // false when the unit cannot be told
}

var unitNone = timeUnit{known: true}

// unitToken finds the time unit in a metric name's words.
var unitToken = regexp.MustCompile(`(?:^|_)(seconds|milliseconds|ms)(?:_|$)`)

func selectorUnit(vs *parser.VectorSelector) timeUnit {
	name := selectorName(vs)
	if name == "" || strings.Contains(name, ":") {
		return timeUnit{}
	}
	// _count (observations) and _bucket outside histogram_quantile count
	// events, whatever unit the histogram is in.
	if strings.HasSuffix(name, "_count") || strings.HasSuffix(name, "_bucket") {
		return unitNone
	}
	m := unitToken.FindStringSubmatch(name)
	if m == nil {
		return unitNone
	}
	if m[1] == "seconds" {
		return timeUnit{scale: 1, known: true}
	}
	return timeUnit{scale: 0.001, known: true}
}

// exprUnit works out the unit of e's value; known is false for anything
// it cannot follow.
func exprUnit(e parser.Expr) timeUnit {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		return selectorUnit(e)
	case *parser.MatrixSelector:
		if vs, ok := e.VectorSelector.(*parser.VectorSelector); ok {
			return selectorUnit(vs)
		}
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.AVG, parser.MAX, parser.MIN, parser.QUANTILE, parser.TOPK, parser.BOTTOMK:
			return exprUnit(e.Expr)
		}
	case *parser.Call:
		name := callName(e)
		switch {
		case name == "histogram_quantile" && len(e.Args) == 2:
			for _, vs := range selectors(e.Args[1]) {
				if n := selectorName(vs); strings.HasSuffix(n, "_bucket") && !strings.Contains(n, ":") {
					if m := unitToken.FindStringSubmatch(strings.TrimSuffix(n, "_bucket")); m != nil {
						if m[1] == "seconds" {
							return timeUnit{scale: 1, known: true}
						}
						return timeUnit{scale: 0.001, known: true}
					}
					return unitNone
				}
			}
		case name == "rate" || name == "irate":
			u := exprUnit(e.Args[0])
			if !u.known || u.perSec {
				return timeUnit{}
			}
			u.perSec = true
			return u
		case name == "increase" || name == "abs" || name == "ceil" || name == "floor" || name == "round" && len(e.Args) == 1 || name == "clamp_min" || name == "clamp_max" ||
			strings.HasSuffix(name, "_over_time") && name != "count_over_time" && name != "sum_over_time":
			if len(e.Args) == 0 {
				return timeUnit{}
			}
			// clamp_* take the vector first; *_over_time their last argument.
			arg := e.Args[0]
			if strings.HasSuffix(name, "_over_time") {
				arg = e.Args[len(e.Args)-1]
			}
			return exprUnit(arg)
		}
	case *parser.BinaryExpr:
		if e.Op.IsComparisonOperator() {
			if _, _, _, ok := comparedWithScalar(e); ok {
				if isScalar(e.LHS) {
					return exprUnit(e.RHS)
				}
				return exprUnit(e.LHS)
			}
			return timeUnit{}
		}
		if isScalar(e.LHS) || isScalar(e.RHS) {
			// A conversion (× 1000, / 1e3) or any other factor: the unit
			// the expression ends in is the author's, not the name's.
			return timeUnit{}
		}
		l, r := exprUnit(e.LHS), exprUnit(e.RHS)
		if !l.known || !r.known {
			return timeUnit{}
		}
		switch e.Op {
		case parser.DIV:
			// time / count, or time per second / count per second.
			if l.scale != 0 && r.scale == 0 && l.perSec == r.perSec {
				return timeUnit{scale: l.scale, known: true}
			}
		case parser.ADD, parser.SUB:
			if l == r {
				return l
			}
		}
	}
	return timeUnit{}
}

// describedDuration finds "100ms", "1 s", "2.5 seconds" in annotation text.
var describedDuration = regexp.MustCompile(`(?i)(?:^|[^\w.])(\d+(?:\.\d+)?)\s*(ms|msec|milliseconds?|s|secs?|seconds?)\b`)

func checkUnitScale(p *lint.Pass, r *lint.Rule) {
	if !r.IsAlert() || ast(r) == nil || len(r.Annotations) == 0 {
		return
	}
	// The annotations are scanned only once a comparison of a time-valued
	// side is found: the regex over every annotation of every alert was
	// the most expensive part of lint on the public corpus.
	var durations []float64 // in seconds
	scanned := false
	described := func() []float64 {
		if scanned {
			return durations
		}
		scanned = true
		for _, a := range r.Annotations {
			for _, m := range describedDuration.FindAllStringSubmatch(a.Value.Value, -1) {
				v, err := strconv.ParseFloat(m[1], 64)
				if err != nil {
					continue
				}
				if strings.HasPrefix(strings.ToLower(m[2]), "m") {
					v /= 1000
				}
				durations = append(durations, v)
			}
		}
		return durations
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok {
			return true
		}
		side, op, v, ok := comparedWithScalar(b)
		if !ok || v <= 0 || (op != parser.GTR && op != parser.GTE && op != parser.LSS && op != parser.LTE) {
			return true
		}
		u := exprUnit(side)
		if !u.known || u.scale == 0 || u.perSec || len(described()) == 0 {
			return true
		}
		inUnit := func(secs float64) float64 { return secs / u.scale }
		same := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }
		var mismatch float64
		for _, d := range described() {
			if same(inUnit(d), v) {
				return false // the annotation agrees with the threshold
			}
			if same(inUnit(d), v*1000) || same(inUnit(d), v/1000) {
				mismatch = d
			}
		}
		if mismatch == 0 {
			return true
		}
		unit, other := "seconds", "milliseconds"
		if u.scale != 1 {
			unit, other = "milliseconds", "seconds"
		}
		start, end := thresholdRange(b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("the value is in %s, but the threshold %s reads as %s: the annotations describe it as %s, which is %s %s",
				unit, fmtNum(v), other, fmtSeconds(mismatch), fmtNum(inUnit(mismatch)), unit),
			fmt.Sprintf("compare with %s", fmtNum(inUnit(mismatch))))
		return false
	})
}

func fmtSeconds(secs float64) string {
	if secs < 1 {
		return fmtNum(secs*1000) + "ms"
	}
	return fmtNum(secs) + "s"
}
