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
		Title: "A duration in seconds compared with a threshold in milliseconds, or the reverse, or multiplied by 100; a size in bytes above a handful of bytes",
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

A duration multiplied by 100 is reported whatever the annotations say:
seconds × 100 are neither milliseconds nor a percentage
(histogram_quantile(0.99, …_seconds_bucket …) * 100 > 1 fired at 10ms
for "higher than 1 second", grafana/loki#7809). Rates of time counters
(CPU seconds per second × 100, a percentage) are left alone. So is a
raw size in bytes that must exceed 2 to 1023 to fire:
sum(container_memory_usage_bytes{…}) > 10 fires for every process, the
10 meant megabytes (prometheus-operator/prometheus-operator#1765).

Measured on ../shared/corpus/valid (2 408 rules of four sources): no
finding. Three held-out real bugs (testdata/lint/realbugs/ho4-unit-*)
are caught. Info until findings on public rules can be judged.

A host's memory compared in bytes with a number below 1024 from below
(node_memory_MemAvailable_bytes < 512, meant in MiB) is reported too;
other stores are not judged from below, since a small one (an IPMI
event log of 16 KB) may well alert at 512 bytes free.`,
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
	// Substrings first: this runs for every selector compared with a
	// number.
	if !strings.Contains(name, "seconds") && !strings.Contains(name, "ms") {
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
	if ast(r) != nil && strings.Contains(r.Expr.Value.Value, "100") {
		checkDurationTimes100(p, r)
	}
	if ast(r) != nil && strings.Contains(r.Expr.Value.Value, "_bytes") {
		checkTinyBytes(p, r)
	}
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
		start, end := thresholdRange(r, b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("the value is in %s, but the threshold %s reads as %s: the annotations describe it as %s, which is %s %s",
				unit, fmtNum(v), other, fmtSeconds(mismatch), fmtNum(inUnit(mismatch)), unit),
			fmt.Sprintf("compare with %s", fmtNum(inUnit(mismatch))))
		return false
	})
}

// checkDurationTimes100 reports a duration (a latency quantile, a mean
// of a _seconds histogram) multiplied by 100: seconds × 1000 are
// milliseconds, a share × 100 is a percentage, but seconds × 100 are
// neither (grafana/loki#7809: histogram_quantile(…_seconds_bucket …) *
// 100 > 1 meant "slower than 1 second" and fired at 10ms). Rates of
// time counters (CPU seconds per second) are left out: × 100 makes them
// a percentage.
func checkDurationTimes100(p *lint.Pass, r *lint.Rule) {
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || b.Op != parser.MUL {
			return true
		}
		side := b.LHS
		if v, ok := scalarValue(b.RHS); !ok || v != 100 {
			if v, ok := scalarValue(b.LHS); !ok || v != 100 {
				return true
			}
			side = b.RHS
		}
		u := exprUnit(side)
		if !u.known || u.scale == 0 || u.perSec {
			return true
		}
		unit, to := "seconds", "milliseconds (× 1000)"
		if u.scale != 1 {
			unit, to = "milliseconds", "seconds (/ 1000)"
		}
		start, end := nodeRange(b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("a duration in %s multiplied by 100: that is neither %s nor a percentage, so the threshold it is compared with is off by a factor of 10 or 100", unit, to),
			fmt.Sprintf("compare the %s themselves, or multiply by %s", unit, map[bool]string{true: "1000 for milliseconds", false: "0.001 for seconds"}[u.scale == 1]))
		return false
	})
}

// checkTinyBytes reports a size in bytes that must exceed a handful of
// bytes to fire: sum(container_memory_usage_bytes{…}) > 10 fires for
// every process there is, the 10 meant megabytes or gigabytes
// (prometheus-operator/prometheus-operator#1765). Only raw _bytes
// gauges (through sum, max, min, avg and *_over_time) above a threshold
// from 2 to 1023 are reported; upper bounds (free space < 512) are
// left alone.
func checkTinyBytes(p *lint.Pass, r *lint.Rule) {
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok {
			return true
		}
		side, op, v, ok := comparedWithScalar(b)
		// A process's or a host's memory above 2048 bytes is every
		// process: a memory threshold under a megabyte was meant in
		// MB or GB (process_resident_memory_bytes > 2048).
		limit := 1024.0
		if name := rawBytes(side); strings.Contains(strings.ToLower(name), "mem") && (op == parser.GTR || op == parser.GTE) {
			limit = 1 << 20
		}
		if !ok || v < 2 || v >= limit {
			return true
		}
		// comparedWithScalar turns 10 < x round to x > 10.
		if op != parser.GTR && op != parser.GTE && op != parser.LSS && op != parser.LTE {
			return true
		}
		name := rawBytes(side)
		if name == "" {
			return true
		}
		effect := "any real size passes, so the alert fires for everything"
		if op == parser.LSS || op == parser.LTE {
			// A lower bound is judged on memory only: a small store
			// (an IPMI event log of 16 KB) may well alert at 512 bytes
			// free, a host's memory may not.
			if !strings.Contains(strings.ToLower(name), "mem") {
				return true
			}
			effect = "no host's memory is that small, so the alert never fires"
		}
		start, end := nodeRange(b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s is a size in bytes, compared with %s: %s; the threshold was likely meant in MB or GB", name, fmtNum(v), effect),
			fmt.Sprintf("write the threshold in bytes (%se6 for %s MB, %se9 for %s GB)", fmtNum(v), fmtNum(v), fmtNum(v), fmtNum(v)))
		return false
	})
}

// rawBytes returns the name of the raw _bytes gauge e's value is, through
// aggregations and functions that keep the unit, or "".
func rawBytes(e parser.Expr) string {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		if n := selectorName(e); strings.HasSuffix(n, "_bytes") && !strings.Contains(n, ":") {
			return n
		}
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.MAX, parser.MIN, parser.AVG:
			return rawBytes(e.Expr)
		}
	case *parser.Call:
		switch callName(e) {
		case "max_over_time", "min_over_time", "avg_over_time", "last_over_time":
			if m, ok := unwrap(e.Args[0]).(*parser.MatrixSelector); ok {
				return rawBytes(m.VectorSelector)
			}
		}
	}
	return ""
}

func fmtSeconds(secs float64) string {
	if secs < 1 {
		return fmtNum(secs*1000) + "ms"
	}
	return fmtNum(secs) + "s"
}
