package checks

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var annotationsDuration = &lint.Check{
	ID:       "annotations/duration-mismatch",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "An annotation that says how long the condition has held, with a duration the rule does not have",
		Text: `"has been in a non-ready state for longer than an hour" on an alert with
for: 15m tells whoever is paged that the pod has been stuck four times
longer than the rule knows (integr8ly/installation#333). The text is
usually copied from a rule with another for:, or left behind when the
for: was changed.

Reported when the summary, description or message says "for N units"
(for more than, longer than, over, at least, > N units; a/an/one hour) or
"in (for, over) the last N units", and N units is neither the rule's for: nor its
keep_firing_for: nor a range, subquery or offset of its expression (or
the window a recorded name ends in, slo:sli_error:ratio_rate2h), nor
such a window plus for: (rate(x[15m]) > 5 for 15m holds "within the
last 30 minutes"), nor a number in the expression read in seconds,
minutes, hours or days (time() - x > 60 * 60 * 6, (time() - x) / 3600 >
24).
Text inside template actions is not read, nor texts that run a query
(their durations may be the query's).

Measured on ../shared/corpus/valid (353 files, 12 646 rules): 2
findings, 1 true (varnish-mixin's hit rate "over the last 5 minutes"
from 10m windows), 1 false (a count of locks older than an hour: the
hour is the metric's, not the rule's): 50 %, info. Before windows plus
for: and numbers read in every unit counted, there were 14.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentPodNotReady
        expr: agent_pod_ready == 0
        for: 15m
        annotations:
          summary: "{{ $labels.pod }} has not been ready for more than an hour"
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentPodNotReady
        expr: agent_pod_ready == 0
        for: 15m
        annotations:
          summary: "{{ $labels.pod }} has not been ready for more than 15 minutes"
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		e := ast(r)
		if !r.IsAlert() || e == nil {
			return
		}
		var allowed map[time.Duration]bool
		for _, k := range []string{"summary", "description", "message"} {
			kv, ok := r.Annotation(k)
			if !ok {
				continue
			}
			text := kv.Value.Value
			if !strings.Contains(text, "for ") && !strings.Contains(text, "last ") && !strings.Contains(text, "past ") {
				continue
			}
			// A text that runs a query may be giving the query's window
			// ("budget spent over the last 30d: {{ … | query }}").
			if strings.Contains(text, "query") {
				continue
			}
			for _, m := range durationPhrases(text) {
				if insideAction(text, m[0]) {
					continue
				}
				d, ok := phraseDuration(text[m[2]:m[3]], text[m[4]:m[5]])
				if !ok {
					continue
				}
				if allowed == nil {
					allowed = ruleDurations(r, e)
				}
				if allowed[d] {
					continue
				}
				forText := "no for:"
				if r.For.Value != "" {
					forText = "for: " + r.For.Value
				}
				reportInValue(p, r, kv, m[0], m[1],
					fmt.Sprintf("%q says %q, but the rule has %s and no window of %s: the text and the rule disagree", kv.Key.Value, text[m[0]:m[1]], forText, model.Duration(d)),
					"say the rule's own duration in the text, or set for: to the duration the text means")
			}
		}
	},
}

// durationPhrase finds "for (more than) N unit" and "in the last N unit".
var durationPhrase = regexp.MustCompile(`(?i)\b(?:for|(?:in|over|during|within|for) the (?:last|past))\s+(?:(?:more|longer) than\s+|over\s+|at least\s+|>=?\s*)?(\d+|an?|one|two|three|five|ten|fifteen|thirty)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|[smhd])\b`)

// durationPhrases is durationPhrase.FindAllStringSubmatchIndex, run only
// on the few bytes around each "for ", "last " and "past ": over every
// description of every alert, the regexp on the whole text cost more
// than the check's other work together.
func durationPhrases(text string) [][]int {
	var out [][]int
	var seen []int // match starts, few
	for _, kw := range []string{"for ", "last ", "past ", "For "} {
		for i := 0; ; {
			j := strings.Index(text[i:], kw)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(kw)
			lo, hi := max(0, at-12), min(len(text), at+48)
			if !mayCount(text[i:hi]) {
				continue
			}
			m := durationPhrase.FindStringSubmatchIndex(text[lo:hi])
			if m == nil || slices.Contains(seen, lo+m[0]) {
				continue
			}
			for k := range m {
				if m[k] >= 0 {
					m[k] += lo
				}
			}
			seen = append(seen, m[0])
			out = append(out, m)
		}
	}
	return out
}

// mayCount reports whether s may hold the number of a duration phrase:
// a digit or a number word ("for pod", "for the cluster" hold neither).
func mayCount(s string) bool {
	if strings.ContainsAny(s, "0123456789") {
		return true
	}
	for w := range numberWords {
		if strings.HasPrefix(s, w+" ") || strings.Contains(s, " "+w+" ") {
			return true
		}
	}
	return false
}

var numberWords = map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "five": 5, "ten": 10, "fifteen": 15, "thirty": 30}

// phraseDuration reads a number and a unit written in prose.
func phraseDuration(num, unit string) (time.Duration, bool) {
	n, ok := numberWords[strings.ToLower(num)]
	if !ok {
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return 0, false
		}
		n = v
	}
	var u time.Duration
	switch strings.ToLower(unit)[0] {
	case 's':
		u = time.Second
	case 'm':
		u = time.Minute
	case 'h':
		u = time.Hour
	case 'd':
		u = 24 * time.Hour
	}
	return time.Duration(n) * u, true
}

// insideAction reports whether offset i of a template lies inside {{ … }}.
func insideAction(text string, i int) bool {
	open := strings.LastIndex(text[:i], "{{")
	return open >= 0 && !strings.Contains(text[open:i], "}}")
}

// ruleDurations are the durations a rule's text may name: its for: and
// keep_firing_for:, its ranges, subquery ranges and offsets, and the
// numbers it compares with read as seconds.
func ruleDurations(r *lint.Rule, e parser.Expr) map[time.Duration]bool {
	out := map[time.Duration]bool{}
	var fors, windows []time.Duration
	for _, v := range []string{r.For.Value, r.KeepFiringFor.Value} {
		if d, err := model.ParseDuration(v); err == nil {
			fors = append(fors, time.Duration(d))
		}
	}
	walk(e, func(n parser.Node, _ []parser.Node) bool {
		switch n := n.(type) {
		case *parser.MatrixSelector:
			windows = append(windows, n.Range)
		case *parser.SubqueryExpr:
			windows = append(windows, n.Range, n.OriginalOffset)
		case *parser.VectorSelector:
			windows = append(windows, n.OriginalOffset)
			// slo:sli_error:ratio_rate2h: the recording rule's window,
			// by the naming convention, is the text's "last 2 hours".
			if name := selectorName(n); strings.Contains(name, ":") {
				if m := recordedWindow.FindStringSubmatch(name); m != nil {
					if d, err := model.ParseDuration(m[1]); err == nil {
						windows = append(windows, time.Duration(d))
					}
				}
			}
		case *parser.BinaryExpr, *parser.NumberLiteral:
			// A number, or arithmetic of numbers (60 * 60 * 24), may be
			// seconds (time() - x > 3600) or hours ((time() - x) / 3600
			// > 24): every unit counts.
			if v, ok := scalarValue(n.(parser.Expr)); ok && v > 0 {
				for _, u := range []time.Duration{time.Second, time.Minute, time.Hour, 24 * time.Hour} {
					out[time.Duration(v*float64(u))] = true
				}
				return false
			}
		}
		return true
	})
	for _, d := range append(fors, windows...) {
		out[d] = true
	}
	// A window and the for: after it add up: rate(x[15m]) > 5 for 15m
	// holds "within the last 30 minutes".
	for _, f := range fors {
		for _, w := range windows {
			out[f+w] = true
		}
	}
	return out
}
