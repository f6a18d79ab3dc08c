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

var alertStatusClass = &lint.Check{
	ID:       "alert/name-contradicts-query",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "An alert named for one class of HTTP status codes whose selectors pick another",
		Text: `An alert called NginxIngressHigh5XXRate whose selector reads
status=~"^4.." measures client errors: it pages on 404s and stays quiet
through an outage of 502s (astronomer/astronomer#642). Copying an alert
for the other class and editing the name but not the matcher is the
usual way in.

Reported when an alert's name or summary names a status class (5xx,
4xx, 3xx, 2xx) and the expression's selectors that match a status-code
label (code, status, status_code, response_code and the like) with = or
=~ pick codes of other classes only. Negative matchers (!=, !~) are left
alone.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentHigh5xxRate
        expr: sum(rate(agent_http_requests_total{code=~"4.."}[5m])) / sum(rate(agent_http_requests_total[5m])) > 0.05
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentHigh5xxRate
        expr: sum(rate(agent_http_requests_total{code=~"5.."}[5m])) / sum(rate(agent_http_requests_total[5m])) > 0.05
        for: 10m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		e := ast(r)
		if !r.IsAlert() || e == nil {
			return
		}
		named := statusClassesNamed(r)
		if named == 0 {
			return
		}
		var first *parser.VectorSelector
		var firstSel uint8
		picked := uint8(0)
		eachDistinctMatcher(e, func(vs *parser.VectorSelector, m *labels.Matcher) {
			if !statusLabel(m.Name) || (m.Type != labels.MatchEqual && m.Type != labels.MatchRegexp) {
				return
			}
			cls := statusClasses(m)
			if cls == 0 {
				return
			}
			picked |= cls
			if first == nil {
				first, firstSel = vs, cls
			}
		})
		if first == nil || picked&named != 0 {
			return
		}
		start, end := nodeRange(first)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("the alert is named for %s responses, but its status-code matchers pick %s only", classNames(named), classNames(firstSel)),
			fmt.Sprintf("match %s in the selector (or rename the alert)", classNames(named)))
	},
}

// statusClassWord finds a status class written in a name or a sentence:
// 5xx, 5XX, 4xx (the digit may follow letters: High5XXRate).
var statusClassWord = regexp.MustCompile(`(?i)([2-5])xx`)

// statusClassesNamed returns the classes (bit d for dxx) the alert's name
// or summary names.
func statusClassesNamed(r *lint.Rule) uint8 {
	texts := []string{r.Alert.Value}
	if kv, ok := r.Annotation("summary"); ok {
		texts = append(texts, kv.Value.Value)
	}
	var out uint8
	for _, t := range texts {
		for _, m := range statusClassWord.FindAllStringSubmatch(t, -1) {
			out |= 1 << (m[1][0] - '0')
		}
	}
	return out
}

// statusLabel reports whether a label holds an HTTP status code.
func statusLabel(name string) bool {
	n := strings.ToLower(name)
	return n == "code" || n == "status" || strings.HasSuffix(n, "_code") || strings.HasSuffix(n, "status_code") ||
		strings.HasSuffix(n, "_status") || n == "statuscode"
}

// sampleCodes stand for each class when a matcher is tested.
var sampleCodes = []string{"200", "201", "204", "301", "302", "304", "400", "401", "403", "404", "429", "499", "500", "502", "503", "504",
	"2xx", "3xx", "4xx", "5xx"} // some exporters label by class (nginx-vts: code="5xx")

// statusClasses returns the classes a matcher selects, tested on sample
// codes of each class.
func statusClasses(m *labels.Matcher) uint8 {
	var out uint8
	for _, c := range sampleCodes {
		if m.Matches(c) {
			out |= 1 << (c[0] - '0')
		}
	}
	return out
}

func classNames(set uint8) string {
	var names []string
	for d := 2; d <= 5; d++ {
		if set&(1<<d) != 0 {
			names = append(names, fmt.Sprintf("%dxx", d))
		}
	}
	return strings.Join(names, " and ")
}
