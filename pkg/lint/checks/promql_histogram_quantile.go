package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/catalog"
)

var histogramQuantile = &lint.Check{
	ID:       "promql/histogram-quantile",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Precision: "1/1 true",
		Title:     "A histogram_quantile over something that is not a rate of buckets",
		Text: `histogram_quantile estimates a quantile from the per-bucket rates of a
classic histogram (the _bucket series, grouped by le) or from a native
histogram's rate. Given anything else it returns a number that is not a
quantile of recent observations:

- a plain selector with no rate()/increase() (or one smoothed with
  avg_over_time and the like) uses counts since the process started, so the "p95" barely moves after a few hours, and a series that is
  not a histogram at all yields NaN or nonsense;
- an aggregation that drops the le label (sum by (job), sum without (le),
  or sum with no by clause) merges all buckets into one series, so there is
  nothing left to estimate from;
- an aggregation that keeps le but does not add the buckets up (max
  without (prometheus_replica), min by (le), count by (le)) takes each
  bucket on its own, perhaps from a different replica or instance, so the
  buckets no longer form one histogram and the quantile can land in an
  empty bucket (Azure/ARO-HCP read a p99 of 12s when the slowest request
  took 26ms). Sum them: doubled buckets leave the ratio unchanged;
- a rate of a _sum, _count or _total series is not a histogram either;
- a quantile outside [0, 1] (95 meant as 0.95) always yields +Inf or -Inf;
- buckets selected without le="+Inf" (le!="+Inf") leave no total count,
  and the result is NaN;
- a summary (go_gc_duration_seconds, or one the metric catalog knows) has
  quantile series and no buckets, so the result is always empty.

Outside histogram_quantile, bucket series are reported when aggregated
so that no quantile can come from them: quantile() over them (a
quantile of bucket counts), and a sum or avg that merges every le (a
recording rule sum by (cluster) (rate(x_bucket[5m])) counts each
observation once per bucket it falls in), unless a matcher picks one le
(le="+Inf" counts the observations) or the sum only says whether there
were observations (compared with > 0, or the right side of and).

avg() or sum() of histogram_quantile results is reported as info: the
average of per-series quantiles is not the quantile of their
observations; aggregate the buckets and take one quantile.

A rate() of a name without _bucket is accepted: that is how native
histograms are queried. vLLM's names are the exception: its Python client
exposes classic histograms only, so rate(vllm:time_to_first_token_seconds[5m])
reads nothing (its buckets are vllm:time_to_first_token_seconds_bucket). Series recorded by a rule (level:metric:ops names)
are assumed to be rates already, unless a rule of the same file records
them from raw _bucket series outside any rate() (sum by (job, le)
(x_bucket) recorded, then read by histogram_quantile).`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: HighAgentLatency
        expr: histogram_quantile(0.95, agent_request_duration_seconds) > 5
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: HighAgentLatency
        expr: |
          histogram_quantile(0.95,
            sum by (le) (rate(agent_request_duration_seconds_bucket[5m]))
          ) > 5
        for: 10m
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		// The file's recording rules are looked up only when a
		// histogram_quantile reads a bare series, which few do.
		var rec map[string]parser.Expr
		done := false
		recorded := func() map[string]parser.Expr {
			if !done {
				rec, done = recordedInFile(f), true
			}
			return rec
		}
		forEachRule(f, func(r *lint.Rule) {
			checkHistogramQuantile(p, r, recorded)
			checkBucketAggregation(p, r)
		})
	},
}

