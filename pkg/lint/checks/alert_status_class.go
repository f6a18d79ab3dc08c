package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var alertStatusClass = &lint.Check{
	ID:       "alert/name-contradicts-query",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "An alert whose name says one thing and whose query measures another (a status class, running out)",
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

Also reported: an alert named for running out of something (Exhausted,
Low, Full, Depleted, Out of, Expiring, Soon) whose condition bounds an
amount that is left from below (a certificate's cert_expires_in_hours >
720 under CertificateExpiringSoon fires for every fresh certificate). CiliumOperatorExhaustedIpamIps read
sum(cilium_operator_ipam_ips{type="available"}) >= 1, which fires on
every healthy cluster and never on an exhausted one
(grafana/jsonnet-libs#897). An amount is "left" when its selector's
name has available, avail, free, remaining, expires_in or ttl as a word, or a matcher
picks the value available or free; 1 - x, 100 - x and x in a
denominator turn it round (a used share, bounded from above, is then
the inverted one).

And an alert named for something that went away (Down, Missing, Gone,
Lost, Stopped) written as x unless x offset 2m: that keeps the series
that exist now and did not two minutes ago, the ones that just
appeared, so it fires when the service starts and never when it stops
(awesome-prometheus-alerts' GrafanaAlloyServiceDown). The series that
went away are x offset 2m unless x.

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
		checkInvertedScarcity(p, r, e)
		checkInvertedAppearance(p, r, e)
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

// statusClassesNamed returns the classes (bit d for dxx) the alert's name
// or summary names: 5xx, 5XX, 4xx, the digit possibly after letters
// (High5XXRate).
func statusClassesNamed(r *lint.Rule) uint8 {
	texts := []string{r.Alert.Value}
	if kv, ok := r.Annotation("summary"); ok {
		texts = append(texts, kv.Value.Value)
	}
	var out uint8
	for _, t := range texts {
		// By hand, not statusClassWord: this runs for every alert.
		for i := 0; i+2 < len(t); i++ {
			if c := t[i]; c >= '2' && c <= '5' && t[i+1]|0x20 == 'x' && t[i+2]|0x20 == 'x' {
				out |= 1 << (c - '0')
			}
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

// scarcityWord finds an alert name that says something runs out.
var scarcityWord = regexp.MustCompile(`\b(exhausted|low|full|depleted|out of|running out|expiring|expires|expiry|expire|soon)\b`)

// leftWord finds a metric name word for an amount that is left.
var leftWord = regexp.MustCompile(`(^|_)(available|avail|free|remaining|expires_in|ttl)(_|$)`)

// checkInvertedScarcity reports a condition that bounds an amount left
// from below in an alert named for running out of it.
func checkInvertedScarcity(p *lint.Pass, r *lint.Rule, e parser.Expr) {
	src := r.Expr.Value.Value
	if !strings.Contains(src, "avail") && !strings.Contains(src, "free") && !strings.Contains(src, "remaining") &&
		!strings.Contains(src, "expires_in") && !strings.Contains(src, "ttl") {
		return
	}
	if !scarcityWord.MatchString(splitWords(r.Alert.Value)) {
		return
	}
	var visit func(e parser.Expr)
	visit = func(e parser.Expr) {
		be, ok := unwrap(e).(*parser.BinaryExpr)
		if !ok {
			return
		}
		switch be.Op {
		case parser.LAND, parser.LOR, parser.LUNLESS:
			visit(be.LHS)
			if be.Op == parser.LOR {
				visit(be.RHS)
			}
			return
		}
		b, ok := asBound(be)
		if !ok {
			return
		}
		x := be.LHS
		if _, isNum := scalarValue(be.LHS); isNum {
			x = be.RHS
		}
		pol := leftPolarity(x)
		if pol == 0 || (pol > 0) != b.lower() {
			return
		}
		what := "the amount left"
		if pol < 0 {
			what = "the amount used (1 - left)"
		}
		start, end := nodeRange(be)
		p.ReportExpr(r, start, end,
			fmt.Sprintf("the alert is named for running out (or expiring), but %s holds while %s is %s %s: it fires when there is plenty and not when it runs out", b.text(), what, map[bool]string{true: "above", false: "below"}[b.lower()], fmtNum(b.num)),
			fmt.Sprintf("turn the comparison round (%s %s %s)", b.lhs, b.flip(), fmtNum(b.num)))
	}
	visit(e)
}

// leftPolarity is 1 when e grows with an amount that is left (available,
// free, remaining), -1 when it shrinks with it (1 - free / size), and 0
// when e holds no such amount or both ways.
func leftPolarity(e parser.Expr) int {
	switch e := unwrap(e).(type) {
	case *parser.VectorSelector:
		if leftWord.MatchString(e.Name) {
			return 1
		}
		for _, m := range e.LabelMatchers {
			if m.Type == labels.MatchEqual && m.Name != labels.MetricName && (m.Value == "available" || m.Value == "free") {
				return 1
			}
		}
	case *parser.MatrixSelector:
		return leftPolarity(e.VectorSelector)
	case *parser.SubqueryExpr:
		return leftPolarity(e.Expr)
	case *parser.UnaryExpr:
		if e.Op == parser.SUB {
			return -leftPolarity(e.Expr)
		}
		return leftPolarity(e.Expr)
	case *parser.AggregateExpr:
		switch e.Op {
		case parser.SUM, parser.MIN, parser.MAX, parser.AVG, parser.QUANTILE, parser.TOPK, parser.BOTTOMK:
			return leftPolarity(e.Expr)
		}
	case *parser.Call:
		switch e.Func.Name {
		case "sum_over_time", "avg_over_time", "min_over_time", "max_over_time", "last_over_time",
			"quantile_over_time", "predict_linear", "clamp", "clamp_min", "clamp_max", "round", "ceil", "floor":
			for _, a := range e.Args {
				if a.Type() == parser.ValueTypeVector || a.Type() == parser.ValueTypeMatrix {
					return leftPolarity(a)
				}
			}
		}
	case *parser.BinaryExpr:
		l, r := leftPolarity(e.LHS), leftPolarity(e.RHS)
		switch e.Op {
		case parser.SUB, parser.DIV:
			r = -r
		case parser.ADD, parser.MUL:
		case parser.LAND, parser.LUNLESS:
			return l
		default:
			return 0
		}
		switch {
		case l == 0:
			return r
		case r == 0 || l == r:
			return l
		}
	}
	return 0
}

// goneWord finds an alert name that says something went away.
var goneWord = regexp.MustCompile(`\b(down|missing|gone|disappeared|lost|stopped|absent|vanished)\b`)

// checkInvertedAppearance reports x unless x offset d, which keeps the
// series that exist now and did not d ago, the ones that just appeared,
// in an alert named for something that went away: the series that went
// away are x offset d unless x (awesome-prometheus-alerts'
// GrafanaAlloyServiceDown, ho10). Such an alert fires when the service
// starts and never when it stops.
func checkInvertedAppearance(p *lint.Pass, r *lint.Rule, e parser.Expr) {
	if !strings.Contains(r.Expr.Value.Value, "offset") {
		return
	}
	b, ok := unwrap(e).(*parser.BinaryExpr)
	if !ok || b.Op != parser.LUNLESS || !goneWord.MatchString(splitWords(r.Alert.Value)) {
		return
	}
	now, then := spineSelector(b.LHS), spineSelector(b.RHS)
	if now == nil || then == nil || selectorName(now) != selectorName(then) ||
		now.OriginalOffset != 0 || then.OriginalOffset <= 0 {
		return
	}
	start, end := nodeRange(b)
	p.ReportExpr(r, start, end,
		fmt.Sprintf("the alert is named for something that went away, but x unless x offset %s keeps the series of %s that exist now and did not %s ago: it fires when they appear, not when they disappear", model.Duration(then.OriginalOffset), selectorName(now), model.Duration(then.OriginalOffset)),
		"swap the sides: x offset d unless x keeps the series that were there and are gone")
}
