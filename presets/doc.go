package presets

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Markdown renders docs/presets.md from the embedded presets, so the
// documentation cannot drift from the data the generator uses.
func Markdown() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`# Presets

<!-- Generated from presets/*.yaml by presets.Markdown; do not edit by hand.
     Regenerate with: make docs -->

A preset maps each alert family to the metric and label names of one system,
so ` + "`preset: vllm`" + ` gives correct alerts with no PromQL typed. Select one per
service (or in ` + "`defaults:`" + `) with ` + "`preset: NAME`" + `; list them with
` + "`agentalerts presets`" + ` and print one with ` + "`agentalerts presets show NAME`" + `.

Metric names below include the preset's prefix. Any of them can be replaced
per service in a ` + "`metrics:`" + ` block with the full name (see docs/spec.md):
` + "`prefix`" + ` replaces the prefix of every name at once, e.g.
` + "`metrics: {prefix: vllm_}`" + ` where a pipeline rewrote ` + "`:`" + ` to ` + "`_`" + `.
A family the system cannot serve is skipped with a note on stderr and in the
generated file's header, never turned into a rule that selects nothing.

Every preset is tested: ` + "`testdata/presets/<name>.prom`" + ` holds a sample
` + "`/metrics`" + ` exposition of the system, and a test loads it into Prometheus's
test storage and evaluates every generated expression against it.

| Preset | System |
|---|---|
`)
	names := Names()
	for _, n := range names {
		p, err := Load(n)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s |\n", n, anchor(n), p.Title)
	}
	for _, n := range names {
		p, _ := Load(n)
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n%s\n\nSource: %s\n\n", n, p.Title, strings.TrimSpace(p.Description), strings.TrimSpace(p.Source))
		by := "nothing (one alert per service)"
		if len(p.AggregateBy) > 0 {
			by = code(strings.Join(p.AggregateBy, ", "))
		}
		fmt.Fprintf(&b, "Alerts aggregate by %s.\n\n", by)
		b.WriteString("| Family | Metrics | Override keys |\n|---|---|---|\n")
		for _, row := range p.rows() {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", row[0], row[1], row[2])
		}
		if l := p.Latency; l != nil && len(l.Buckets) > 0 {
			fmt.Fprintf(&b, "\nLatency buckets: the top finite bucket is %s s (%s); a latency threshold at or above it could never fire and is a spec error.\n",
				strconv.FormatFloat(l.TopBucket(), 'g', 6, 64), l.BucketsNote)
		}
		if r := p.Requests; r != nil && r.AggregateBy != nil {
			by := "nothing (one ratio per service)"
			if len(*r.AggregateBy) > 0 {
				by = code(strings.Join(*r.AggregateBy, ", "))
			}
			fmt.Fprintf(&b, "\nThe error ratio aggregates by %s: its metrics lack the other labels.\n", by)
		}
		if len(p.Variants) > 0 {
			b.WriteString("\nVariants (`variant: NAME` next to `preset:`):\n\n")
			for _, v := range sortedKeys(p.Variants) {
				fmt.Fprintf(&b, "- `%s`: %s\n", v, strings.TrimSpace(p.Variants[v].Description))
			}
		}
		if len(p.Evidence) > 0 {
			b.WriteString("\nUpstream evidence (each claim checked in the system's source):\n\n| Claim | Where |\n|---|---|\n")
			for _, e := range p.Evidence {
				fmt.Fprintf(&b, "| %s | %s |\n", cell(e.Claim), cell(e.Source))
			}
		}
	}
	b.WriteString(`
## Absence alerts

For every family a scraped service generates, a ticket fires when the
family's own metric (the request counter, the latency histogram's ` + "`_count`" + `,
the budget gauge, the queue gauge, the cost counter) has had no series for
30m while ` + "`up{job}`" + ` is 1: ` + "`AgentRequestMetricAbsent`" + `, ` + "`AgentLatencyMetricAbsent`" + `,
` + "`AgentBudgetMetricAbsent`" + `, ` + "`AgentQueueMetricAbsent`" + `, ` + "`AgentCostMetricAbsent`" + `. A metric
renamed by an upgrade otherwise disables the family's alerts without a
sound. Metrics a system creates on first use (LiteLLM, TGI and Celery
counters) are also absent on a service that has served nothing since it
started; turn the family off for a service that is idle by design. Pushed
metrics (` + "`otel-genai`" + `) get none: without ` + "`up`" + ` a renamed metric and a stopped
sender look alike, and the availability alert already watches the request
series.
`)
	return b.Bytes(), nil
}

