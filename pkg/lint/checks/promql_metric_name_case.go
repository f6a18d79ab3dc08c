package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var metricNameCase = &lint.Check{
	ID:       "promql/metric-name-case",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "One expression spells a metric name, or its exporter prefix, with two different cases",
		Text: `Metric names are case-sensitive: Squid_client_http_requests_total and
squid_client_http_requests_total are two different series, and only one
of them exists. When one expression reads a name, or one exporter's
prefix (squid_ and Squid_), spelt with two different cases, one spelling
is a typo and its selector is empty; in a ratio with clamp_min(…, 1) around it, or
under and/unless, the alert then never fires and nothing says why
(grafana/jsonnet-libs#1060, where SquidLowCacheHitRatio divided by
Squid_client_http_requests_total).

The finding is on the spelling with more capitals, the one that breaks
the lower-case convention. Names an exporter spells with capitals
throughout (Catalina_GlobalRequestProcessor_…) are left alone. Fix the
spelling.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentLowCacheHitRatio
        expr: rate(agent_cache_hits_total[10m]) / clamp_min(rate(Agent_cache_requests_total[10m]), 1) < 0.85
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentLowCacheHitRatio
        expr: rate(agent_cache_hits_total[10m]) / clamp_min(rate(agent_cache_requests_total[10m]), 1) < 0.85
        for: 10m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		// Metric names are nearly always lower case: an expression with
		// no capital letter at all cannot hold two spellings.
		if ast(r) == nil || !hasUpper(r.Expr.Value.Value) {
			return
		}
		var sels []*parser.VectorSelector
		upper := false
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			if vs, ok := n.(*parser.VectorSelector); ok && vs.Name != "" {
				sels = append(sels, vs)
				upper = upper || hasUpper(vs.Name)
			}
			return true
		})
		if !upper {
			return // the capitals were in label values, not in names
		}
		reported := map[string]bool{}
		for i, a := range sels {
			for _, b := range sels[i+1:] {
				if a.Name == b.Name {
					continue
				}
				// The whole name, or the exporter prefix before the first
				// underscore: squid_…_hits_total and Squid_…_requests_total
				// are one exporter's series spelt two ways.
				an, bn := a.Name, b.Name
				if !strings.EqualFold(an, bn) {
					an, bn = metricPrefix(an), metricPrefix(bn)
					if an == bn || !strings.EqualFold(an, bn) {
						continue
					}
				}
				odd, other := b, a
				if upperCount(an) > upperCount(bn) {
					odd, other = a, b
				}
				if reported[odd.Name] {
					continue
				}
				reported[odd.Name] = true
				start, end := nodeRange(odd)
				p.ReportExpr(r, start, end,
					fmt.Sprintf("%s is spelt with other capitals than %s, read by the same expression: metric names are case-sensitive, so one of the two selectors is empty", odd.Name, other.Name),
					"spell the name as the exporter does")
			}
		}
	},
}

// metricPrefix is a metric name up to its first underscore, the part
// that names the exporter or subsystem.
func metricPrefix(name string) string {
	if i := strings.IndexByte(name, '_'); i > 0 {
		return name[:i]
	}
	return name
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

func upperCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			n++
		}
	}
	return n
}
