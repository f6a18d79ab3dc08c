package templates

import (
	"fmt"
	"time"
)

// Facts are the values an alert's text talks about. Service is the raw
// service name; the text functions escape it.
type Facts struct {
	Service   string
	Job       string
	Threshold float64
	Unit      Unit
	For       time.Duration
	Window    time.Duration
	By        []string // labels the expression keeps, named in the text
	// Family-specific.
	MinRate  float64       // error_rate guard
	Quantile float64       // latency
	Metric   string        // absent-over-time availability
	Horizon  time.Duration // budget forecast
	Per      time.Duration // spend period
	Budget   float64       // spend forecast
	Unitname string        // what the budget counts (tokens, USD)
	Instance string        // the label naming a worker in a health gauge
}

func (f Facts) svc() string { return Escape(f.Service) }
func (f Facts) thr() string { return FormatThreshold(f.Unit, f.Threshold) }
func (f Facts) sfx() string { return LabelsSuffix(f.By) }

// DownText describes up == 0.
func DownText(f Facts) Text {
	return Text{
		Summary: fmt.Sprintf("%s target {{ $labels.instance }} is down", f.svc()),
		Description: fmt.Sprintf("Prometheus has failed to scrape {{ $labels.instance }} of job %s for %s: the process is down, unreachable or failing its /metrics handler.",
			Escape(fmt.Sprintf("%q", f.Job)), Duration(f.For)),
	}
}

// AbsentText describes absent(up{job=...}).
func AbsentText(f Facts) Text {
	return Text{
		Summary: fmt.Sprintf("%s has no scrape targets", f.svc()),
		Description: fmt.Sprintf("No up series for job %s has existed for %s: the targets vanished from service discovery or the job was renamed, so every other alert of %s is blind.",
			Escape(fmt.Sprintf("%q", f.Job)), Duration(f.For), f.svc()),
	}
}

// AbsentOverTimeText describes a pushed service whose metrics stopped.
func AbsentOverTimeText(f Facts) Text {
	return Text{
		Summary: fmt.Sprintf("%s stopped reporting metrics", f.svc()),
		Description: fmt.Sprintf("No sample of %s for job %s arrived in the last %s: the service or its telemetry pipeline is down, so every other alert of %s is blind.",
			Escape(f.Metric), Escape(fmt.Sprintf("%q", f.Job)), Duration(f.Window), f.svc()),
	}
}

// ErrorRateText describes the error ratio.
func ErrorRateText(f Facts) Text {
	guard := ""
	if f.MinRate > 0 {
		guard = fmt.Sprintf(", while serving at least %s req/s", Number(f.MinRate))
	}
	return Text{
		Summary: fmt.Sprintf("%s error ratio above %s%s", f.svc(), f.thr(), f.sfx()),
		Description: fmt.Sprintf("%s of %s requests failed over the last %s%s; the alert fires when the ratio stays above %s for %s%s.",
			Value(Ratio), f.svc(), Duration(f.Window), f.sfx(), f.thr(), Duration(f.For), guard),
	}
}

// LatencyText describes the latency quantile.
func LatencyText(f Facts) Text {
	q := "p" + Number(f.Quantile*100)
	guard := ""
	if f.MinRate > 0 {
		guard = fmt.Sprintf(", while serving at least %s req/s", Number(f.MinRate))
	}
	return Text{
		Summary: fmt.Sprintf("%s %s latency above %s%s", f.svc(), q, f.thr(), f.sfx()),
		Description: fmt.Sprintf("The %s request latency of %s is %s over the last %s%s; the alert fires when it stays above %s for %s%s.",
			q, f.svc(), Value(Seconds), Duration(f.Window), f.sfx(), f.thr(), Duration(f.For), guard),
	}
}

// BudgetText describes the used share of the budget.
func BudgetText(f Facts) Text {
	return Text{
		Summary: fmt.Sprintf("%s has used more than %s of its %s budget%s", f.svc(), f.thr(), f.Unitname, f.sfx()),
		Description: fmt.Sprintf("%s of the %s budget of %s is used%s; the alert fires when usage stays above %s for %s.",
			Value(Ratio), f.Unitname, f.svc(), f.sfx(), f.thr(), Duration(f.For)),
	}
}