// checkBucketAggregation reports bucket series aggregated outside
// histogram_quantile in a way no quantile can come from: quantile() over
// them (the quantile of bucket counts, not of observations), or a sum
// that merges every le (each observation counted once per bucket it
// falls in), unless a matcher picks one le (le="+Inf" counts all
// observations, le="0.5" those up to 0.5 s: a fair SLI).
func checkBucketAggregation(p *lint.Pass, r *lint.Rule) {
	if ast(r) == nil || !strings.Contains(r.Expr.Value.Value, "_bucket") {
		return
	}
	walk(ast(r), func(n parser.Node, path []parser.Node) bool {
		if callName(n) == "histogram_quantile" {
			return false // judged by checkHistogramQuantile
		}
		a, ok := n.(*parser.AggregateExpr)
		if !ok {
			return true
		}
		name := histogramSource(a.Expr)
		if !strings.HasSuffix(name, "_bucket") || isRecordedName(name) {
			return true
		}
		start, end := nodeRange(a)
		switch {
		case a.Op == parser.QUANTILE:
			p.ReportExpr(r, start, end,
				fmt.Sprintf("quantile() over %s takes a quantile of bucket counts, one series per le, not of the observations", name),
				fmt.Sprintf("use histogram_quantile: %s", hqCheck{p: p, phi: exprText(r, a.Param)}.fix(name, "by (le)")))
			return false
		case (a.Op == parser.SUM || a.Op == parser.AVG) && dropsLe(a) && !pinsLe(a.Expr) && !presenceGuard(a, path):
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s merges the le buckets of %s: buckets are cumulative, so each observation is counted once per bucket it falls in, and without le no quantile can be taken from the result", aggregationHead(a), name),
				"keep le in the grouping (by (…, le)), or select one bucket (le=\"+Inf\" counts every observation)")
			return false
		}
		return true
	})
}

// presenceGuard reports whether a is compared with > 0 (or != 0): the
// sum of every bucket is above 0 exactly when there were observations,
// a fair "there is traffic" guard beside a histogram_quantile (the Thanos
// and Promscale mixins' … and sum by (job) (rate(x_bucket[5m])) > 0).
func presenceGuard(a *parser.AggregateExpr, path []parser.Node) bool {
	for i := len(path) - 1; i >= 0; i-- {
		switch n := path[i].(type) {
		case *parser.ParenExpr:
			continue
		case *parser.BinaryExpr:
			// The right side of and/unless counts only by its presence.
			if (n.Op == parser.LAND || n.Op == parser.LUNLESS) && i+1 < len(path) && path[i+1] == n.RHS {
				return true
			}
			if (n.Op == parser.LAND || n.Op == parser.LUNLESS) && i+1 == len(path) && parser.Node(n.RHS) == parser.Node(a) {
				return true
			}
			_, op, v, ok := comparedWithScalar(n)
			return ok && v == 0 && (op == parser.GTR || op == parser.NEQ)
		}
		return false
	}
	return false
}

// pinsLe reports whether the bucket selector under e picks one le.
func pinsLe(e parser.Expr) bool {
	pinned := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		if vs, ok := n.(*parser.VectorSelector); ok {
			for _, m := range vs.LabelMatchers {
				if m.Name == "le" && (m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp) {
					pinned = true
				}
			}
		}
		return !pinned
	})
	return pinned
}

func checkHistogramQuantile(p *lint.Pass, r *lint.Rule, recorded func() map[string]parser.Expr) {
	if ast(r) == nil {
		return
	}
	walk(ast(r), func(n parser.Node, path []parser.Node) bool {
		c, ok := n.(*parser.Call)
		if !ok || callName(c) != "histogram_quantile" || len(c.Args) != 2 {
			return true
		}
		h := hqCheck{p: p, r: r, phi: exprText(r, c.Args[0]), recorded: recorded}
		if a := aggregatedQuantile(path); a != nil {
			start, end := nodeRange(a)
			// Info: the average of quantiles is often meant as a rough
			// figure; it is only wrong, not empty.
			p.ReportExprSeverity(diag.Info, r, start, end,
				fmt.Sprintf("%s() of quantiles: the %s of per-series %s quantiles is not the %s quantile of their observations (one slow replica among many idle ones is averaged away)", a.Op, a.Op, h.phi, h.phi),
				fmt.Sprintf("aggregate the buckets first and take one quantile: histogram_quantile(%s, sum by (…, le) (rate(x_bucket[5m])))", h.phi))
		}
		if phi, ok := unwrap(c.Args[0]).(*parser.NumberLiteral); ok && (phi.Val < 0 || phi.Val > 1) {
			// A percentile written as a percentage: 95 for 0.95.
			start, end := nodeRange(phi)
			fix := "use a quantile between 0 and 1"
			if phi.Val > 1 && phi.Val < 100 {
				fix = fmt.Sprintf("use %g for the %gth percentile", phi.Val/100, phi.Val)
			}
			p.ReportExpr(r, start, end,
				fmt.Sprintf("histogram_quantile(%s, …): the quantile must be between 0 and 1, otherwise the result is always %s", h.phi, infFor(phi.Val)),
				fix)
		}
		h.inspect(c.Args[1])
		return true
	})
}

