package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/catalog"
)

var rateNonCounter = &lint.Check{
	ID:       "promql/rate-non-counter",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Precision: "5/5 true",
		Title:     "A rate, irate or increase of a gauge",
		Text: `rate(), irate() and increase() assume their input only goes up and
treat every drop as a counter reset. On a gauge (a queue depth, a memory
size, a temperature) each decrease is read as a reset to zero, so the
result is inflated by whole values and is never negative.

The check is name-based and needs no Prometheus server. Many exporters
name counters without _total (SNMP's ifHCInOctets, postgres_exporter's
pg_stat_database_xact_commit), so a missing suffix alone proves nothing:
the check reports a name only when it is not counter-like (_total,
_count, _sum, _bucket, _created) and its last word says it is a level —
depth, size, used, free, available, limit, capacity, active, running,
waiting, pending, queued, ratio, percent, temperature, timestamp, info,
memory and the like (the unit suffix skipped: …_free_bytes), or that
is an exporter's gauge named like a counter (postgres_exporter's
pg_stat_activity_count, the connections open now), or that
names a maximum or minimum anywhere (pg_stat_activity_max_tx_duration:
the postgres-exporter mixin's PostgreSQLSlowQueries rates it, and
cloudnative-pg's chart did the same with cnpg_backends_max_tx_duration_seconds).
Names recorded by rules (level:metric:operations) are not judged, nor
are series under a histogram_*() function. Use deriv() or delta() for
the trend of a gauge.

It also reports a rate, irate or increase (summed, averaged or scaled by
a positive number) compared with a value below zero, whatever the name:
increase(index_docs[30m]) <= -100 can never hold, and whoever wrote it
expected the series to fall, which only a gauge does.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentQueueGrowing
        expr: rate(agent_queue_depth[10m]) > 1
        for: 15m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentQueueGrowing
        expr: deriv(agent_queue_depth[10m]) > 1
        for: 15m
`,
	},
	Rule: checkRateNonCounter,
}

func checkRateNonCounter(p *lint.Pass, r *lint.Rule) {
	if ast(r) == nil {
		return
	}
	checkNegativeRate(p, r)
	walk(ast(r), func(n parser.Node, path []parser.Node) bool {
		fn := callName(n)
		if !counterFuncs[fn] {
			return true
		}
		_, vs := matrixSelector(n.(*parser.Call).Args[0])
		if vs == nil {
			return true
		}
		name := selectorName(vs)
		word := knownGauges[name]
		if word == "" && (name == "" || isRecordedName(name) || isCounterName(name) || hasAncestorCall(path, isHistogramFunc)) {
			return true
		}
		if word == "" {
			word = gaugeWord(name)
		}
		if word == "" {
			return true
		}
		alt := "deriv"
		if fn == "increase" {
			alt = "delta"
		}
		start, end := nodeRange(vs)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s() on %s, which is a gauge by its name (%q; counters end in _total): every decrease is read as a counter reset", fn, name, word),
			fmt.Sprintf("for a gauge use %s(%s[…]); if it is a counter, name it %s_total", alt, name, name))
		return true
	})
}

// checkNegativeRate reports a rate, irate or increase compared with a
// value below zero (increase(x[30m]) <= -100): the functions never return
// a negative value, so the condition never holds, and whoever wrote it
// expected the series to go down, which only a gauge does.
func checkNegativeRate(p *lint.Pass, r *lint.Rule) {
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || b.ReturnBool {
			return true
		}
		side, op, c, ok := comparedWithScalar(b)
		if !ok || !(op == parser.LSS && c <= 0 || op == parser.LTE && c < 0) {
			return true
		}
		call := rateUnder(side)
		if call == nil {
			return true
		}
		fn := callName(call)
		alt := "deriv"
		if fn == "increase" {
			alt = "delta"
		}
		start, end := thresholdRange(r, b)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s() is never negative (a drop is read as a counter reset), so %s %s can never hold", fn, op, strconv.FormatFloat(c, 'g', -1, 64)),
			fmt.Sprintf("for a series that can go down (a gauge) use %s(); for a counter compare with a value ≥ 0", alt))
		return true
	})
}

