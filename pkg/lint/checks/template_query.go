package checks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var templateQuery = &lint.Check{
	ID:       "template/query",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "A template query that does not parse, or reads a label its result lacks",
		Text: `{{ query "…" }} runs a PromQL query when the alert's notification is
built. Prometheus does not parse that query when it loads the file: a
syntax error shows up only in the notification, as an error text in
place of the message. And label "x" on its result prints nothing when
the query aggregates x away (query "sum by (job) (up)" has no
instance). The check parses every literal query with Prometheus's
parser, and, when a template holds one query, checks the labels read
with label "…", and as .Labels.x, index .Labels "x" or $s.Labels.x
inside a {{ range $s := query … }} or {{ with query … }} block, against
the labels the query can return. Nothing is
executed and no server is contacted. A query string that holds
$labels.instance (query "up{instance='$labels.instance'}") is reported
too: a string literal is not expanded, so the query selects that text;
build it with printf.



Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings (queries in templates are rare there), so no measured
precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
        annotations:
          summary: '{{ with query "sum by (job) (up{job=\"agent\"}" }}{{ . | first | value }} agents up{{ end }}'
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
        annotations:
          summary: '{{ with query "sum by (job) (up{job=\"agent\"})" }}{{ . | first | value }} agents up{{ end }}'
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if !r.IsAlert() {
			return
		}
		for _, list := range [][]lint.KV{r.Labels, r.Annotations} {
			for _, kv := range list {
				if strings.Contains(kv.Value.Value, "query") && strings.Contains(kv.Value.Value, "{{") {
					checkTemplateQueries(p, r, kv)
				}
			}
		}
	},
}

var (
	queryCall = regexp.MustCompile("query\\s+(\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`)")
	labelCall = regexp.MustCompile(`label\s+"([^"\\]+)"`)
	// sampleLabel reads a label of the sample that dot is inside a
	// {{ range query … }} or {{ with query … | first }} block.
	sampleLabel = regexp.MustCompile(`(?:^|[^$\w])\.Labels\.([A-Za-z_]\w*)|index\s+\.Labels\s+"([^"\\]+)"`)
	// varLabel reads a label of a sample held in a variable that a
	// range or with over the query declared ({{ range $s := query … }}).
	varLabel    = regexp.MustCompile(`\$(\w+)\.Labels\.([A-Za-z_]\w*)`)
	declaredVar = regexp.MustCompile(`\$(\w+)\s*:?=`)
	overDot     = regexp.MustCompile(`^\{\{-?\s*(?:range|with)\s+(?:\$\w+\s*(?:,\s*\$\w+\s*)?:=\s*)?\.\s*-?\}\}$`)
	blockStart  = regexp.MustCompile(`^\{\{-?\s*(range|with|if|define|block)\b`)
	blockEnd    = regexp.MustCompile(`^\{\{-?\s*end\b`)
)