type hqCheck struct {
	p   *lint.Pass
	r   *lint.Rule
	phi string
	// recorded returns the series recorded in the same file.
	recorded func() map[string]parser.Expr
}

// inspect walks the histogram argument down through aggregations and
// arithmetic to the series it reads, reporting the first thing that makes
// the result wrong.
func (h hqCheck) inspect(arg parser.Expr) {
	switch e := unwrap(arg).(type) {
	case *parser.AggregateExpr:
		if name := histogramSource(e.Expr); isClassicBucket(name) && dropsLe(e) {
			start, end := nodeRange(e)
			h.p.ReportExpr(h.r, start, end,
				fmt.Sprintf("%s drops the le label, so histogram_quantile gets one merged series per group instead of buckets", aggregationHead(e)),
				fmt.Sprintf("keep le in the grouping: %s", h.fix(name, groupingWithLe(e))))
			return
		}
		if name := histogramSource(e.Expr); isClassicBucket(name) && !sumsBuckets(e) {
			start, end := nodeRange(e)
			h.p.ReportExpr(h.r, start, end,
				fmt.Sprintf("%s picks or counts buckets one le at a time instead of adding them, so the buckets histogram_quantile gets are not one histogram (each le may come from another series) and the quantile can land in a bucket nobody observed", aggregationHead(e)),
				fmt.Sprintf("add the buckets up, duplicates included (a ratio of buckets does not change when every bucket is doubled): %s", h.fix(name, groupingWithLe(e))))
			return
		}
		h.inspect(e.Expr)
	case *parser.BinaryExpr:
		// With group_left/group_right the "one" side only lends labels
		// (… * on (instance) group_left (node) kubelet_node_name): only
		// the "many" side holds the histogram.
		card := parser.CardOneToOne
		if e.VectorMatching != nil {
			card = e.VectorMatching.Card
		}
		if !isScalar(e.LHS) && card != parser.CardOneToMany {
			h.inspect(e.LHS)
		}
		if !isScalar(e.RHS) && card != parser.CardManyToOne {
			h.inspect(e.RHS)
		}
	case *parser.VectorSelector:
		name := selectorName(e)
		if x := h.recorded()[name]; x != nil {
			if raw := rawBucketsIn(x); raw != "" {
				start, end := nodeRange(e)
				h.p.ReportExpr(h.r, start, end,
					fmt.Sprintf("histogram_quantile over %s, which this file records from %s with no rate(): it reads the bucket counts since process start, not recent observations", name, raw),
					"record the rate of the buckets: "+h.fix(raw, "by (le)"))
			}
			return
		}
		if name == "" || isRecordedName(name) {
			return
		}
		start, end := nodeRange(e)
		what := "it is not a _bucket series, so the result is not a quantile of recent observations"
		if isClassicBucket(name) {
			what = "it reads the bucket counts since process start, not recent observations"
		}
		h.p.ReportExpr(h.r, start, end,
			fmt.Sprintf("histogram_quantile over %s with no rate(): %s", name, what),
			"use the rate of the buckets: "+h.fix(name, "by (le)"))
	case *parser.Call:
		if fn := callName(e); strings.HasSuffix(fn, "_over_time") && len(e.Args) > 0 {
			// avg_over_time(x_bucket[5m]): the raw counts, smoothed.
			if _, vs := matrixSelector(e.Args[len(e.Args)-1]); vs != nil {
				if name := selectorName(vs); strings.HasSuffix(name, "_bucket") && !isRecordedName(name) {
					start, end := nodeRange(vs)
					h.p.ReportExpr(h.r, start, end,
						fmt.Sprintf("histogram_quantile over %s(%s) with no rate(): it reads the bucket counts since process start, not recent observations", fn, name),
						"use the rate of the buckets: "+h.fix(name, "by (le)"))
				}
			}
			return
		}
		if !counterFuncs[callName(e)] || len(e.Args) != 1 {
			return
		}
		_, vs := matrixSelector(e.Args[0])
		if vs == nil {
			return
		}
		name := selectorName(vs)
		if m := infExcluded(vs); m != nil {
			start, end := nodeRange(vs)
			h.p.ReportExpr(h.r, start, end,
				fmt.Sprintf("histogram_quantile over buckets selected with %s: without the le=\"+Inf\" bucket there is no total count, and histogram_quantile returns NaN", m),
				"drop the le matcher: histogram_quantile needs every bucket, +Inf included")
			return
		}
		if summaryName(name) {
			start, end := nodeRange(vs)
			h.p.ReportExpr(h.r, start, end,
				fmt.Sprintf("histogram_quantile over %s(%s): it is a summary, which has quantile series (%s{quantile=\"0.99\"}) and no buckets, so the result is always empty", callName(e), name, name),
				fmt.Sprintf("read the summary's own quantile: max by (job) (%s{quantile=\"…\"})", name))
			return
		}
		if classicOnly(name) {
			start, end := nodeRange(vs)
			h.p.ReportExpr(h.r, start, end,
				fmt.Sprintf("histogram_quantile over %s(%s): vLLM exports only classic histograms, whose series are %s_bucket, _sum and _count, so nothing has this name and the quantile is always empty", callName(e), name, name),
				"use the _bucket series: "+h.fix(name, "by (le)"))
			return
		}
		base := baseName(name)
		for _, s := range []string{"_sum", "_count", "_total", "_created"} {
			if strings.HasSuffix(base, s) {
				start, end := nodeRange(vs)
				h.p.ReportExpr(h.r, start, end,
					fmt.Sprintf("histogram_quantile over %s(%s): a %s series is not a histogram, only _bucket series (or a native histogram) are", callName(e), name, s),
					"use the _bucket series: "+h.fix(name, "by (le)"))
				return
			}
		}
	}
}

