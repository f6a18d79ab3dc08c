package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// Counter misuse that promql/rate-non-counter and promql/raw-counter do
// not cover: the wrong function on a counter, rates of sums, ratios of
// lifetime totals and the histogram series that are counters without the
// _total suffix.

var deltaCounter = &lint.Check{
	ID:       "promql/delta-counter",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title:     "delta(), idelta(), deriv() or sum_over_time() of a counter",
		Precision: "5/5 true",
		Text: `delta() and idelta() subtract the first sample from the last and know
nothing of counter resets: when the process restarts inside the window,
the counter drops to zero and the result is a large negative number.
For a counter use increase() (or rate(), irate()), which detect resets.
deriv() is the same mistake: the least-squares slope of a counter that
resets inside the window is torn down by the drop; rate() is the
per-second slope of a counter.

sum_over_time() of a counter adds up the running totals of every sample
in the window: the result grows with the counter's age and with the
number of samples, not with what happened in the window, so an alert on
it keeps firing after the errors stop. increase() is the count of events
in the window.

Counters are recognised by their _total suffix (names that read as a
level, …_nodes_offline_total, excepted), histograms' and summaries'
series (_bucket, _sum, and _count after a base unit: …_seconds_count)
and the exporters' counters named before the _total convention that
promql/raw-cumulative knows. A bare _count is not enough: exporters end
gauges in it too.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 5
findings, 5 judged real (100 %): delta() of …_errors_total and
…_refused_connections_total, and delta()/deriv() of mysqld_exporter's
status counters (which upstream later replaced with rate()).
sum_over_time() of a counter, added after the held-out batch ho4 (whose
kubevirt recording rules did it), adds no finding on the corpus. Warning.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: delta(agent_errors_total[10m]) > 5
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: increase(agent_errors_total[10m]) > 5
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			fn := callName(n)
			if fn != "delta" && fn != "idelta" && fn != "deriv" && fn != "sum_over_time" {
				return true
			}
			_, vs := matrixSelector(n.(*parser.Call).Args[0])
			if vs == nil {
				return true
			}
			name := selectorName(vs)
			// Only _total: exporters end gauges in _count too
			// (promscale_…_chunks_uncompressed_count).
			if name == "" || isRecordedName(name) || !(strings.HasSuffix(baseName(name), "_total") && !isTotalGauge(name) || histogramSeries(name) || isKnownCounter(name)) {
				return true
			}
			alt, harm, what := "increase", "a restart inside the window gives a large negative value", "ignores counter resets"
			switch fn {
			case "idelta":
				alt = "irate"
			case "deriv":
				alt, harm = "rate", "a restart inside the window tears the fitted slope down"
			case "sum_over_time":
				what, harm = "counts no events", "it adds up the running totals of every sample, so it grows with the counter's age, not with the events in the window"
			}
			start, end := nodeRange(n)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s() of the counter %s %s: %s", fn, name, what, harm),
				fmt.Sprintf("use %s(%s[…])", alt, name))
			return true
		})
	},
}

var alertIrate = &lint.Check{
	ID:       "alert/irate",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title:     "irate() in an alerting rule",
		Precision: "9/9 true",
		Text: `irate() looks only at the last two samples of its window, so it follows
every spike and dip. In an alert the condition then flaps between true
and false, the for: timer restarts and the alert fires late or never;
the window's length changes nothing but how far back a sample may be.
An alert on a series that a rule of the same file records from irate()
(level:metric:irate1m) is reported at the series.
rate() averages over the window and is what alerts want; irate() is for
zoomed-in graphs.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 9 findings
in 2 files, 9 judged real (100 %): irate() in alerts with for:, which
Prometheus's documentation says to avoid. Warning.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: sum(irate(agent_errors_total[5m])) > 1
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: sum(rate(agent_errors_total[5m])) > 1
        for: 10m
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		var rec map[string]parser.Expr
		done := false
		forEachRule(f, func(r *lint.Rule) {
			if ast(r) == nil || !r.IsAlert() {
				return
			}
			walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
				if callName(n) == "irate" {
					pr := n.PositionRange()
					p.ReportExpr(r, int(pr.Start), int(pr.Start)+len("irate"),
						"irate() in an alert follows the last two samples only, so the condition flaps and for: keeps restarting",
						"use rate() over the same window")
					return true
				}
				vs, ok := n.(*parser.VectorSelector)
				if !ok || !strings.Contains(selectorName(vs), ":") {
					return true
				}
				// A series recorded in the same file from irate() flaps
				// the same way.
				if !done {
					rec, done = recordedInFile(f), true
				}
				if x := rec[selectorName(vs)]; x != nil && readsIrate(x) {
					start, end := nodeRange(vs)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("%s is recorded in this file from irate(), which follows the last two samples only: the alert's condition flaps and for: keeps restarting", selectorName(vs)),
						"record rate() over the same window for the alert")
				}
				return true
			})
		})
	},
}

