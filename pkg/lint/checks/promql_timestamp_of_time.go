package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var timestampOfTime = &lint.Check{
	ID:       "promql/timestamp-of-time",
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "timestamp() of a series whose value is already a time",
		Text: `timestamp(x) returns when each sample of x was scraped, not what the
sample holds. For a series named as a Unix time
(…_last_heartbeat_success_time_seconds, …_last_run_timestamp_seconds)
the value is the time that matters, and time() - timestamp(x) is only
the age of the last scrape: near zero while the target is up, so an
alert for "no heartbeat for four minutes" never fires, even for a
component that was never healthy (thanos-io/thanos#4342, where
ThanosSidecarUnhealthy read time() - timestamp(…_heartbeat_success_time_seconds)).
Use the series itself: time() - x.

Reported when the series in timestamp() is named like a time:
_time_seconds, _timestamp_seconds, _timestamp or _time at the end of
its name.

Measured on ../shared/corpus/valid (353 files, 12 646 rules): no
findings, so no measured precision: info until measured.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentNoHeartbeat
        expr: time() - timestamp(agent_last_heartbeat_time_seconds) > 240
        for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentNoHeartbeat
        expr: time() - agent_last_heartbeat_time_seconds > 240
        for: 5m
`,
	},
	Rule: func(p *lint.Pass, r *lint.Rule) {
		if ast(r) == nil || !strings.Contains(r.Expr.Value.Value, "timestamp(") {
			return
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			c, ok := n.(*parser.Call)
			if !ok || c.Func.Name != "timestamp" || len(c.Args) != 1 {
				return true
			}
			vs, ok := unwrap(c.Args[0]).(*parser.VectorSelector)
			if !ok || !timeValuedName.MatchString(baseName(selectorName(vs))) {
				return true
			}
			start, end := nodeRange(c)
			p.ReportExpr(r, start, end,
				fmt.Sprintf("timestamp(%s) is when the series was last scraped, not the time it holds: its name says its value is a time already", selectorName(vs)),
				fmt.Sprintf("use %s itself (time() - %s)", selectorName(vs), selectorName(vs)))
			return true
		})
	},
}

// timeValuedName matches metric names whose value is a Unix time.
var timeValuedName = regexp.MustCompile(`_(time|timestamp)(_seconds)?$`)