func anchor(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") }

func code(s string) string { return "`" + s + "`" }

// cell keeps a table cell on one line and its pipes literal.
func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", "\\|")
}

func (p *Preset) name(m *Metric) string {
	if m == nil {
		return ""
	}
	if m.NoPrefix {
		return m.Name
	}
	return p.Prefix + m.Name
}

func (p *Preset) metric(m *Metric) string {
	s := code(p.name(m))
	if m.Type != "" {
		s += " (" + m.Type + ")"
	}
	return s
}

// rows are the family table of one preset: family, metrics, override keys.
func (p *Preset) rows() [][3]string {
	var rows [][3]string
	unsupported := func(family string) {
		why := p.Unsupported[family]
		if why == "" {
			why = "no metric"
		}
		rows = append(rows, [3]string{family, "not served: " + why, ""})
	}
	switch p.Availability.Mode {
	case "up":
		rows = append(rows, [3]string{"availability", "`up{job}` == 0, and `absent(up{job})`", ""})
	case "gauge":
		if p.Availability.Aggregation != "" {
			rows = append(rows, [3]string{"availability", p.Availability.Aggregation + " of " + p.metric(p.Availability.Metric) + " over the job == 0 (no " + code(p.Availability.InstanceLabel) + " healthy), and its absence", "`availability_metric`"})
			break
		}
		rows = append(rows, [3]string{"availability", p.metric(p.Availability.Metric) + " == 0 per " + code(p.Availability.InstanceLabel) + ", and its absence", "`availability_metric`"})
	case "absent":
		rows = append(rows, [3]string{"availability", "no sample of " + p.metric(p.Availability.Metric) + " for " + p.Availability.Window + " (pushed metrics have no `up`)", "`availability_metric`"})
	}
	if r := p.Requests; r != nil {
		errs := ""
		switch {
		case r.Errors.Metric != nil && r.Errors.Disjoint:
			errs = "errors " + p.metric(r.Errors.Metric) + "; all requests are both counters (the total counts successes only)"
		case r.Errors.Metric != nil:
			errs = "errors " + p.metric(r.Errors.Metric)
		default:
			errs = "errors where " + code(r.Errors.Selector)
		}
		rows = append(rows, [3]string{"error_rate", "requests " + p.metric(r.Total) + "; " + errs, "`requests_total`, `errors_total`, `errors_selector`"})
	} else {
		unsupported("error_rate")
	}
	if p.Latency != nil {
		rows = append(rows, [3]string{"latency", p.metric(p.Latency.Histogram), "`latency_histogram`"})
	} else {
		unsupported("latency")
	}
	if bu := p.Budget; bu != nil {
		if bu.Used != nil {
			rows = append(rows, [3]string{"token_budget", p.metric(bu.Used) + " / " + p.metric(bu.Limit) + " (" + bu.Unit + ")", "`budget_used`, `budget_limit`"})
		} else {
			rows = append(rows, [3]string{"token_budget", "1 - " + p.metric(bu.Remaining) + " / " + p.metric(bu.Max) + " (" + bu.Unit + ")", "`budget_remaining`, `budget_max`"})
		}
	} else {
		unsupported("token_budget")
	}
	if q := p.Queue; q != nil {
		rows = append(rows, [3]string{"queue_backlog", q.Aggregation + " of " + p.metric(q.Depth), "`queue_depth`"})
	} else {
		unsupported("queue_backlog")
	}
	if c := p.Cost; c != nil {
		rows = append(rows, [3]string{"cost", p.metric(c.Counter) + " in USD", "`cost_total`"})
	} else {
		unsupported("cost")
	}
	if tk := p.Tokens; tk != nil {
		var parts []string
		for _, m := range []*Metric{tk.Counter, tk.Histogram} {
			if m != nil {
				s := p.metric(m)
				if tk.TypeLabel != "" {
					s += " by " + code(tk.TypeLabel)
				}
				parts = append(parts, s)
			}
		}
		if tk.Input != nil {
			parts = append(parts, "input "+p.metric(tk.Input))
		}
		if tk.Output != nil {
			parts = append(parts, "output "+p.metric(tk.Output))
		}
		rows = append(rows, [3]string{"tokens (reference)", strings.Join(parts, "; "), ""})
	}
	return rows
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