// readsIrate reports whether e calls irate().
func readsIrate(e parser.Expr) bool {
	found := false
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		found = found || callName(n) == "irate"
		return !found
	})
	return found
}

var rateOfSum = &lint.Check{
	ID:       "promql/rate-of-sum",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A rate() or increase() of a recorded sum of counters, or of a recorded ratio",
		Text: `Rate, then sum; never sum, then rate. A recording rule that sums raw
counters (sum(requests_total)) records a series that drops whenever one
of the summed counters resets; rate() of that series reads each drop as
a reset of the whole sum and adds the entire remaining total to the
result: a spike of millions of requests per second on every restart.
Record sum(rate(requests_total[5m])) instead, and read that series
without rate(). A recording rule that sums raw counters is reported on
its own when no rule of the file rates it yet: its readers elsewhere (a
dashboard, another file) will (openshift/cluster-monitoring-operator#231,
caught in review).

Adding raw counters (a_total + b_total) makes the same no-counter: a
rate() or increase() of the sum, recorded or in a subquery, spikes when
either resets.

The check reads the recording rules of the same file, and also judges a
recorded name by its parts: a metric part that is a counter
(…_total, _count, _sum, _bucket) and operations that sum without a rate
(job:requests_total:sum).

A series recorded in the same file as one series divided by another is
no counter either: rate() of it reads every drop of the ratio (a new
pod, a changed limit) as a reset, so the result runs high, "sometimes
going over 100%" (prometheus/prometheus#7144, a CPU counter divided by
the CPU limit, recorded as …_total and rated later).

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings (the pattern is absent from the corpus), so no measured
precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - record: job:agent_requests_total:sum
        expr: sum by (job) (agent_requests_total)
      - alert: AgentTrafficHigh
        expr: rate(job:agent_requests_total:sum[5m]) > 100
`,
		Good: `groups:
  - name: agent
    rules:
      - record: job:agent_requests:rate5m
        expr: sum by (job) (rate(agent_requests_total[5m]))
      - alert: AgentTrafficHigh
        expr: job:agent_requests:rate5m > 100
`,
	},
	File: checkRateOfSum,
}

func checkRateOfSum(p *lint.Pass, f *lint.File) {
	summed := recordedCounterSums(f)
	var divided map[string]bool
	forEachRule(f, func(r *lint.Rule) {
		if r.Record.Value != "" && ast(r) != nil && !summed[r.Record.Value] && recordsDivision(ast(r)) {
			if divided == nil {
				divided = map[string]bool{}
			}
			divided[r.Record.Value] = true
		}
	})
	rated := map[string]bool{}
	for _, d := range f.Docs {
		for _, g := range d.Groups {
			for _, r := range g.Rules {
				if ast(r) == nil {
					continue
				}
				walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
					fn := callName(n)
					if !counterFuncs[fn] {
						return true
					}
					if _, vs := matrixSelector(n.(*parser.Call).Args[0]); vs != nil && summed[selectorName(vs)] {
						rated[selectorName(vs)] = true
					}
					// rate(sum(x_total)[5m:1m]): the same mistake without
					// a recording rule.
					if sq, ok := unwrap(n.(*parser.Call).Args[0]).(*parser.SubqueryExpr); ok && sumsRawCounters(sq.Expr) {
						start, end := nodeRange(n)
						p.ReportExpr(r, start, end,
							fmt.Sprintf("%s() of a subquery that sums raw counters: a reset of any summed counter reads as a reset of the whole sum and makes a huge spike", fn),
							"take the rate first, then sum: sum(rate(x_total[5m]))")
						return false
					}
					_, vs := matrixSelector(n.(*parser.Call).Args[0])
					if vs == nil {
						return true
					}
					name := selectorName(vs)
					if divided[name] {
						start, end := nodeRange(n)
						p.ReportExpr(r, start, end,
							fmt.Sprintf("%s() of %s, recorded in this file as one series divided by another: a ratio is no counter, so every drop (a new pod, a changed limit) is read as a reset and the result runs high", fn, name),
							"take the rate of the counter first and divide after: rate(a_total[5m]) / b; for the change of a ratio use deriv()")
						return true
					}
					if !summed[name] && !summedCounterName(name) {
						return true
					}
					start, end := nodeRange(n)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("%s() of %s, a sum of raw counters: a reset of any summed counter reads as a reset of the whole sum and makes a huge spike", fn, name),
						"record the sum of the rates instead (sum(rate(x_total[5m]))) and use that series without rate()")
					return true
				})
			}
		}
	}
	// A recorded sum of raw counters that nothing here rates yet: the
	// series' next reader will, in a dashboard or another file
	// (openshift/cluster-monitoring-operator#231, caught in review).
	forEachRule(f, func(r *lint.Rule) {
		if r.Record.Value == "" || !summed[r.Record.Value] || rated[r.Record.Value] {
			return
		}
		start, end := nodeRange(ast(r))
		p.ReportExpr(r, start, end,
			fmt.Sprintf("%s records a sum of raw counters, which is no counter: it drops whenever a summed counter resets, so the rate() or increase() its readers take spikes on every restart, and its own value counts since each process started", r.Record.Value),
			"record the sum of the rates instead: sum(rate(x_total[5m]))")
	})
}

