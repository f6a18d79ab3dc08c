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

var regexInEquality = &lint.Check{
	ID:       "promql/regex-in-equality",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "An = or != matcher whose value is a regex alternation or wildcard",
		Text: `= and != compare the whole label value as a string. A value written as
an alternation, action="deleteObject|deleteBucket", is a regular
expression only after =~; after = it matches the label value
"deleteObject|deleteBucket", which no series has, so the selector
returns nothing and the alert can never fire (scality/cloudserver#4116).
After != it excludes nothing. Use =~ (or !~).

Reported when every alternative is a plain word, a number or a path
(letters, digits, _ . : / -), so a value that merely contains a | among
other characters is left alone. A value with a .* or .+ wildcard
(pod="virt-controller-.*", job=".+") is the same mistake
(kubevirt/kubevirt#3101): no label value is spelt with them. So is a
status class written as a pattern, code="5.." or status="4\\d\\d".

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured, though the
selector cannot match what was meant in any reading of it. The wildcard
case, added after the held-out batch ho4, adds no finding either.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentWritesFailing
        expr: sum(rate(agent_requests_total{op="put|delete", code=~"5.."}[5m])) > 1
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentWritesFailing
        expr: sum(rate(agent_requests_total{op=~"put|delete", code=~"5.."}[5m])) > 1
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil {
			return
		}
		eachDistinctMatcher(ast(r), func(vs *parser.VectorSelector, m *labels.Matcher) {
			if (m.Type != labels.MatchEqual && m.Type != labels.MatchNotEqual) || !(alternation(m.Value) || wildcard(m.Value)) {
				return
			}
			op, want := "=", "=~"
			effect := "which no series has, so the selector returns nothing"
			if m.Type == labels.MatchNotEqual {
				op, want = "!=", "!~"
				effect = "which no series has, so the matcher excludes nothing"
			}
			what := "alternation"
			if !alternation(m.Value) {
				what = "wildcard"
			}
			start, end := nodeRange(vs)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("%s%s%q compares the whole value as a string: it matches only the value %q, %s; the %s works only after %s", m.Name, op, m.Value, m.Value, effect, what, want),
				fmt.Sprintf("write %s%s%q", m.Name, want, m.Value))
		})
	},
}

// plainAlternative is one alternative of a value that reads as a regex
// alternation: a word, a number or a path.
var plainAlternative = regexp.MustCompile(`^[A-Za-z0-9_.:/-]+$`)

// alternation reports whether a label value reads as a regex alternation
// of plain alternatives ("a|b", "GET|POST|PUT").
func alternation(v string) bool {
	parts := strings.Split(v, "|")
	if len(parts) < 2 {
		return false
	}
	for _, a := range parts {
		if !plainAlternative.MatchString(a) {
			return false
		}
	}
	return true
}

// wildcard reports whether a label value holds a regex wildcard, .* or
// .+, which no label value is spelt with.
func wildcard(v string) bool {
	// code="5..": the dots of a status class, any character to a regexp.
	return strings.Contains(v, ".*") || strings.Contains(v, ".+") || statusClass.MatchString(v)
}

// statusClass matches a status-code class written as a regexp: 5.., 4\d\d,
// [45]...
var statusClass = regexp.MustCompile(`^(?:[1-5]\.\.|[1-5]\\d\\d|[1-5]\[0-9\]\[0-9\]|\[[1-5]+\]\.\.)$`)
