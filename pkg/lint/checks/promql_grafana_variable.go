package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var grafanaVariable = &lint.Check{
	ID:       "promql/grafana-variable",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A matcher value holding a Grafana dashboard variable ($pod, ${pod}, [[pod]])",
		Text: `Dashboard queries filter with Grafana variables, pod=~"$pod", which
Grafana replaces before the query reaches Prometheus. A query copied from
a dashboard into a rule keeps the variable as written: nothing expands it
there. After = the selector asks for the label value "$pod", which no
series has; after =~ the $ is the regex's end-of-value anchor, so no text
can follow it and the regex matches nothing. Either way the selector is
empty and the alert can never fire (grafana/jsonnet-libs#1206, where
CiliumAgentMapOperationFailures selected pod=~"$pod"). After != or !~ the
matcher excludes nothing.

Reported for $name, ${name} (with or without a :format) and [[name]] in
any matcher value; a \$ written to match a literal dollar is left alone.
Drop the matcher, or write the values the rule should select.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured, though no
reading of such a selector selects what the dashboard did.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: sum by (pod) (rate(agent_errors_total{pod=~"$pod"}[5m])) > 0
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        expr: sum by (pod) (rate(agent_errors_total[5m])) > 0
        for: 5m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		// Almost no expression holds a $ or [[ at all: look at the text
		// before walking the tree.
		if ast(r) == nil || !strings.Contains(r.Expr.Value.Value, "$") && !strings.Contains(r.Expr.Value.Value, "[[") {
			return
		}
		eachDistinctMatcher(ast(r), func(vs *parser.VectorSelector, m *labels.Matcher) {
			v := dashboardVariable(m.Value)
			if v == "" || m.Name == labels.MetricName {
				return
			}
			var effect string
			switch m.Type {
			case labels.MatchEqual:
				effect = fmt.Sprintf("it matches only the value %q, which no series has, so the selector returns nothing", m.Value)
			case labels.MatchRegexp:
				effect = "in a regex $ ends the value, so the selector returns nothing"
				if strings.HasPrefix(v, "[[") {
					effect = "as a regex it is a character class matching one character, so the selector returns nothing meant"
				}
			default:
				effect = "the matcher excludes nothing"
			}
			start, end := nodeRange(vs)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s holds the Grafana variable %s, which nothing expands in a rule: %s", m.String(), v, effect),
				fmt.Sprintf("drop the %s matcher, or write the values the rule should select", m.Name))
		})
	},
}

// dashboardVariable returns the first Grafana variable reference in a
// matcher value ($pod, ${pod}, ${pod:regex}, [[pod]]), or "".
func dashboardVariable(v string) string {
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '$' && (i == 0 || v[i-1] != '\\'):
			j := i + 1
			if j < len(v) && v[j] == '{' {
				k := strings.IndexByte(v[j:], '}')
				if k > 1 && isIdentStart(v[j+1]) {
					return v[i : j+k+1]
				}
				continue
			}
			if j < len(v) && isIdentStart(v[j]) {
				k := j + 1
				for k < len(v) && isIdentByte(v[k]) {
					k++
				}
				return v[i:k]
			}
		case strings.HasPrefix(v[i:], "[[") && i+2 < len(v) && isIdentStart(v[i+2]):
			if k := strings.Index(v[i:], "]]"); k > 2 {
				return v[i : i+k+2]
			}
		}
	}
	return ""
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
