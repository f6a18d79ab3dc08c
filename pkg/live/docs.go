package live

import "github.com/agentalerts/agentalerts/pkg/lint"

// notMeasured is the precision column of the live checks: the public
// corpus is measured offline, without the servers its rules were for.
const notMeasured = "not measured (needs a server)"

// The live checks' documentation. Their findings depend on a server, so
// Bad and Good are judged against the server of the example's comment.

var docSeriesMissing = lint.Doc{
	Precision: notMeasured,
	Title:     "A selector that matches no series on the Prometheus server",
	Text: `Runs only with ` + "`lint --prometheus URL`" + `. The check asks the server
whether any series of the metric existed in the last hour
(` + "`count by (job) (last_over_time({__name__=\"NAME\"}[1h]))`" + `), then
whether any matches all of the selector's matchers. A misspelt metric
(node_filesystem_avail_byte) or one renamed by an exporter upgrade makes
an alert that silently never fires: the expression is valid, it just
selects nothing. When the server has a close name the finding says "did
you mean". Series recorded by a rule of any file linted in the same run
are not judged: they may not exist until the file is deployed.

Each finding names the server, the time it answered and the query.`,
	Bad: `# the server has vllm:num_requests_waiting
groups:
  - name: vllm
    rules:
      - alert: VLLMQueueDeep
        expr: vllm:num_request_waiting > 50
        for: 10m
`,
	Good: `groups:
  - name: vllm
    rules:
      - alert: VLLMQueueDeep
        expr: vllm:num_requests_waiting > 50
        for: 10m
`,
}

var docLabelMissing = lint.Doc{
	Precision: notMeasured,
	Title:     "A label the metric never has, in a matcher, a by() clause or a template",
	Text: `Runs only with ` + "`lint --prometheus URL`" + `. For each metric of the
expression the check asks the server which label names its series carry
(` + "`/api/v1/labels?match[]=`" + `) and reports:

- a matcher on a label no series has (` + "`{status=\"500\"}`" + ` where the
  label is ` + "`code`" + `): the selector matches nothing;
- a ` + "`by (x)`" + ` where no series the aggregation reads has x: every
  alert has x empty, so routing and deduplication on it fail;
- a ` + "`$labels.x`" + ` in an annotation or label template where no series
  has x: the text renders empty.

Expressions with label_replace, label_join or group_left/group_right are
not judged for by() and templates, since they can add labels.`,
	Bad: `# vllm:num_requests_waiting has labels engine and model_name
groups:
  - name: vllm
    rules:
      - alert: VLLMQueueDeep
        expr: sum by (model) (vllm:num_requests_waiting) > 50
        for: 10m
`,
	Good: `groups:
  - name: vllm
    rules:
      - alert: VLLMQueueDeep
        expr: sum by (model_name) (vllm:num_requests_waiting) > 50
        for: 10m
`,
}

var docMetricType = lint.Doc{
	Precision: notMeasured,
	Title:     "A counter function over a gauge, or a gauge function over a counter, by the server's metadata",
	Text: `Runs only with ` + "`lint --prometheus URL`" + `. The offline check
promql/rate-non-counter guesses a metric's type from its name; this one
asks the server (` + "`/api/v1/metadata`" + `), which knows the # TYPE line
the exporter wrote. It reports rate(), irate(), increase() or resets()
of a gauge (every drop is read as a reset, so the result is inflated and
never negative), delta(), idelta(), deriv() or predict_linear() of a
counter (a reset reads as a huge drop), and histogram_quantile() over a
_bucket series that is not a histogram. A metric without metadata, or
whose targets disagree on its type, is not judged.`,
	Bad: `# the server's metadata says vllm:num_requests_waiting is a gauge
groups:
  - name: vllm
    rules:
      - alert: VLLMQueueGrowing
        expr: rate(vllm:num_requests_waiting[10m]) > 1
        for: 15m
`,
	Good: `groups:
  - name: vllm
    rules:
      - alert: VLLMQueueGrowing
        expr: deriv(vllm:num_requests_waiting[10m]) > 1
        for: 15m
`,
}

var docRateWindow = lint.Doc{
	Precision: notMeasured,
	Title:     "A rate window shorter than four scrapes of the jobs it selects",
	Text: `Runs only with ` + "`lint --prometheus URL`" + `. Whether a [1m] window is
long enough depends on the scrape interval: at 15s it spans four
scrapes, at 1m it spans one and rate() returns nothing. Offline a linter
can only guess the interval; this check reads each job's scrape_interval
from the server's configuration (` + "`/api/v1/status/config`" + `), finds which
jobs the selector's series come from, and reports a range under four
scrapes of the slowest, which survives one missed scrape.`,
	Bad: `# job vllm is scraped every 30s
groups:
  - name: vllm
    rules:
      - alert: VLLMErrors
        expr: rate(vllm:request_failure_total[1m]) > 0.1
        for: 10m
`,
	Good: `groups:
  - name: vllm
    rules:
      - alert: VLLMErrors
        expr: rate(vllm:request_failure_total[2m]) > 0.1
        for: 10m
`,
}