// relabelled strips label_replace and label_join from e: they change a
// series' labels, not what its value is.
func relabelled(e parser.Expr) parser.Expr {
	for {
		c, ok := unwrap(e).(*parser.Call)
		if !ok || (callName(c) != "label_replace" && callName(c) != "label_join") {
			return e
		}
		e = c.Args[0]
	}
}

// recordsDivision reports whether a recording rule's expression is one
// series divided by another (label_replace and friends aside).
func recordsDivision(e parser.Expr) bool {
	b, ok := unwrap(relabelled(e)).(*parser.BinaryExpr)
	return ok && b.Op == parser.DIV && !isScalar(b.LHS) && !isScalar(b.RHS)
}

// sumsRawCounters reports whether a recording rule's expression is a sum
// of counters that no rate-like function reads first.
func sumsRawCounters(e parser.Expr) bool {
	// node_network_receive_errs_total + node_network_transmit_errs_total:
	// two raw counters added, whose sum drops when either resets.
	if b, ok := unwrap(relabelled(e)).(*parser.BinaryExpr); ok && b.Op == parser.ADD && b.VectorMatching != nil {
		return rawCounterSelector(b.LHS) && rawCounterSelector(b.RHS)
	}
	// label_replace(sum(x_total) by (app), "service", …) is the same sum.
	a, ok := unwrap(relabelled(e)).(*parser.AggregateExpr)
	if !ok || a.Op != parser.SUM {
		return false
	}
	vs, ok := unwrap(a.Expr).(*parser.VectorSelector)
	if !ok {
		return false
	}
	name := selectorName(vs)
	return name != "" && !isRecordedName(name) && (isCounterName(name) || isKnownCounter(name)) && !strings.HasSuffix(name, "_created")
}

// rawCounterSelector reports whether e is a raw counter selector, or a
// sum of one.
func rawCounterSelector(e parser.Expr) bool {
	if sumsRawCounters(e) {
		return true
	}
	vs, ok := unwrap(e).(*parser.VectorSelector)
	if !ok {
		return false
	}
	name := selectorName(vs)
	return name != "" && !isRecordedName(name) && (isCounterName(name) || isKnownCounter(name)) && !strings.HasSuffix(name, "_created")
}

// summedCounterName reports whether a recorded name says it is a sum of a
// counter with no rate: level:x_total:sum.
func summedCounterName(name string) bool {
	parts := strings.Split(name, ":")
	if len(parts) != 3 {
		return false
	}
	metric, ops := parts[1], parts[2]
	return isCounterName(metric) && !strings.HasSuffix(metric, "_created") && (ops == "sum" || ops == "sum_total")
}