func checkTemplateQueries(p *lint.Pass, r *lint.Rule, kv lint.KV) {
	text := kv.Value.Value
	var parsed []parser.Expr
	for _, a := range actions(text) {
		for _, m := range queryCall.FindAllStringSubmatchIndex(a.text, -1) {
			lit := a.text[m[2]:m[3]]
			q, err := strconv.Unquote(lit)
			if err != nil {
				continue
			}
			if i, tok := templateVarIn(q); i >= 0 {
				// query "up{instance='$labels.instance'}": a string
				// literal is not a template, so the query selects the
				// text $labels.instance and returns nothing. The offset
				// is exact for a literal without escapes before it.
				off := a.start + m[2] + 1 + i
				reportInValue(p, r, kv, off, off+len(tok),
					fmt.Sprintf("%q: the query's string holds %s, which a template never expands inside a string literal: the query selects that text and returns nothing", kv.Key.Value, tok),
					`build the query with printf: query (printf "up{instance='%s'}" $labels.instance)`)
				continue
			}
			e, err := lint.ParseExpr(q)
			if err != nil {
				off := a.start + m[2]
				reportInValue(p, r, kv, off, off+len(lit),
					fmt.Sprintf("%q: the template's query does not parse: %s", kv.Key.Value, firstLine(err.Error())),
					"fix the PromQL in the query; Prometheus parses it only when the notification is built")
				continue
			}
			parsed = append(parsed, e)
		}
	}
	if len(parsed) != 1 {
		return
	}
	out := outputLabels(parsed[0])
	if !out.exact {
		return
	}
	// The blocks open at each action: "query" for a range or with over
	// the query, whose dot is a sample or its vector; "" for a block
	// that keeps dot (if); "other" for one that sets dot to something
	// else.
	var open []string
	vars := map[string]bool{} // declared by a range or with over the query
	for _, a := range actions(text) {
		if blockEnd.MatchString(a.text) {
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
			continue
		}
		inQuery := false
		for i := len(open) - 1; i >= 0; i-- {
			if open[i] != "" {
				inQuery = open[i] == "query"
				break
			}
		}
		if m := blockStart.FindStringSubmatch(a.text); m != nil {
			switch {
			case m[1] == "if":
				open = append(open, "")
			case (m[1] == "range" || m[1] == "with") && (queryCall.MatchString(a.text) || inQuery && overDot.MatchString(a.text)):
				// {{ with query … }}{{ range . }}: dot stays the query's.
				open = append(open, "query")
				head := a.text
				if q := queryCall.FindStringIndex(a.text); q != nil {
					head = a.text[:q[0]]
				}
				for _, d := range declaredVar.FindAllStringSubmatch(head, -1) {
					vars[d[1]] = true
				}
			default:
				open = append(open, "other")
			}
			continue
		}
		for _, m := range varLabel.FindAllStringSubmatchIndex(a.text, -1) {
			name := a.text[m[4]:m[5]]
			if !vars[a.text[m[2]:m[3]]] || !out.absent(name) {
				continue
			}
			off := a.start + m[4]
			reportInValue(p, r, kv, off, off+len(name),
				fmt.Sprintf("%q reads label %q of a sample of a query whose result has only %s: it is always empty", kv.Key.Value, name, fmtLabels(out.known())),
				fmt.Sprintf("keep %q in the query's aggregation (by (…, %s))", name, name))
		}
		if !inQuery {
			continue
		}
		for _, m := range sampleLabel.FindAllStringSubmatchIndex(a.text, -1) {
			g := 2
			if m[2] < 0 {
				g = 4
			}
			name := a.text[m[g]:m[g+1]]
			if !out.absent(name) {
				continue
			}
			off := a.start + m[g]
			reportInValue(p, r, kv, off, off+len(name),
				fmt.Sprintf("%q reads label %q of a sample of a query whose result has only %s: it is always empty", kv.Key.Value, name, fmtLabels(out.known())),
				fmt.Sprintf("keep %q in the query's aggregation (by (…, %s))", name, name))
		}
	}
	for _, a := range actions(text) {
		for _, m := range labelCall.FindAllStringSubmatchIndex(a.text, -1) {
			name := a.text[m[2]:m[3]]
			if !out.absent(name) {
				continue
			}
			off := a.start + m[2]
			reportInValue(p, r, kv, off, off+len(name),
				fmt.Sprintf("%q reads label %q from a query whose result has only %s: it is always empty", kv.Key.Value, name, fmtLabels(out.known())),
				fmt.Sprintf("keep %q in the query's aggregation (by (…, %s))", name, name))
		}
	}
}

// firstLine is the first line of a message.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// templateVarIn returns where a template variable ($labels.x, $value,
// $externalLabels.x) or an action ({{) starts inside a query's string
// literal, and the variable with its fields; -1 when there is none.
func templateVarIn(q string) (int, string) {
	for _, v := range []string{"$labels", "$value", "$externalLabels", "{{"} {
		i := strings.Index(q, v)
		if i < 0 {
			continue
		}
		j := i + len(v)
		for j < len(q) && (q[j] == '.' || isIdentByte(q[j])) {
			j++
		}
		return i, q[i:j]
	}
	return -1, ""
}