// BudgetForecastText describes predict_linear on the budget.
func BudgetForecastText(f Facts) Text {
	return Text{
		Summary: fmt.Sprintf("%s will exhaust its %s budget within %s%s", f.svc(), f.Unitname, Duration(f.Horizon), f.sfx()),
		Description: fmt.Sprintf("At the trend of the last %s, %s of the %s budget of %s will be used %s from now%s.",
			Duration(f.Window), Value(Ratio), f.Unitname, f.svc(), Duration(f.Horizon), f.sfx()),
	}
}

// QueueText describes the queue depth.
func QueueText(f Facts) Text {
	return Text{
		Summary: fmt.Sprintf("%s queue backlog above %s%s", f.svc(), f.thr(), f.sfx()),
		Description: fmt.Sprintf("%s items wait in the queue of %s%s; the alert fires when more than %s wait for %s.",
			Value(Count), f.svc(), f.sfx(), f.thr(), Duration(f.For)),
	}
}

// SpendText describes USD spent per period.
func SpendText(f Facts) Text {
	per := Per(f.Per)
	return Text{
		Summary: fmt.Sprintf("%s LLM spend above %s per %s%s", f.svc(), f.thr(), per, f.sfx()),
		Description: fmt.Sprintf("%s spends %s per %s at the rate of the last %s%s; the alert fires when spend stays above %s per %s for %s.",
			f.svc(), Value(USD), per, Duration(f.Window), f.sfx(), f.thr(), per, Duration(f.For)),
	}
}

// SpendForecastText describes the projected spend of the rolling period
// against its budget.
func SpendForecastText(f Facts) Text {
	per := Duration(f.Per)
	return Text{
		Summary: fmt.Sprintf("%s LLM spend will exceed its %s budget per rolling %s within %s%s", f.svc(), FormatThreshold(USD, f.Budget), per, Duration(f.Horizon), f.sfx()),
		Description: fmt.Sprintf("The spend of %s in the last %s plus %s at the rate of the last %s comes to %s for the %s ending %s from now%s, over its budget of %s per rolling %s.",
			f.svc(), Duration(f.Per-f.Horizon), Duration(f.Horizon), Duration(f.Window), Value(USD), per, Duration(f.Horizon), f.sfx(), FormatThreshold(USD, f.Budget), per),
	}
}

// GaugeDownText describes a 0/1 health gauge at 0.
func GaugeDownText(f Facts) Text {
	return Text{
		Summary: fmt.Sprintf("%s %s {{ $labels.%s }} is down", f.svc(), f.Instance, f.Instance),
		Description: fmt.Sprintf("%s has reported 0 for %s {{ $labels.%s }} of job %s for %s.",
			Escape(f.Metric), f.Instance, f.Instance, Escape(fmt.Sprintf("%q", f.Job)), Duration(f.For)),
	}
}

// GaugeAbsentText describes a health gauge that no longer exists.
func GaugeAbsentText(f Facts) Text {
	return Text{
		Summary: fmt.Sprintf("%s reports no health", f.svc()),
		Description: fmt.Sprintf("No %s series for job %s has existed for %s: the exporter is down or every worker is gone, so every other alert of %s is blind.",
			Escape(f.Metric), Escape(fmt.Sprintf("%q", f.Job)), Duration(f.For), f.svc()),
	}
}

// GaugeAllDownText describes a job none of whose health gauges is 1.
func GaugeAllDownText(f Facts) Text {
	return Text{
		Summary: fmt.Sprintf("%s has no healthy %s", f.svc(), f.Instance),
		Description: fmt.Sprintf("Every %s series of job %s has been 0 for %s: no %s is sending heartbeats, so no task is being processed. One %s at 0 alone is not an outage (a stopped %s stays at 0 until the exporter forgets it).",
			Escape(f.Metric), Escape(fmt.Sprintf("%q", f.Job)), Duration(f.For), f.Instance, f.Instance, f.Instance),
	}
}

// MetricAbsentText describes a family metric gone from a scraped job.
func MetricAbsentText(f Facts, family string) Text {
	return Text{
		Summary: fmt.Sprintf("%s exposes no %s", f.svc(), Escape(f.Metric)),
		Description: fmt.Sprintf("Job %s is up but has had no %s series for %s, so the %s alerts of %s cannot fire: the metric was renamed or dropped by an upgrade, or (for a metric created on first use) the service has served nothing since it started.",
			Escape(fmt.Sprintf("%q", f.Job)), Escape(f.Metric), Duration(f.For), family, f.svc()),
	}
}