// fix spells out the corrected call for a histogram named like name.
func (h hqCheck) fix(name, grouping string) string {
	base := name
	for _, s := range []string{"_bucket", "_sum", "_count", "_total", "_created"} {
		base = strings.TrimSuffix(base, s)
	}
	return fmt.Sprintf("histogram_quantile(%s, sum %s (rate(%s_bucket[%s])))",
		h.phi, grouping, base, suggestedWindow(h.p.Config.ScrapeInterval))
}

// histogramSource is the name of the series an aggregation argument reads
// through further aggregations and rate-like functions, or "".
func histogramSource(e parser.Expr) string {
	switch e := unwrap(e).(type) {
	case *parser.AggregateExpr:
		return histogramSource(e.Expr)
	case *parser.VectorSelector:
		return selectorName(e)
	case *parser.MatrixSelector:
		return histogramSource(e.VectorSelector)
	case *parser.SubqueryExpr:
		return histogramSource(e.Expr)
	case *parser.Call:
		name := callName(e)
		if len(e.Args) > 0 && (counterFuncs[name] || strings.HasSuffix(name, "_over_time")) {
			return histogramSource(e.Args[0])
		}
	case *parser.BinaryExpr:
		// A filter or a scale by a number keeps the series what they were:
		// sum(rate(x_bucket[1m]) > 0) by (job) still sums buckets.
		switch {
		case isScalar(e.RHS) && !isScalar(e.LHS):
			return histogramSource(e.LHS)
		case isScalar(e.LHS) && !isScalar(e.RHS):
			return histogramSource(e.RHS)
		}
	}
	return ""
}

// isClassicBucket reports whether a name is (or was recorded from) a
// classic histogram's _bucket series.
func isClassicBucket(name string) bool {
	return strings.HasSuffix(name, "_bucket") || strings.Contains(name, "_bucket:")
}

// dropsLe reports whether an aggregation merges series with different le.
func dropsLe(e *parser.AggregateExpr) bool {
	switch e.Op {
	case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
		return false
	}
	has := false
	for _, g := range e.Grouping {
		if g == "le" {
			has = true
		}
	}
	return has == e.Without
}

// sumsBuckets reports whether an aggregation that keeps le still yields
// buckets of one histogram: sum adds them, avg scales every bucket alike,
// and topk-like operators pass whole series through. max, min, count,
// group, quantile and the like take each le on its own, so the buckets
// they return can come from different series and need not even grow
// with le.
func sumsBuckets(e *parser.AggregateExpr) bool {
	switch e.Op {
	case parser.MAX, parser.MIN, parser.COUNT, parser.GROUP, parser.QUANTILE,
		parser.STDDEV, parser.STDVAR, parser.COUNT_VALUES:
		return false
	}
	return true
}

