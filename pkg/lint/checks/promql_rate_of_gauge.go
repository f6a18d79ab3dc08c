package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/lint/catalog"
)

// rateOfGauge extends promql/rate-non-counter to what it leaves alone:
// gauges named by words its list lacks (lag, in use, start time …) and
// subqueries over expressions that cannot be counters. Names that check
// already reports are skipped here, so one mistake gives one finding.
var rateOfGauge = &lint.Check{
	ID:       "promql/rate-of-gauge",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A rate or increase of a timestamp, a lag, an in-use level or a ratio",
		Text: `rate(), irate() and increase() read every decrease as a counter reset.
Some gauges escape promql/rate-non-counter's word list: timestamps
(process_start_time_seconds, whose rate is 0, or 1 after each restart —
count restarts with changes()), lags (kafka_consumergroup_lag,
mysql_slave_status_seconds_behind_master), delays and clock skews,
in-use levels (go_memstats_heap_inuse_bytes), ages and backlogs; states
(node_systemd_unit_state, …_phase, …_condition, …_ready) and stocks of
things (redis_connected_clients, redis_db_keys, …_entries, …_series);
names with a level word before their last (…_current_queue,
…_pending_tasks, …_outstanding_requests, …_blocked_…, container_memory_…,
etcd_server_has_leader); and kube-state-metrics' kube_* series, all
gauges but the _total ones. Words that also end counters' names
(status, success, healthy, a last current: pg_txid_current) are left
alone, as are the counters raw-cumulative knows. And a
subquery over a ratio or a product of two series
(increase((used / size)[4h:1m])) is never a counter: every time the
ratio goes down the result jumps. Use deriv(), delta() or changes()
instead.

A name pkg/lint/catalog knows (node_exporter, kube-state-metrics,
cAdvisor, Goldpinger) is judged by the type its exporter gives it
instead of by its words: a gauge is reported, a counter never.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings at first; the state, stock and level words added 3, judged
real (istiod's listener-conflict gauges, Presto's queued tasks and
blocked nodes under increase()), after status, success, healthy and a
last current were dropped for 11 findings on counters. Info until more
is measured. An earlier
draft that took every …_time_seconds for a timestamp gave 5 false
findings (…_query_time_seconds is accumulated time), hence the moment
words.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentRestarted
        expr: rate(process_start_time_seconds{job="agent"}[30m]) > 0
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentRestarted
        expr: changes(process_start_time_seconds{job="agent"}[30m]) > 0
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		walk(ast(r), func(n parser.Node, path []parser.Node) bool {
			fn := callName(n)
			if !counterFuncs[fn] || hasAncestorCall(path, isHistogramFunc) {
				return true
			}
			arg := n.(*parser.Call).Args[0]
			if sq, ok := unwrap(arg).(*parser.SubqueryExpr); ok {
				if b := stripScale(sq.Expr); b != nil && (b.Op == parser.DIV || b.Op == parser.MUL) &&
					!isScalar(b.LHS) && !isScalar(b.RHS) {
					start, end := nodeRange(n)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("%s() of a subquery over a %s of two series, which is not a counter: every decrease is read as a reset", fn, map[parser.ItemType]string{parser.DIV: "ratio", parser.MUL: "product"}[b.Op]),
						"use deriv() or delta() over the subquery")
				}
				return true
			}
			_, vs := matrixSelector(arg)
			if vs == nil {
				return true
			}
			name := selectorName(vs)
			// A catalogued exporter's own type beats a guess from the name
			// (goldpinger_nodes_health_total is a gauge, cAdvisor's
			// container_memory_failcnt a counter).
			if t := catalog.Type(name); t != "" && gaugeWord(name) == "" {
				if t == "gauge" {
					start, end := nodeRange(vs)
					p.ReportExpr(r, start, end,
						fmt.Sprintf("%s() on %s, which its exporter exports as a gauge: every decrease is read as a counter reset", fn, name),
						"use deriv() or delta()")
				}
				return true
			}
			if name == "" || isRecordedName(name) || isCounterName(name) || gaugeWord(name) != "" ||
				isKnownCounter(name) || bootCounters[name] || eventCountName(name) || histogramSeries(name) {
				return true
			}
			word := extraGaugeWord(name)
			if word == "" {
				return true
			}
			alt := "deriv() or delta()"
			if word == "time" {
				alt = "changes()"
			}
			start, end := nodeRange(vs)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s() on %s, which is a gauge by its name (%q): every decrease is read as a counter reset", fn, name, word),
				"use "+alt)
			return true
		})
	},
}

// extraGaugeWords end the names of gauges that gaugeWords lacks.
var extraGaugeWords = map[string]bool{
	"lag": true, "inuse": true, "age": true, "backlog": true, "occupancy": true,
	"saturation": true, "watermark": true, "offset": true, "delay": true, "skew": true,
	// 0/1 states (node_systemd_unit_state, kube_pod_status_phase). Not
	// status, success or healthy: cloudflare_zone_requests_status,
	// aerospike_…_read_success and envoy's …_cx_none_healthy count events.
	"state": true, "health": true, "phase": true, "condition": true, "ready": true,
	// Stocks of things, which exporters name _total when they count events
	// (redis_connected_clients, redis_db_keys, prometheus_tsdb_head_series).
	"clients": true, "entries": true, "keys": true, "series": true, "now": true,
}

// levelWords, anywhere in a name, say that it holds a level: how many
// are pending, queued or connected now (zookeeper_outstanding_requests,
// haproxy_backend_current_queue, redis_blocked_clients).
var levelWords = map[string]bool{
	"current": true, "pending": true, "outstanding": true, "blocked": true, "connected": true,
	"idle": true, "busy": true, "queued": true, "waiting": true, "running": true, "inflight": true,
	"active": true,
	// Memory is held, not spent (container_memory_rss, node_memory_Dirty_bytes).
	"memory": true,
	// etcd_server_has_leader, etcd_server_is_leader.
	"has": true, "is": true,
}

// behindWords follow "behind" at the end of a replication lag's name
// (mysql_slave_status_seconds_behind_master).
var behindWords = map[string]bool{"master": true, "primary": true, "source": true, "leader": true}

// momentWords, before time_seconds, say the series holds a moment.
var momentWords = map[string]bool{
	"start": true, "boot": true, "creation": true, "created": true, "change": true,
	"modified": true, "expiration": true, "expiry": true, "expire": true, "success": true, "failure": true,
}

// extraGaugeWord returns the word that marks name as a gauge: one of
// extraGaugeWords, "in use", or "time" before a seconds unit when the
// word before says it is a moment (start_time_seconds).
func extraGaugeWord(name string) string {
	words := strings.Fields(splitWords(baseName(name)))
	n := len(words)
	if n == 0 {
		return ""
	}
	last := n - 1
	if unitWords[words[last]] && last > 0 {
		// …_query_time_seconds is accumulated time, a counter;
		// …_start_time_seconds is a moment, a gauge.
		if words[last] == "seconds" && words[last-1] == "time" && last > 1 && (momentWords[words[last-2]] || words[0] == "last") {
			return "time"
		}
		last--
	}
	if extraGaugeWords[words[last]] {
		return words[last]
	}
	if last > 0 && words[last-1] == "in" && words[last] == "use" {
		return "in use"
	}
	if words[n-1] == "behind" || n > 1 && words[n-2] == "behind" && behindWords[words[n-1]] {
		return "behind"
	}
	// The first word is the exporter's name (memory_…, is_…), and the
	// last may say what the level is of (pg_txid_current, a transaction
	// id that only grows): both skipped.
	for _, w := range words[1:max(1, n-1)] {
		if levelWords[w] {
			return w
		}
	}
	// kube-state-metrics exports the state of objects: every series of
	// it but its _total counters is a gauge (kube_job_status_failed is
	// how many pods failed now).
	if strings.HasPrefix(name, "kube_") {
		return "kube-state-metrics"
	}
	return ""
}

// stripScale returns the vector-vector operation under any scaling by
// numbers ((a / b) * 100 → a / b), or nil.
func stripScale(e parser.Expr) *parser.BinaryExpr {
	for {
		b, ok := unwrap(e).(*parser.BinaryExpr)
		if !ok {
			return nil
		}
		switch {
		case isScalar(b.RHS) && !isScalar(b.LHS):
			e = b.LHS
		case isScalar(b.LHS) && !isScalar(b.RHS):
			e = b.RHS
		default:
			return b
		}
	}
}