var counterRatio = &lint.Check{
	ID:       "promql/counter-ratio",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title:     "A ratio of raw counters",
		Precision: "5/5 true",
		Text: `Dividing one raw counter by another (errors_total / requests_total)
gives the ratio since each process started, not the ratio now: after a
week of good traffic a total outage moves it by a fraction of a percent,
and a restart resets it to whatever the first minutes say. Divide the
rates (or increases) over the same window instead.

Both sides must be raw counters (possibly summed or scaled): _total
names, except those that read as levels (…_nodes_offline_total) and
uptime counters, as in promql/raw-counter; or counters without _total
that promql/raw-cumulative knows: an exporter's counter named before the
convention (SNMP's ifInOctets, ingress-nginx's
nginx_ingress_controller_requests), an event count (…_errors,
…_failures), or a histogram's _sum and _count after a unit
(x_seconds_sum / x_seconds_count is the average since start, not now).
CloudWatch's …_sum statistics, gauges per period, have no unit before
_sum and are left alone. A series a recording rule of the same file
records as a sum of raw counters (sum(x_total) by (app), relabelled or
not) counts too, also when read through sum_over_time
(giantswarm/prometheus-rules#362: SLO ratios of recorded raw sums).
So does the sum or difference of two raw counters read at the same
moment (hits / (hits_total + misses_total), the lifetime hit ratio). A
rate() or increase() over a window divided by a raw counter, or the
reverse (increase(errors_total[1h]) / requests_total), mixes a window
with a lifetime and is reported too.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 5 findings
in 3 files, 5 judged real (100 %): a Spark failed/total task ratio,
pint's own test of the pattern, and Cassandra's read and write latency
alerts dividing a timer's raw _sum by its _count. Warning.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrorRatioHigh
        expr: sum(agent_errors_total) / sum(agent_requests_total) > 0.05
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentErrorRatioHigh
        expr: sum(rate(agent_errors_total[5m])) / sum(rate(agent_requests_total[5m])) > 0.05
        for: 10m
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		summed := recordedCounterSums(f)
		forEachRule(f, func(r *lint.Rule) {
			if ast(r) == nil {
				return
			}
			walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
				b, ok := n.(*parser.BinaryExpr)
				if !ok || b.Op != parser.DIV {
					return true
				}
				l, rr := rawCounterOperand(b.LHS, summed), rawCounterOperand(b.RHS, summed)
				if l == nil && rr != nil && rateUnder(b.LHS) != nil || l != nil && rr == nil && rateUnder(b.RHS) != nil {
					// increase(errors_total[1h]) / requests_total: a
					// window's events over a lifetime's.
					raw, windowed := rr, rateUnder(b.LHS)
					if l != nil {
						raw, windowed = l, rateUnder(b.RHS)
					}
					start, end := pairRange(r, b)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("the division mixes %s() over a window with the raw counter %s, which counts since the process started: the ratio shrinks as the process ages", callName(windowed), selectorName(raw)),
						fmt.Sprintf("take %s() of both sides over one window", callName(windowed)))
					return false
				}
				if l == nil || rr == nil {
					return true
				}
				what := "raw counters"
				if summed[selectorName(l)] || summed[selectorName(rr)] {
					what = "raw counters (recorded sums of counters, with no rate)"
				}
				start, end := pairRange(r, b)
				p.ReportExpr(r, start, end,
					fmt.Sprintf("%s / %s divides %s: the ratio since the processes started, which recent events barely move", selectorName(l), selectorName(rr), what),
					"divide their rates over one window: rate(a_total[5m]) / rate(b_total[5m])")
				return false
			})
		})
	},
}

// recordedCounterSums maps the names a file's recording rules record as
// sums of raw counters (sum(x_total), possibly relabelled).
func recordedCounterSums(f *lint.File) map[string]bool {
	out := map[string]bool{}
	forEachRule(f, func(r *lint.Rule) {
		if r.Record.Value != "" && ast(r) != nil && sumsRawCounters(ast(r)) {
			out[r.Record.Value] = true
		}
	})
	return out
}

var rawCumulative = &lint.Check{
	ID:       "promql/raw-cumulative",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A counter without _total (a histogram's _count, _sum or _bucket, a known exporter counter) compared with a threshold",
		Text: `The _count, _sum and _bucket series of a histogram or a summary are
counters although their names lack _total: they count every observation
since the process started. Compared with a threshold
(request_duration_seconds_count > 1000) they fire some time after
deployment and then forever. Compare their rate() or increase() over a
window (promql/raw-counter does the same for _total names).

Exporters end many gauges in _count (postgres_exporter's
pg_stat_activity_count, a JMX exporter's …_region_count), so a _count
series is judged only when a base unit comes before it
(…_seconds_count, …_bytes_count), the way histograms and summaries are
named, or a word for what they observe (…_latencies_count,
…_duration_count, …_microseconds_count, as in older Kubernetes); _sum and _bucket always are. So are a few well-known exporter
counters named before the _total convention: SNMP's IF-MIB interface
counters (ifInErrors, ifHCInOctets …), postgres_exporter's
pg_stat_database_xact_commit, …_deadlocks (also under CloudNativePG's
cnpg_ prefix), pg_stat_bgwriter_* and
pg_stat_user_tables_* scans and tuple counts, mysqld_exporter's
mysql_global_status_slow_queries and the like, node_exporter's names
before 0.16 (node_cpu, node_network_receive_bytes …) and its vmstat and
netstat kernel counters (node_vmstat_oom_kill,
node_netstat_Tcp_RetransSegs …), Kubernetes' apiserver_request_count
(before 1.14), ingress-nginx's
nginx_ingress_controller_requests and ClickHouse's
own ClickHouseProfileEvents_* and ClickHouseErrorMetric_* families. And
names that say they count events without saying _total: a last word
such as failures, errors, errs, drops, retries, restarts or timeouts
(cilium_…_remote_cluster_failures), or a past event before _count
(…_tripped_count, …_rejected_count), or a total before _count, as JMX
exporters name a counter's Count attribute
(cassandra_storage_totalhints_count). These are reported compared with 0
too (errors > 0 fires forever after the first one), histograms' _count
is not (x_count > 0 asks whether there was any traffic). The sum or
difference of two such counters read at the same moment
(x_bucket{le="+Inf"} - x_bucket{le="1"}, the slow requests since start)
is cumulative too; with an offset on one side it is a windowed increase
and is left alone.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 9
findings, 8 judged real: ClickHouse error and event counters compared
with == 1 or > 1, Cilium's remote cluster failures and OpenSearch's
circuit-breaker trips compared with > 0 (all since fixed upstream with
rate() or increase()); the ninth, SMART media errors > 0, may mean
"this disk has ever had one" on purpose. An earlier draft that judged
bare _count names gave 7, of which 1 was a counter: 14 %. Info until
more is measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentManyRequests
        expr: sum(agent_request_duration_seconds_count) > 1000
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentManyRequests
        expr: sum(increase(agent_request_duration_seconds_count[1h])) > 1000
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, path []parser.Node) bool {
			b, ok := n.(*parser.BinaryExpr)
			if !ok {
				return true
			}
			side, _, v, ok := comparedWithScalar(b)
			if !ok {
				return true
			}
			vs := rawCumulativeSelector(side)
			if vs == nil {
				return true
			}
			name := selectorName(vs)
			// x_count > 0 asks whether there was any traffic at all; an
			// error counter > 0 fires forever after the first error. As in
			// raw-counter, an and/unless operand compared with 0 is a guard.
			if v == 0 && (histogramSeries(name) || setOperand(path)) {
				return true
			}
			start, end := nodeRange(vs)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s is a counter without _total: it counts every event since the process started, and is compared with a threshold", name),
				fmt.Sprintf("compare its rate or increase over a window, e.g. increase(%s[1h])", name))
			return true
		})
	},
}

