package rules

import (
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Limits bound the work one spec can cause. generate may be run on a spec
// from a pull request, and its cost grows with services times labels (a
// spec of 90,000 labels on one service ran for minutes), so both are
// checked on the YAML nodes before any service is decoded or generated.
// Each default is far above a real spec; the CLI has a flag to raise it.
type Limits struct {
	// MaxServices is the most services a spec may list (0: DefaultMaxServices).
	MaxServices int
	// MaxLabels is the most entries a service's labels, selector or
	// aggregate_by may have, defaults included (0: DefaultMaxLabels).
	MaxLabels int
}

const (
	// DefaultMaxServices: 1,000 services generate in about 0.6 s and
	// 160 MB; 10,000 took 7 s and 1.4 GB on a 2-core machine.
	DefaultMaxServices = 2000
	// DefaultMaxLabels: Prometheus's own sample limits start at tens of
	// labels; every label is copied into every alert of the service.
	DefaultMaxLabels = 64
)

func (l Limits) services() int {
	if l.MaxServices <= 0 {
		return DefaultMaxServices
	}
	return l.MaxServices
}

func (l Limits) labels() int {
	if l.MaxLabels <= 0 {
		return DefaultMaxLabels
	}
	return l.MaxLabels
}

// The limits a spec diagnostic can be over (diag.Diagnostic.Limit): the
// caller says how to raise them.
const (
	LimitServices diag.Limit = "spec.services" // Limits.MaxServices
	LimitLabels   diag.Limit = "spec.labels"   // Limits.MaxLabels
)

// overLimit reports a spec over limit l at n.
func (d *decoder) overLimit(n *yaml.Node, l diag.Limit, format string, args ...any) {
	d.errorf(n, "spec/limit", format, args...)
	d.diags[len(d.diags)-1].Limit = l
}

// labelFields are the service fields whose entries are labels.
var labelFields = []string{"labels", "selector", "aggregate_by"}

// overLabelLimit reports, at the field, each of n's label fields (n is a
// service or the defaults) with more entries than the limit. It only
// counts nodes, so it is cheap however large the field.
func (d *decoder) overLabelLimit(n *yaml.Node, where string) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	over := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		count := len(val.Content)
		if val.Kind == yaml.MappingNode {
			count /= 2
		}
		for _, f := range labelFields {
			if key == f && count > d.limits.labels() {
				d.overLimit(val, LimitLabels, "%s.%s: %d entries, over the limit of %d", where, key, count, d.limits.labels())
				over = true
			}
		}
	}
	return over
}

// overServiceLimit reports a services list longer than the limit.
func (d *decoder) overServiceLimit(services *yaml.Node) bool {
	if n := len(services.Content); n > d.limits.services() {
		d.overLimit(services, LimitServices, "services: %d services, over the limit of %d", n, d.limits.services())
		return true
	}
	return false
}
