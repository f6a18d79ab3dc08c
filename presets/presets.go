// Package presets owns the metric conventions of the systems agentalerts
// knows: for each alert family, which metric and which labels of one system
// (our default, OpenTelemetry GenAI, vLLM, LiteLLM, TGI, Celery) the rule
// selects. Presets are YAML files embedded in the binary, so a new system is
// a data change, not a code change.
package presets

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

//go:embed *.yaml
var files embed.FS

// Preset is one system's metric conventions.
type Preset struct {
	Name        string `yaml:"name"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Source cites where the names were verified, with a version.
	Source string `yaml:"source"`
	// Prefix is prepended to every metric name of the preset (not to
	// `up`), e.g. "vllm:"; a spec may replace it where a pipeline rewrote
	// the names.
	Prefix string `yaml:"prefix"`
	// AggregateBy are the labels every aggregation keeps, so one alert
	// fires per model, team or queue rather than per service.
	AggregateBy []string `yaml:"aggregate_by"`
	// Availability is "up" for scraped targets or "absent" for pushed
	// metrics that have no `up` series.
	Availability Availability `yaml:"availability"`
	Requests     *Requests    `yaml:"requests"`
	Latency      *Latency     `yaml:"latency"`
	Tokens       *Tokens      `yaml:"tokens"`
	Budget       *Budget      `yaml:"budget"`
	Cost         *Cost        `yaml:"cost"`
	Queue        *Queue       `yaml:"queue"`
	// Unsupported explains, per family, why the system cannot serve it.
	Unsupported map[string]string `yaml:"unsupported"`
	// Variants are named sets of metric overrides for naming schemes of
	// the same system (e.g. OTel without unit suffixes).
	Variants map[string]Variant `yaml:"variants"`
	// Evidence cites, claim by claim, where in the system's own source
	// (file and release or commit) each metric, label and behaviour the
	// preset relies on was checked, so a reviewer can re-check it.
	Evidence []Evidence `yaml:"evidence"`
}

// Evidence is one checked claim about the upstream system.
type Evidence struct {
	Claim  string `yaml:"claim"`
	Source string `yaml:"source"`
}

// Availability says how to tell that the service is gone.
type Availability struct {
	// Mode is "up" (Prometheus's scrape health of the job), "gauge" (a
	// 0/1 health gauge of the system, e.g. one per worker) or "absent"
	// (the series Metric disappeared for Window: pushed metrics have no up).
	Mode   string  `yaml:"mode"`
	Metric *Metric `yaml:"metric"`
	Window string  `yaml:"window"`
	// InstanceLabel names what is down in gauge mode (e.g. hostname).
	InstanceLabel string `yaml:"instance_label"`
	// Aggregation, in gauge mode, combines the health gauges of a job
	// with max before comparing with 0, so the alert fires only when no
	// instance is healthy. It exists for exporters that keep a gauge at 0
	// for an instance that left on purpose (Celery workers stopped by a
	// scale-in keep celery_worker_up 0 until purged).
	Aggregation string `yaml:"aggregation"`
}

// Metric is one series name with the labels it is known to carry (besides
// job and instance). A spec selector is applied to a metric only on labels
// listed here, so it never turns a selector into one that matches nothing.
type Metric struct {
	Name   string   `yaml:"name"`
	Labels []string `yaml:"labels"`
	// Type is counter, gauge or histogram (Name is then the base name).
	Type string `yaml:"type"`
	// NoPrefix marks a metric another library of the system exposes
	// under its own name (vLLM's HTTP counters from
	// prometheus-fastapi-instrumentator), so the preset prefix and a
	// spec's prefix override do not apply to it.
	NoPrefix bool `yaml:"no_prefix"`
}

// Requests is how to count requests and failed requests.
type Requests struct {
	Total  *Metric `yaml:"total"`
	Errors Errors  `yaml:"errors"`
	// AggregateBy, when set, replaces the preset's aggregate_by for the
	// error ratio: the request metrics of some systems lack the label the
	// other families split by (vLLM's HTTP counters have no model_name).
	AggregateBy *[]string `yaml:"aggregate_by"`
}

// Errors is either a label filter on the total (Selector) or a separate
// counter (Metric).
type Errors struct {
	// Selector holds PromQL matchers without braces, e.g. status="error".
	Selector string `yaml:"selector"`
	// Example are label values that Selector matches, for synthesising
	// test series when Selector is not a plain equality; with Metric, the
	// labels a failure series carries that a success series does not.
	Example map[string]string `yaml:"example"`
	Metric  *Metric           `yaml:"metric"`
	// Disjoint says the total counts successes only (Celery's succeeded
	// and failed counters), so all requests are total plus errors.
	Disjoint bool `yaml:"disjoint"`
}

// Latency is the request duration histogram.
type Latency struct {
	Histogram *Metric `yaml:"histogram"`
	// Buckets are the histogram's finite upper bounds when the system
	// fixes them (not configurable, or a default most deployments keep).
	// histogram_quantile cannot return more than the top one, so a
	// threshold at or above it can never fire.
	Buckets []float64 `yaml:"buckets"`
	// BucketsNote says where the buckets come from and whether a
	// deployment can change them, for the spec error and the docs.
	BucketsNote string `yaml:"buckets_note"`
}

// TopBucket is the largest finite bucket bound, 0 when the preset fixes none.
func (l *Latency) TopBucket() float64 {
	top := 0.0
	for _, b := range l.Buckets {
		top = max(top, b)
	}
	return top
}

// Tokens documents how token usage is exposed; no default family alerts on
// it directly but presets show it and test generators use it.
type Tokens struct {
	// Counter counts tokens, split by TypeLabel (input/output).
	Counter   *Metric `yaml:"counter"`
	TypeLabel string  `yaml:"type_label"`
	// Input and Output are separate counters per direction.
	Input  *Metric `yaml:"input"`
	Output *Metric `yaml:"output"`
	// Histogram is a token histogram whose _sum counts tokens.
	Histogram *Metric `yaml:"histogram"`
}

// Budget is either Used+Limit or Remaining+Max (used ratio 1-remaining/max).
type Budget struct {
	Used      *Metric `yaml:"used"`
	Limit     *Metric `yaml:"limit"`
	Remaining *Metric `yaml:"remaining"`
	Max       *Metric `yaml:"max"`
	// Unit names what the budget counts (tokens, USD) for annotations.
	Unit string `yaml:"unit"`
}

// Cost is a counter of money spent, in USD.
type Cost struct {
	Counter *Metric `yaml:"counter"`
}

// Queue is a gauge of work waiting.
type Queue struct {
	Depth *Metric `yaml:"depth"`
	// Aggregation is sum (each instance has its own queue) or max (every
	// instance reports the same shared queue).
	Aggregation string `yaml:"aggregation"`
}

// Variant overrides metric names, keyed like a spec's `metrics:` block
// but relative to the prefix, and optionally the aggregation labels.
type Variant struct {
	Description string            `yaml:"description"`
	Metrics     map[string]string `yaml:"metrics"`
	AggregateBy []string          `yaml:"aggregate_by"`
}

// Names lists the embedded presets, sorted, "default" first.
func Names() []string {
	entries, err := files.ReadDir(".")
	if err != nil {
		panic(err) // embedded: cannot fail
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "default") != (names[j] == "default") {
			return names[i] == "default"
		}
		return names[i] < names[j]
	})
	return names
}

// Raw returns the preset's YAML as embedded.
func Raw(name string) ([]byte, error) {
	b, err := files.ReadFile(path.Clean(name) + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("unknown preset %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return b, nil
}

// Load decodes and validates one preset. Presets are embedded and never
// change, so each is decoded once per process and shared: the result is
// read-only (generate loads the preset of every service of a spec, and a
// spec may have thousands).
func Load(name string) (*Preset, error) {
	if v, ok := loaded.Load(name); ok {
		return v.(*Preset), nil
	}
	b, err := Raw(name)
	if err != nil {
		return nil, err
	}
	p, err := Parse(name, b)
	if err != nil {
		return nil, err
	}
	v, _ := loaded.LoadOrStore(name, p)
	return v.(*Preset), nil
}

var loaded sync.Map // preset name → *Preset

// Parse decodes a preset strictly (unknown keys are errors) and validates it.
func Parse(name string, b []byte) (*Preset, error) {
	var p Preset
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("preset %s: %w", name, err)
	}
	if p.Name != name {
		return nil, fmt.Errorf("preset %s: name is %q, must match the file name", name, p.Name)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("preset %s: %w", name, err)
	}
	return &p, nil
}

func (p *Preset) validate() error {
	switch p.Availability.Mode {
	case "up":
	case "absent":
		if p.Availability.Metric == nil || p.Availability.Window == "" {
			return fmt.Errorf("availability mode absent needs metric and window")
		}
		if _, err := model.ParseDuration(p.Availability.Window); err != nil {
			return fmt.Errorf("availability.window: %w", err)
		}
	case "gauge":
		if p.Availability.Metric == nil || p.Availability.InstanceLabel == "" {
			return fmt.Errorf("availability mode gauge needs metric and instance_label")
		}
		if a := p.Availability.Aggregation; a != "" && a != "max" {
			return fmt.Errorf("availability.aggregation %q, expected max or nothing", a)
		}
	default:
		return fmt.Errorf("availability.mode %q, expected up, gauge or absent", p.Availability.Mode)
	}
	if p.Requests != nil {
		if p.Requests.Total == nil {
			return fmt.Errorf("requests.total is required")
		}
		e := p.Requests.Errors
		if (e.Selector == "") == (e.Metric == nil) {
			return fmt.Errorf("requests.errors needs exactly one of selector and metric")
		}
	}
	if b := p.Budget; b != nil {
		usedLimit := b.Used != nil && b.Limit != nil
		remMax := b.Remaining != nil && b.Max != nil
		if usedLimit == remMax {
			return fmt.Errorf("budget needs used+limit or remaining+max")
		}
	}
	if q := p.Queue; q != nil {
		if q.Depth == nil {
			return fmt.Errorf("queue.depth is required")
		}
		if q.Aggregation != "sum" && q.Aggregation != "max" {
			return fmt.Errorf("queue.aggregation %q, expected sum or max", q.Aggregation)
		}
	}
	if p.Latency != nil && p.Latency.Histogram == nil {
		return fmt.Errorf("latency.histogram is required")
	}
	if p.Latency != nil {
		for i, b := range p.Latency.Buckets {
			if b <= 0 || i > 0 && b <= p.Latency.Buckets[i-1] {
				return fmt.Errorf("latency.buckets must be positive and increasing, got %v", p.Latency.Buckets)
			}
		}
	}
	if p.Cost != nil && p.Cost.Counter == nil {
		return fmt.Errorf("cost.counter is required")
	}
	return nil
}