// rawCounterOperand is the raw counter a side of a division reads: a
// _total series (rawSelector) or a counter without _total that
// promql/raw-cumulative knows (a known exporter counter, an event count,
// or a histogram's _sum, _count or _bucket with a unit before it:
// CloudWatch's aws_lambda_errors_sum is a per-period statistic, a gauge).
func rawCounterOperand(e parser.Expr, summed map[string]bool) *parser.VectorSelector {
	if vs := rawSelector(e); vs != nil {
		return vs
	}
	// hits / (hits + misses): the sum of two raw counters read at the
	// same moment is a raw counter too (an offset copy makes an
	// increase, and is left alone).
	if b, ok := unwrap(e).(*parser.BinaryExpr); ok && (b.Op == parser.ADD || b.Op == parser.SUB) {
		l, r := rawCounterOperand(b.LHS, summed), rawCounterOperand(b.RHS, summed)
		if l != nil && r != nil && l.OriginalOffset == 0 && r.OriginalOffset == 0 && l.Timestamp == nil && r.Timestamp == nil {
			return l
		}
	}
	if vs := recordedSumSelector(e, summed); vs != nil {
		return vs
	}
	vs := rawCumulativeSelector(e)
	if vs == nil {
		return nil
	}
	if name := selectorName(vs); isKnownCounter(name) || bootCounters[name] || eventCountName(name) || unitHistogramSeries(name) {
		return vs
	}
	return nil
}

