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

// catalogChecks read pkg/lint/catalog: what well-known exporters export
// and what they renamed. Knowledge no rule file holds, so neither
// promtool nor pint can have it.
var catalogChecks = []*lint.Check{renamedMetric, unknownMetric}

var renamedMetric = &lint.Check{
	ID:       "promql/renamed-metric",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A selector names a metric its exporter renamed or removed",
		Text: `Exporters rename metrics between major versions: node_exporter 0.16
renamed most of its metrics to carry base units and _total
(node_filesystem_avail became node_filesystem_avail_bytes, node_cpu
became node_cpu_seconds_total), and kube-state-metrics 2.0 renamed
kube_hpa_* to kube_horizontalpodautoscaler_* and folded
kube_node_status_capacity_cpu_cores and its siblings into
kube_node_status_capacity{resource="cpu"}; Kubernetes 1.14 renamed the
kubelet's microsecond summaries (kubelet_pod_start_latency_microseconds
became kubelet_pod_start_duration_seconds) and apiserver_request_count,
and 1.17 turned the old names off. A rule written for the old
exporter still loads, its selector matches nothing on the new one, and
the alert never fires: nothing says so (scylladb/scylla-monitoring#1282,
a disk-space alert on node_filesystem_avail).

Reported when a selector's name is in the rename table of
pkg/lint/catalog (each row cited from the exporter's changelog or
compatibility rules) and the current exporter no longer exports it. A
name the linted file records itself, and an expression that also reads
the replacement (old or new, for both versions), are left alone. The
fix names the replacement selector, with this selector's matchers.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings (the one rule there that reads a kube-state-metrics 1.x name
reads its 2.x replacement beside it), so no measured precision: info
until measured, though each finding is a name its exporter's own
changelog says it stopped exporting. On the public rules of
testdata/lint/realbugs (written 2017–2021 for other bugs) it reports 8
selectors in 7 files, each true for today's exporters.`,
		Bad: `groups:
  - name: node
    rules:
      - alert: HostDiskFull
        expr: node_filesystem_avail{mountpoint="/"} / node_filesystem_size{mountpoint="/"} < 0.1
        for: 10m
`,
		Good: `groups:
  - name: node
    rules:
      - alert: HostDiskFull
        expr: node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"} < 0.1
        for: 10m
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		eachCatalogSelector(f, func(r *lint.Rule, vs *parser.VectorSelector, name string) {
			rn, ok := catalog.Renamed(name)
			if !ok || recordedIn(f, name) {
				return
			}
			for _, n := range namesIn(rn.Replacement) {
				if reads(ast(r), n) {
					return // reads old and new: written for both versions
				}
			}
			// An expression replacement (label_replace, * 1000) rebuilds
			// the old series; the message names the metric it reads.
			instead := rn.Replacement
			if e, err := lint.ParseExpr(instead); err == nil {
				if _, ok := e.(*parser.VectorSelector); !ok {
					if names := namesIn(instead); len(names) > 0 {
						instead = names[0]
					}
				}
			}
			note := ""
			if rn.Note != "" {
				note = " (" + rn.Note + ")"
			}
			start, end := nodeRange(vs)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s was renamed by %s %s: it exports %s instead%s, so this selector matches nothing on a current %s", name, rn.Exporter, rn.Version, instead, note, rn.Exporter),
				"read "+replacementSelector(vs, rn.Replacement))
		})
	},
}

var unknownMetric = &lint.Check{
	ID:       "promql/unknown-metric",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A selector names a metric one letter away from one a well-known exporter exports",
		Text: `A misspelt metric name selects nothing: Prometheus accepts any name,
the alert never fires, and nothing is logged. Goldpinger's README
shipped an example alert on goldpinger_nodes_healthy_total for a year;
Goldpinger exports goldpinger_nodes_health_total
(bloomberg/goldpinger#48).

Reported when a selector's name is under a prefix pkg/lint/catalog
covers (node_, kube_, container_, machine_, goldpinger_), is not in the
catalog, and is one letter away from a name that is: one letter added,
dropped or changed, or two neighbours swapped, never a digit (node_load1
and node_load5 are two metrics). A name the linted file records itself
is left alone, as is a renamed one (promql/renamed-metric reports those),
one that differs from the catalogued name only in capitals (node_exporter
spells some metrics per platform: node_memory_Active_bytes on Linux,
node_memory_active_bytes on Darwin), and one in a family whose names come
from the host (node_zfs_, node_lnstat_, node_ethtool_, node_sysctl_).

The catalog is not complete (node_exporter's textfile collector takes
any node_* name, and some collectors name metrics after the host's
kernel files), so a name merely missing from it is never reported, and
a near miss is info: check the exporter's /metrics.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured.`,
		Bad: `groups:
  - name: goldpinger
    rules:
      - alert: GoldpingerNodesUnhealthy
        expr: sum by (goldpinger_instance) (goldpinger_nodes_healthy_total{status="unhealthy"}) > 0
        for: 5m
`,
		Good: `groups:
  - name: goldpinger
    rules:
      - alert: GoldpingerNodesUnhealthy
        expr: sum by (goldpinger_instance) (goldpinger_nodes_health_total{status="unhealthy"}) > 0
        for: 5m
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		eachCatalogSelector(f, func(r *lint.Rule, vs *parser.VectorSelector, name string) {
			if !catalog.Covers(name) {
				return
			}
			if _, renamed := catalog.Renamed(name); renamed {
				return
			}
			m, ok := catalog.Near(name)
			if !ok || recordedIn(f, name) {
				return
			}
			start, end := nodeRange(vs)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s is not a metric %s exports, but %s is: a misspelt name selects nothing, so the rule never has a result", name, m.Exporter, m.Name),
				"read "+replacementSelector(vs, m.Name))
		})
	},
}

// eachCatalogSelector calls fn for every named selector of f's rules
// whose expression mentions a prefix the catalog knows; fn does the
// catalog look-ups, and asks recordedIn only on a hit. Most rules mention
// none, and are passed over without a walk.
func eachCatalogSelector(f *lint.File, fn func(r *lint.Rule, vs *parser.VectorSelector, name string)) {
	forEachRule(f, func(r *lint.Rule) {
		if ast(r) == nil || !catalog.Mentioned(r.Expr.Value.Value) {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			if vs, ok := n.(*parser.VectorSelector); ok {
				if name := selectorName(vs); name != "" {
					fn(r, vs, name)
				}
			}
			return true
		})
	})
}

// recordedIn reports whether a rule of f records name: then reading it
// reads that rule, whatever the exporter calls its metric. Asked only on
// a finding, so a scan is cheap enough.
func recordedIn(f *lint.File, name string) bool {
	found := false
	forEachRule(f, func(r *lint.Rule) {
		found = found || r.Record.Value == name
	})
	return found
}

// reads reports whether e has a selector of the metric name.
func reads(e parser.Node, name string) bool {
	for _, vs := range selectors(e) {
		if selectorName(vs) == name {
			return true
		}
	}
	return false
}

// namesIn lists the metric names an expression (a replacement from the
// catalog) reads.
func namesIn(expr string) []string {
	e, err := lint.ParseExpr(expr)
	if err != nil {
		return nil
	}
	var out []string
	for _, vs := range selectors(e) {
		out = append(out, selectorName(vs))
	}
	return out
}

// replacementSelector is the selector to read instead of vs: the
// replacement's name and matchers with vs's other matchers, or, when the
// replacement is an expression (label_replace, a unit conversion), that
// expression and a word about the matchers.
func replacementSelector(vs *parser.VectorSelector, replacement string) string {
	e, err := lint.ParseExpr(replacement)
	repl, ok := e.(*parser.VectorSelector)
	if err != nil || !ok {
		if len(ownMatchers(vs)) == 0 {
			return replacement
		}
		return replacement + ", with this selector's matchers"
	}
	ms := ownMatchers(repl)
	for _, m := range ownMatchers(vs) {
		dup := false
		for _, r := range ms {
			dup = dup || r.Name == m.Name
		}
		if !dup {
			ms = append(ms, m)
		}
	}
	var b strings.Builder
	b.WriteString(selectorName(repl))
	if len(ms) > 0 {
		b.WriteByte('{')
		for i, m := range ms {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.String())
		}
		b.WriteByte('}')
	}
	return b.String()
}

// ownMatchers are a selector's matchers other than the one on its name.
func ownMatchers(vs *parser.VectorSelector) []*labels.Matcher {
	var out []*labels.Matcher
	for _, m := range vs.LabelMatchers {
		if m.Name != labels.MetricName {
			out = append(out, m)
		}
	}
	return out
}