// aggregationHead prints the aggregation's operator and grouping, e.g.
// "sum by (job)" or "sum without (le)".
func aggregationHead(e *parser.AggregateExpr) string {
	op := e.Op.String()
	switch {
	case e.Without:
		return fmt.Sprintf("%s without (%s)", op, strings.Join(e.Grouping, ", "))
	case len(e.Grouping) > 0:
		return fmt.Sprintf("%s by (%s)", op, strings.Join(e.Grouping, ", "))
	}
	return op + " with no by (le)"
}

// groupingWithLe is the grouping clause of e with le kept.
func groupingWithLe(e *parser.AggregateExpr) string {
	if e.Without {
		var rest []string
		for _, g := range e.Grouping {
			if g != "le" {
				rest = append(rest, g)
			}
		}
		if len(rest) > 0 {
			return fmt.Sprintf("without (%s)", strings.Join(rest, ", "))
		}
		return "by (le)"
	}
	return fmt.Sprintf("by (%s)", strings.Join(append(append([]string(nil), e.Grouping...), "le"), ", "))
}

// exprText is the source text of node n of r's expression.
func exprText(r *lint.Rule, n parser.Node) string {
	start, end := nodeRange(n)
	s := r.Expr.Value.Value
	if start < 0 || end > len(s) || start >= end {
		return n.String()
	}
	return s[start:end]
}

// infFor is what histogram_quantile returns for a quantile out of range.
func infFor(phi float64) string {
	if phi < 0 {
		return "-Inf"
	}
	return "+Inf"
}

// rawBucketsIn returns the name of a classic _bucket series that a
// recording rule's expression aggregates raw, outside any rate(),
// irate(), increase() or _over_time function, or "".
func rawBucketsIn(e parser.Expr) string {
	raw := ""
	walk(e, func(n parser.Node, path []parser.Node) bool {
		if raw != "" {
			return false
		}
		switch n := n.(type) {
		case *parser.Call:
			name := callName(n)
			return !counterFuncs[name] && !strings.HasSuffix(name, "_over_time") && name != "delta" && name != "idelta" && name != "deriv"
		case *parser.SubqueryExpr:
			return false
		case *parser.VectorSelector:
			if name := selectorName(n); strings.HasSuffix(name, "_bucket") && !isRecordedName(name) {
				raw = name
			}
		}
		return true
	})
	return raw
}

// classicOnly reports whether name is a vLLM metric's own name read where
// a histogram is meant. vLLM exports through Python's prometheus_client,
// which exposes classic histograms only (every vLLM histogram is declared
// with its buckets= list, vllm/v1/metrics/loggers.py): a rate() of the
// bare name is not a native histogram but an empty selector. The vllm:
// prefix also keeps the name out of isRecordedName's reach, whose colons
// would otherwise make it look like a recording rule.
func classicOnly(name string) bool {
	rest, ok := strings.CutPrefix(name, "vllm:")
	if !ok || rest == "" {
		return false
	}
	for _, s := range []string{"_bucket", "_sum", "_count", "_total", "_created"} {
		if strings.HasSuffix(rest, s) {
			return false
		}
	}
	return true
}

// aggregatedQuantile returns the avg or sum aggregation that takes
// histogram_quantile's result directly (through parentheses), or nil.
// max and min of quantiles are left alone: the worst replica's quantile
// is a fair thing to alert on.
func aggregatedQuantile(path []parser.Node) *parser.AggregateExpr {
	for i := len(path) - 1; i >= 0; i-- {
		switch n := path[i].(type) {
		case *parser.ParenExpr, *parser.StepInvariantExpr:
			continue
		case *parser.AggregateExpr:
			if n.Op == parser.AVG || n.Op == parser.SUM {
				return n
			}
		}
		return nil
	}
	return nil
}

// infExcluded returns the le matcher of vs that leaves out the +Inf
// bucket, or nil.
func infExcluded(vs *parser.VectorSelector) *labels.Matcher {
	for _, m := range vs.LabelMatchers {
		if m.Name == "le" && !m.Matches("+Inf") {
			return m
		}
	}
	return nil
}

// summaryName reports whether name is a summary's own name: the catalog
// says so, or it is client_golang's go_gc_duration_seconds, which every Go
// program exports as a summary (prometheus/client_golang,
// prometheus/go_collector.go).
func summaryName(name string) bool {
	return name == "go_gc_duration_seconds" || catalog.Type(name) == "summary"
}