// recordedSumSelector returns the selector of a series recorded as a sum
// of raw counters that e reads as it is: summed or averaged again, over
// time too (sum(sum_over_time(raw_slo_errors[5m]))), which keeps it
// cumulative.
func recordedSumSelector(e parser.Expr, summed map[string]bool) *parser.VectorSelector {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		if summed[selectorName(e)] {
			return e
		}
	case *parser.MatrixSelector:
		return recordedSumSelector(e.VectorSelector, summed)
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.MAX, parser.MIN, parser.AVG:
			return recordedSumSelector(e.Expr, summed)
		}
	case *parser.Call:
		switch callName(e) {
		case "sum_over_time", "avg_over_time", "max_over_time", "min_over_time", "last_over_time", "label_replace", "label_join":
			return recordedSumSelector(e.Args[0], summed)
		}
	}
	return nil
}

// unitHistogramSeries reports whether a name is a histogram's or a
// summary's _sum, _count or _bucket series named after a base unit
// (…_seconds_sum, …_bytes_count).
func unitHistogramSeries(name string) bool {
	b := baseName(name)
	for _, s := range []string{"_sum", "_count", "_bucket"} {
		if rest, ok := strings.CutSuffix(b, s); ok {
			words := strings.Fields(splitWords(rest))
			return len(words) > 0 && unitWords[words[len(words)-1]]
		}
	}
	return false
}

// rawCumulativeSelector is rawSelector for _count, _sum and _bucket.
func rawCumulativeSelector(e parser.Expr) *parser.VectorSelector {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		name := selectorName(e)
		if name == "" || isRecordedName(name) || !(histogramSeries(name) || isKnownCounter(name) || bootCounters[name] || eventCountName(name)) {
			return nil
		}
		return e
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.MAX, parser.MIN, parser.AVG:
			return rawCumulativeSelector(e.Expr)
		}
	case *parser.BinaryExpr:
		if e.Op.IsOperator() && !e.Op.IsComparisonOperator() && !e.Op.IsSetOperator() {
			switch {
			case isScalar(e.RHS):
				return rawCumulativeSelector(e.LHS)
			case isScalar(e.LHS):
				return rawCumulativeSelector(e.RHS)
			case e.Op == parser.ADD || e.Op == parser.SUB:
				// The sum or difference of two counters read at the same
				// moment is cumulative too (x_bucket{le="+Inf"} -
				// x_bucket{le="1"}: the slow requests since start); one
				// read at an offset makes a windowed increase.
				l, r := rawCumulativeSelector(e.LHS), rawCumulativeSelector(e.RHS)
				if l != nil && r != nil && l.OriginalOffset == 0 && r.OriginalOffset == 0 && l.Timestamp == nil && r.Timestamp == nil {
					return l
				}
			}
		}
	}
	return nil
}

// eventPlurals end the names of counters of events that an exporter left
// without _total (cilium_…_remote_cluster_failures, node_…_errs).
var eventPlurals = map[string]bool{
	"failures": true, "errors": true, "errs": true, "drops": true, "retries": true,
	"restarts": true, "timeouts": true, "rejections": true, "evictions": true,
}

// eventVerbs, before _count, say what happened that many times
// (opensearch_circuitbreaker_tripped_count).
var eventVerbs = map[string]bool{
	"tripped": true, "rejected": true, "dropped": true, "evicted": true, "retried": true,
}

// eventCountName reports whether a name without _total reads as the
// number of events since start: its last word is an event in the plural,
// or a past event verb followed by _count.
func eventCountName(name string) bool {
	b := baseName(name)
	if strings.HasSuffix(b, "_total") {
		return false
	}
	words := strings.Fields(splitWords(b))
	n := len(words)
	switch {
	case n >= 2 && eventPlurals[words[n-1]]:
		return true
	case n >= 3 && words[n-1] == "count" && eventVerbs[words[n-2]]:
		return true
	case n >= 3 && words[n-1] == "count" && len(words[n-2]) > len("total") && strings.HasPrefix(words[n-2], "total"):
		// JMX exporters name a Dropwizard counter's Count attribute
		// …_totalhints_count, …_totalrequests_count: a total since start.
		return true
	}
	return false
}