// rateUnder returns the rate, irate or increase call whose sign e keeps:
// through parentheses, sum/avg/min/max aggregations and scaling by a
// positive number; or nil.
func rateUnder(e parser.Expr) *parser.Call {
	for {
		switch n := unwrap(e).(type) {
		case *parser.Call:
			if counterFuncs[callName(n)] {
				return n
			}
			return nil
		case *parser.AggregateExpr:
			switch n.Op {
			case parser.SUM, parser.AVG, parser.MIN, parser.MAX:
				e = n.Expr
			default:
				return nil
			}
		case *parser.BinaryExpr:
			switch {
			case n.Op == parser.MUL && positiveNumber(n.LHS):
				e = n.RHS
			case (n.Op == parser.MUL || n.Op == parser.DIV) && positiveNumber(n.RHS):
				e = n.LHS
			default:
				return nil
			}
		default:
			return nil
		}
	}
}

func positiveNumber(e parser.Expr) bool {
	v, ok := scalarValue(e)
	return ok && v > 0
}

var rawCounter = &lint.Check{
	ID:       "promql/raw-counter",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A raw counter compared with a threshold",
		Text: `A counter's value is the number of events since the process started; it
resets on every restart and keeps growing otherwise. Comparing it with a
threshold (errors_total > 100) fires some time after deployment and then
forever, or never again after a restart: it says nothing about what is
happening now. Compare its rate() or increase() over a window instead.

Some exporters end gauges in _total too, meaning "how many there are
now" (…_nodes_offline_total, …_pending_total); names whose last word
before _total says so are not reported, nor are uptime counters, which
are compared raw on purpose, nor guards (x_total > 0 and …, … and
x_total == 0) that ask whether anything was ever counted. A series a
rule of the same file records as a sum of raw counters
(job:http_requests:sum = sum by (job) (http_requests_total)) is a raw
counter too, and so is a counter's average, maximum, minimum or last
value over a window (avg_over_time(tasks_failed_total[15m]) > 5).

The check reports at info: on the public rule sets a name cannot tell a
real counter from a gauge an exporter suffixed _total (the number of
active incidents), and only 2 of its 3 remaining findings there were
right (testdata/lint/precision). Raise it with checks:
{promql/raw-counter: {severity: warning}}.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: sum(agent_errors_total) > 100
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: sum(increase(agent_errors_total[1h])) > 100
        for: 5m
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		summed := recordedCounterSums(f)
		forEachRule(f, func(r *lint.Rule) { checkRawCounter(p, r, summed) })
	},
}

// checkRawCounter reports r's comparisons of a raw counter with a
// threshold; summed names the series the file records as sums of raw
// counters (job:http_requests:sum = sum by (job) (http_requests_total)),
// which are raw counters too.
func checkRawCounter(p *lint.Pass, r *lint.Rule, summed map[string]bool) {
	if ast(r) == nil {
		return
	}
	walk(ast(r), func(n parser.Node, path []parser.Node) bool {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !b.Op.IsComparisonOperator() {
			return true
		}
		var side, threshold parser.Expr
		switch {
		case isScalar(b.RHS) && !isScalar(b.LHS):
			side, threshold = b.LHS, b.RHS
		case isScalar(b.LHS) && !isScalar(b.RHS):
			side, threshold = b.RHS, b.LHS
		default:
			return true
		}
		if isZero(threshold) && setOperand(path) {
			// x_total > 0 and …, … and x_total == 0: a guard on whether
			// anything was ever counted (or against dividing by zero),
			// where the value since start is the point.
			return true
		}
		vs := rawSelectorIn(side, summed)
		if vs == nil {
			return true
		}
		name := selectorName(vs)
		msg := fmt.Sprintf("%s is a counter compared with a threshold: its value counts events since the process started, not recent ones", name)
		if summed[name] {
			msg = fmt.Sprintf("%s, recorded in this file as a sum of raw counters, is compared with a threshold: its value counts events since the processes started, not recent ones", name)
		}
		start, end := nodeRange(vs)
		p.ReportExpr(r, start, end, msg,
			fmt.Sprintf("compare its rate or increase over a window, e.g. increase(%s[1h])", name))
		return true
	})
}

// isZero reports whether e is the number literal 0.
func isZero(e parser.Expr) bool {
	n, ok := unwrap(e).(*parser.NumberLiteral)
	return ok && n.Val == 0
}

// setOperand reports whether the node whose ancestors are path is an
// operand of and or unless (through parentheses).
func setOperand(path []parser.Node) bool {
	for i := len(path) - 1; i >= 0; i-- {
		switch p := path[i].(type) {
		case *parser.ParenExpr:
			continue
		case *parser.BinaryExpr:
			return p.Op == parser.LAND || p.Op == parser.LUNLESS
		}
		return false
	}
	return false
}

// passThrough are functions and aggregations that keep a counter a counter
// (they do not turn it into a rate), so raw-counter looks through them.
var passThrough = map[string]bool{
	"abs": true, "ceil": true, "floor": true, "round": true,
	"clamp": true, "clamp_min": true, "clamp_max": true,
	"label_replace": true, "label_join": true, "sort": true, "sort_desc": true,
	"last_over_time": true, "max_over_time": true, "min_over_time": true,
}

// rawSelector returns the _total selector whose raw value e compares, or
// nil when e turns it into a rate (or does anything the check cannot
// follow, such as subtracting an offset copy of itself).
func rawSelector(e parser.Expr) *parser.VectorSelector { return rawSelectorIn(e, nil) }

// rawSelectorIn is rawSelector that also takes the names in summed
// (series recorded as sums of raw counters) for raw counters.
func rawSelectorIn(e parser.Expr, summed map[string]bool) *parser.VectorSelector {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		if summed[selectorName(e)] {
			return e
		}
		// Uptime counters are compared raw on purpose ("restarted in the
		// last minute").
		if name := selectorName(e); name != "" && !isRecordedName(name) && strings.HasSuffix(baseName(name), "_total") &&
			!strings.Contains(name, "uptime") && !isTotalGauge(name) && catalog.Type(name) != "gauge" {
			return e
		}
	case *parser.MatrixSelector:
		return rawSelectorIn(e.VectorSelector, summed)
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.MAX, parser.MIN, parser.AVG, parser.TOPK, parser.BOTTOMK, parser.QUANTILE, parser.LIMITK:
			return rawSelectorIn(e.Expr, summed)
		}
	case *parser.Call:
		if passThrough[callName(e)] && len(e.Args) > 0 {
			return rawSelectorIn(e.Args[0], summed)
		}
		// The average, maximum, minimum or last value of a counter over
		// a window is still a count since the process started
		// (avg_over_time(celery_task_failed_total[15m]) > 5).
		switch callName(e) {
		case "avg_over_time", "max_over_time", "min_over_time", "last_over_time", "quantile_over_time":
			if len(e.Args) > 0 {
				return rawSelectorIn(e.Args[len(e.Args)-1], summed)
			}
		}
	case *parser.BinaryExpr:
		// Scaling a counter (x_total / 1024) keeps it a counter.
		if b := e; b.Op.IsOperator() && !b.Op.IsComparisonOperator() && !b.Op.IsSetOperator() {
			switch {
			case isScalar(b.RHS):
				return rawSelectorIn(b.LHS, summed)
			case isScalar(b.LHS):
				return rawSelectorIn(b.RHS, summed)
			}
		}
	}
	return nil
}

var rateWindow = &lint.Check{
	ID:       "promql/rate-window",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "A rate window shorter than twice the scrape interval",
		Text: `rate(), irate(), increase(), delta(), idelta(), deriv() and
predict_linear() need at least two samples inside their range. With a
window shorter than two scrape intervals, some evaluations see one sample
and return nothing, so the alert flaps and its for: timer resets; a
missed scrape empties the window entirely. Make the window at least
twice the scrape interval, better four times.

The scrape interval is configurable (scrape_interval in .agentalerts.yaml).
Without it the check assumes 15s, the shortest interval in common use, so
that it flags only windows too short for nearly every setup: a [1m] window
is sound at 15s or 30s and is not reported until scrape_interval says
otherwise. A window of exactly twice the assumed 15s ([30s]) is reported:
it holds two samples only when no scrape is missed, and one at any
longer interval.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: HighAgentErrorRate
        expr: sum(rate(agent_requests_total{status="error"}[20s])) > 1
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: HighAgentErrorRate
        expr: sum(rate(agent_requests_total{status="error"}[5m])) > 1
        for: 5m
`,
	},
	Rule: checkRateWindow,
}

func checkRateWindow(p *lint.Pass, r *lint.Rule) {
	if ast(r) == nil {
		return
	}
	// Without a configured scrape interval the shortest common one is
	// assumed, so only windows too short for nearly any setup are flagged:
	// a [1m] window is fine at the usual 15s or 30s.
	scrape := p.Config.EffectiveScrapeInterval()
	what := "the scrape interval"
	if p.Config.ScrapeInterval <= 0 {
		what = "the shortest common scrape interval"
	}
	walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
		fn := callName(n)
		if !windowFuncs[fn] {
			return true
		}
		ms, vs := matrixSelector(n.(*parser.Call).Args[0])
		// With the interval assumed, a window of exactly twice it is
		// judged too: [30s] holds two samples at 15s only when no scrape
		// is missed, and a single sample at any longer interval.
		if ms == nil || ms.Range <= 0 || ms.Range > 2*scrape || ms.Range == 2*scrape && p.Config.ScrapeInterval > 0 {
			return true
		}
		_, start := nodeRange(vs)
		p.ReportExpr(r, start, int(ms.EndPos),
			fmt.Sprintf("%s() window [%s] is %s twice %s (%s): it often holds fewer than the two samples %s() needs", fn, fmtDuration(ms.Range), map[bool]string{true: "shorter than", false: "no longer than"}[ms.Range < 2*scrape], what, fmtDuration(scrape), fn),
			fmt.Sprintf("use a window of at least %s, e.g. [%s]", fmtDuration(2*scrape), suggestedWindow(scrape)))
		return true
	})
}

// knownGauges are exporters' gauges whose names end like a counter's,
// with the word that says what they hold.
var knownGauges = map[string]string{
	// prometheus-community/postgres_exporter, collector/pg_stat_activity:
	// "number of connections in this state", a GAUGE despite _count.
	"pg_stat_activity_count": "the connections open now",
}

// gaugeWords end the names of series that hold a level, not a count of
// events.
var gaugeWords = map[string]bool{
	"depth": true, "size": true, "length": true, "used": true, "usage": true,
	"free": true, "available": true, "avail": true, "limit": true, "capacity": true,
	"active": true, "running": true, "waiting": true, "pending": true,
	"inflight": true, "queued": true, "up": true, "ratio": true, "percent": true,
	"perc": true, "pct": true, "celsius": true, "fahrenheit": true, "temperature": true,
	"temp": true, "info": true, "enabled": true,
	"replicas": true, "utilization": true, "utilisation": true, "level": true,
	"max": true, "min": true, "gauge": true, "timestamp": true, "version": true,
	"workers": true, "threads": true, "goroutines": true, "fds": true, "shards": true,
	"memory": true, "remaining": true, "allocated": true, "open": true, "connected": true,
	"load1": true, "load5": true, "load15": true,
}

// gaugeLeads start the names of series that hold a level (active_agents).
var gaugeLeads = map[string]bool{"active": true, "current": true, "inflight": true}

// unitWords are base-unit suffixes skipped before looking at the word
// that says what is measured (node_memory_MemFree_bytes → free).
var unitWords = map[string]bool{
	"bytes": true, "seconds": true, "meters": true, "volts": true,
	"amperes": true, "joules": true, "grams": true, "hertz": true, "watts": true,
}

// gaugeWord returns the word of a metric name that marks it as a gauge,
// or "" when the name does not say.
func gaugeWord(name string) string {
	words := strings.Fields(splitWords(baseName(name)))
	if len(words) == 0 {
		return ""
	}
	last := len(words) - 1
	if unitWords[words[last]] && last > 0 {
		last--
	}
	if gaugeWords[words[last]] {
		return words[last]
	}
	if len(words) > 1 && gaugeLeads[words[0]] {
		return words[0]
	}
	// A maximum or minimum of something is a level, wherever the word
	// sits (cnpg_backends_max_tx_duration_seconds, process_max_fds);
	// counters name what they count, not an extreme of it.
	if !isCounterName(name) {
		for i, w := range words[:last] {
			if w == "max" || w == "maximum" || w == "min" || w == "minimum" {
				return w
			}
			// etcd_mvcc_db_total_size_in_use_in_bytes: what is in use
			// now is a level.
			if w == "in" && i+1 < len(words) && words[i+1] == "use" {
				return "in use"
			}
		}
	}
	return ""
}

// stockWords end the names of gauges that exporters suffix with _total to
// mean "how many there are now" (minio_cluster_nodes_offline_total,
// envoy_cluster_membership_total, container_fs_inodes_total).
var stockWords = map[string]bool{
	"offline": true, "online": true, "unapplied": true, "membership": true,
	"inodes": true, "nodes": true, "members": true, "managers": true,
	"drives": true, "disks": true, "partitions": true, "resources": true, "resource": true,
	"instances": true, "availabilities": true,
}

// isTotalGauge reports whether a _total name reads as a level: one of its
// last two words before _total is a gauge word or a stock of things.
func isTotalGauge(name string) bool {
	words := strings.Fields(splitWords(strings.TrimSuffix(baseName(name), "_total")))
	if len(words) == 0 {
		return false
	}
	// The word before last too: argocd_repo_pending_request_total.
	for _, w := range words[max(0, len(words)-2):] {
		if stockWords[w] || gaugeWords[w] {
			return true
		}
	}
	return false
}