// histogramSeries reports whether a name is a histogram's or summary's
// cumulative series: _bucket, _sum, or _count after a base unit.
func histogramSeries(name string) bool {
	b := baseName(name)
	switch {
	case strings.HasSuffix(b, "_bucket"), strings.HasSuffix(b, "_sum"):
		return true
	case strings.HasSuffix(b, "_count"):
		words := strings.Fields(splitWords(strings.TrimSuffix(b, "_count")))
		return len(words) > 0 && (unitWords[words[len(words)-1]] || observationWords[words[len(words)-1]])
	}
	return false
}

// observationWords, before _count, name what a summary or histogram
// observes without a base unit: Kubernetes' older
// apiserver_request_latencies_count, …_latency_microseconds_count.
var observationWords = map[string]bool{
	"latency": true, "latencies": true, "duration": true, "durations": true,
	"microseconds": true, "milliseconds": true,
}

// isKnownCounter reports whether a name is an exporter's counter named
// before the _total convention: one of knownCounters, or one of a family
// an exporter names by prefix.
func isKnownCounter(name string) bool {
	if knownCounters[name] {
		return true
	}
	// CloudNativePG's default monitoring queries export postgres's
	// statistics views under cnpg_<query>_<column>
	// (cnpg_pg_stat_database_deadlocks, cloudnative-pg's
	// config/manager/default-monitoring.yaml, columns of usage COUNTER).
	if n, ok := strings.CutPrefix(name, "cnpg_"); ok && knownCounters[n] {
		return true
	}
	for _, p := range knownCounterPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// bootCounters are node_exporter's vmstat and netstat kernel counters,
// exported under their /proc names with no _total (the default vmstat
// fields are all counters; netstat's CurrEstab is a gauge and is not
// listed). They count since boot, so compared raw with a threshold they
// fire forever; but node_exporter types them untyped and they reset
// only when the host reboots, so maintained rules take deriv() or
// delta() of them on purpose, and promql/delta-counter leaves them
// alone (its findings on them were judged debatable).
var bootCounters = map[string]bool{
	"node_vmstat_oom_kill": true, "node_vmstat_pgfault": true, "node_vmstat_pgmajfault": true,
	"node_vmstat_pgpgin": true, "node_vmstat_pgpgout": true,
	"node_vmstat_pswpin": true, "node_vmstat_pswpout": true,
	"node_netstat_Tcp_RetransSegs": true, "node_netstat_Tcp_OutSegs": true, "node_netstat_Tcp_InSegs": true,
	"node_netstat_Tcp_InErrs": true, "node_netstat_Tcp_OutRsts": true,
	"node_netstat_TcpExt_ListenDrops": true, "node_netstat_TcpExt_ListenOverflows": true,
	"node_netstat_TcpExt_SyncookiesFailed": true, "node_netstat_TcpExt_TCPSynRetrans": true,
	"node_netstat_Udp_InErrors": true, "node_netstat_Udp_NoPorts": true,
	"node_netstat_Udp_RcvbufErrors": true, "node_netstat_Udp_SndbufErrors": true,
}

// knownCounterPrefixes name families of counters without _total:
// ClickHouse's own endpoint exports system.events and system.errors as
// counters (ClickHouseProfileEvents_*, ClickHouseErrorMetric_*), while
// its ClickHouseMetrics_* and ClickHouseAsyncMetrics_* are gauges.
var knownCounterPrefixes = []string{"ClickHouseProfileEvents_", "ClickHouseErrorMetric_"}

// knownCounters are exporters' counters that predate the _total suffix.
var knownCounters = map[string]bool{
	"ifInErrors": true, "ifOutErrors": true, "ifInDiscards": true, "ifOutDiscards": true,
	"ifInOctets": true, "ifOutOctets": true, "ifHCInOctets": true, "ifHCOutOctets": true,
	"ifInUnknownProtos": true, "ifInUcastPkts": true, "ifOutUcastPkts": true,
	"ifHCInUcastPkts": true, "ifHCOutUcastPkts": true, "ifHCInMulticastPkts": true,
	"ifHCOutMulticastPkts": true, "ifHCInBroadcastPkts": true, "ifHCOutBroadcastPkts": true,
	"pg_stat_database_xact_commit": true, "pg_stat_database_xact_rollback": true,
	"pg_stat_database_blks_read": true, "pg_stat_database_blks_hit": true,
	"pg_stat_database_tup_returned": true, "pg_stat_database_tup_fetched": true,
	"pg_stat_database_tup_inserted": true, "pg_stat_database_tup_updated": true,
	"pg_stat_database_tup_deleted": true, "pg_stat_database_conflicts": true,
	"pg_stat_database_temp_files": true, "pg_stat_database_temp_bytes": true,
	"pg_stat_database_deadlocks":       true,
	"pg_stat_bgwriter_buffers_backend": true, "pg_stat_bgwriter_buffers_checkpoint": true,
	"pg_stat_bgwriter_buffers_clean": true, "pg_stat_bgwriter_buffers_alloc": true,
	"pg_stat_bgwriter_buffers_backend_fsync": true, "pg_stat_bgwriter_maxwritten_clean": true,
	"pg_stat_bgwriter_checkpoints_timed": true, "pg_stat_bgwriter_checkpoints_req": true,
	"pg_stat_user_tables_seq_scan": true, "pg_stat_user_tables_seq_tup_read": true,
	"pg_stat_user_tables_idx_scan": true, "pg_stat_user_tables_idx_tup_fetch": true,
	"pg_stat_user_tables_n_tup_ins": true, "pg_stat_user_tables_n_tup_upd": true,
	"pg_stat_user_tables_n_tup_del": true, "pg_stat_user_tables_n_tup_hot_upd": true,
	"pg_stat_user_tables_vacuum_count": true, "pg_stat_user_tables_autovacuum_count": true,
	"pg_stat_user_tables_analyze_count": true, "pg_stat_user_tables_autoanalyze_count": true,
	"mysql_global_status_created_tmp_disk_tables": true, "mysql_global_status_created_tmp_tables": true,
	"mysql_global_status_created_tmp_files": true, "mysql_global_status_innodb_row_lock_waits": true,
	"mysql_global_status_table_locks_waited": true, "mysql_global_status_select_full_join": true,
	"mysql_global_status_sort_merge_passes": true, "mysql_global_status_threads_created": true,
	"mysql_global_status_opened_tables": true, "mysql_global_status_opened_files": true,
	// Envoy's cluster counters, exported by its /stats/prometheus with
	// no _total (envoyproxy/envoy, docs/root/configuration/upstream/
	// cluster_manager/cluster_stats.rst: Counter).
	"envoy_cluster_upstream_rq_timeout": true, "envoy_cluster_upstream_rq_retry": true,
	"envoy_cluster_upstream_cx_connect_fail": true, "envoy_cluster_upstream_rq_pending_overflow": true,
	"envoy_cluster_upstream_cx_destroy": true, "envoy_cluster_upstream_rq_rx_reset": true,
	"envoy_cluster_upstream_rq_tx_reset": true, "envoy_cluster_upstream_cx_connect_timeout": true,
	// Kubernetes' apiserver request counter before 1.14 renamed it
	// apiserver_request_total.
	"apiserver_request_count":          true,
	"mysql_global_status_slow_queries": true, "mysql_global_status_questions": true,
	"mysql_global_status_queries": true, "mysql_global_status_aborted_clients": true,
	"mysql_global_status_aborted_connects": true, "mysql_global_status_innodb_log_waits": true,
	// node_exporter before 0.16, still in old rule files and federations.
	"node_cpu": true, "node_network_receive_bytes": true, "node_network_transmit_bytes": true,
	"node_network_receive_packets": true, "node_network_transmit_packets": true,
	"node_network_receive_errs": true, "node_network_transmit_errs": true,
	"node_network_receive_drop": true, "node_network_transmit_drop": true,
	"node_disk_bytes_read": true, "node_disk_bytes_written": true,
	"node_disk_reads_completed": true, "node_disk_writes_completed": true,
	"node_disk_io_time_ms": true, "node_disk_read_time_ms": true, "node_disk_write_time_ms": true,
	"node_context_switches": true, "node_intr": true, "node_forks": true,
	// ingress-nginx's request counter, the one its dashboards rate();
	// compared or divided raw in public rules more than once
	// (cloudposse-archives/helmfiles#208, kubernetes/ingress-nginx#8782).
	"nginx_ingress_controller_requests": true,
}
