// Package alertmanager writes the Alertmanager configuration skeleton that
// goes with a generated rule file: a route tree on the severity label that
// sends each tier (page, ticket, log) to its own receiver, and inhibit rules
// so that while a higher tier of an alert fires for a service, its lower
// tiers stay quiet. The output is checked with Alertmanager's own config
// loader and route matcher before it is returned, so a file this package
// hands out always loads and always routes each tier where it says.
package alertmanager

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	amlabels "github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// tiers are severity.All, highest first. Their order is the inhibition
// order: a tier silences every tier after it.
var tiers = severity.All

// Severity is how alerts of one tier are labelled: the tier, and the label
// name and value the generated alerts carry for it (from the spec's severity
// mapping, e.g. page → severity="critical").
type Severity struct {
	Tier  severity.Tier
	Label string
	Value string
}

// DefaultWebhookBase is where the placeholder receivers point. It is on the
// loopback interface so that a skeleton deployed unchanged notifies no one
// outside the machine.
const DefaultWebhookBase = "http://127.0.0.1:5001/agentalerts"

// Options tune the skeleton. The zero value is usable.
type Options struct {
	// Source names the spec in the header comment; empty means the
	// built-in example spec.
	Source string
	// WebhookBase is the placeholder webhook URL prefix; the tier name is
	// appended. Empty means DefaultWebhookBase.
	WebhookBase string
	// SplitBy are the series labels alerts are split by (a preset's
	// aggregate_by, instance, queue_name, ...). Inhibit rules require them
	// equal besides alertname and service: a page for one model must not
	// mute the ticket of another model. A label neither alert carries
	// counts as equal in Alertmanager, so listing every label of every
	// alert is safe.
	SplitBy []string
}

// ReceiverName is the receiver the skeleton routes tier to.
func ReceiverName(tier severity.Tier) string { return "agentalerts-" + tier.String() }

// BuildSeverities renders the skeleton for the given severity mapping. The
// same mapping may be listed more than once (one entry per generated alert
// is fine); tiers absent from sevs get no route. It is an error for one
// label value to stand for two tiers, since no route could tell them apart.
func BuildSeverities(sevs []Severity, opts Options) ([]byte, error) {
	byTier, err := groupSeverities(sevs)
	if err != nil {
		return nil, err
	}
	if opts.WebhookBase == "" {
		opts.WebhookBase = DefaultWebhookBase
	}
	out, err := render(byTier, opts)
	if err != nil {
		return nil, fmt.Errorf("alertmanager: rendering config: %w", err)
	}
	if err := verify(out, byTier, equalLabels(opts.SplitBy)); err != nil {
		// The input was valid, so a config Alertmanager rejects or routes
		// wrongly is our bug; say so rather than blame the spec.
		return nil, fmt.Errorf("alertmanager: internal error, generated config is wrong (please report): %w\n%s", err, out)
	}
	return out, nil
}

// tierLabels maps, for one tier, each severity label name to its values,
// sorted.
type tierLabels map[string][]string

func groupSeverities(sevs []Severity) (map[severity.Tier]tierLabels, error) {
	byTier := map[severity.Tier]tierLabels{}
	owner := map[[2]string]severity.Tier{} // (label, value) → tier
	for _, s := range sevs {
		if !s.Tier.Valid() {
			return nil, fmt.Errorf("alertmanager: unknown tier %v (want page, ticket or log)", s.Tier)
		}
		if !model.LabelName(s.Label).IsValidLegacy() {
			return nil, fmt.Errorf("alertmanager: tier %s: invalid severity label name %q", s.Tier, s.Label)
		}
		if s.Value == "" {
			return nil, fmt.Errorf("alertmanager: tier %s: empty value for severity label %q", s.Tier, s.Label)
		}
		key := [2]string{s.Label, s.Value}
		if t, ok := owner[key]; ok {
			if t != s.Tier {
				return nil, fmt.Errorf("alertmanager: tiers %s and %s both map to %s=%q; Alertmanager could not route them apart", t, s.Tier, s.Label, s.Value)
			}
			continue
		}
		owner[key] = s.Tier
		if byTier[s.Tier] == nil {
			byTier[s.Tier] = tierLabels{}
		}
		byTier[s.Tier][s.Label] = append(byTier[s.Tier][s.Label], s.Value)
	}
	if len(byTier) == 0 {
		return nil, errors.New("alertmanager: no alerts to route")
	}
	for _, tl := range byTier {
		for _, vs := range tl {
			sort.Strings(vs)
		}
	}
	return byTier, nil
}

// matcher is the Alertmanager matcher selecting values of label: an
// equality for one value, an anchored alternation for several.
func matcher(label string, values []string) string {
	if len(values) == 1 {
		return fmt.Sprintf("%s=%q", label, values[0])
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return fmt.Sprintf("%s=~%q", label, strings.Join(quoted, "|"))
}

// equalLabels is the inhibit rules' equal list: alertname and service,
// then the split labels, sorted and without repeats.
func equalLabels(splitBy []string) []string {
	out := []string{"alertname", "service"}
	extra := slices.Clone(splitBy)
	sort.Strings(extra)
	for _, l := range slices.Compact(extra) {
		if l != "alertname" && l != "service" && model.LabelName(l).IsValidLegacy() {
			out = append(out, l)
		}
	}
	return out
}

func sortedKeys(tl tierLabels) []string {
	keys := make([]string, 0, len(tl))
	for k := range tl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tierPolicy is how often each tier's receiver hears about a group: pages
// come fast and repeat until acknowledged, tickets wait for a fuller group
// and repeat daily, log notifies no one so only grouping matters.
var tierPolicy = map[severity.Tier]struct {
	groupWait, groupInterval, repeatInterval string
	comment                                  string
}{
	severity.Page:   {"30s", "5m", "1h", "page: wake someone up; repeats hourly while unresolved"},
	severity.Ticket: {"2m", "10m", "24h", "ticket: a work item for office hours; repeats daily"},
	severity.Log:    {"5m", "30m", "24h", "log: recorded in Alertmanager, notifies no one"},
}

func render(byTier map[severity.Tier]tierLabels, opts Options) ([]byte, error) {
	groupBy := flow(str("alertname"), str("service"))

	var routes []*yaml.Node
	for _, tier := range tiers {
		tl, ok := byTier[tier]
		if !ok {
			continue
		}
		p := tierPolicy[tier]
		for i, label := range sortedKeys(tl) {
			r := mapping(
				"receiver", str(ReceiverName(tier)),
				"matchers", seq(str(matcher(label, tl[label]))),
				"group_wait", str(p.groupWait),
				"group_interval", str(p.groupInterval),
				"repeat_interval", str(p.repeatInterval),
			)
			if i == 0 {
				r.HeadComment = p.comment
			}
			routes = append(routes, r)
		}
	}

	// The root receiver catches alerts whose severity no route matches (a
	// rule written by hand, a typo). They become tickets so that they are
	// seen: dropping them silently is how alerts get lost.
	rootReceiver := ReceiverName(severity.Ticket)
	if _, ok := byTier[severity.Ticket]; !ok {
		rootReceiver = ReceiverName(tiers[slices.IndexFunc(tiers, func(t severity.Tier) bool { _, ok := byTier[t]; return ok })])
	}
	route := mapping(
		"receiver", str(rootReceiver),
		"group_by", groupBy,
		"group_wait", str("30s"),
		"group_interval", str("5m"),
		"repeat_interval", str("4h"),
		"routes", seq(routes...),
	)
	route.Content[0].LineComment = "alerts no route below matches become tickets, never silence"

	var equal []*yaml.Node
	for _, l := range equalLabels(opts.SplitBy) {
		equal = append(equal, str(l))
	}
	var inhibit []*yaml.Node
	for i, src := range tiers {
		stl, ok := byTier[src]
		if !ok {
			continue
		}
		// Targets: every lower tier, per label name.
		targets := tierLabels{}
		for _, dst := range tiers[i+1:] {
			for label, vs := range byTier[dst] {
				targets[label] = append(targets[label], vs...)
			}
		}
		if len(targets) == 0 {
			continue
		}
		first := true
		for _, sl := range sortedKeys(stl) {
			for _, tlabel := range sortedKeys(targets) {
				// Tier order, not alphabetical: reads "ticket|log".
				vs := targets[tlabel]
				r := mapping(
					"source_matchers", seq(str(matcher(sl, stl[sl]))),
					"target_matchers", seq(str(matcher(tlabel, vs))),
					"equal", flow(equal...),
				)
				if first {
					r.HeadComment = fmt.Sprintf("a firing %s silences the lower tiers of the same alert, service and split labels", src)
					first = false
				}
				inhibit = append(inhibit, r)
			}
		}
	}

	var receivers []*yaml.Node
	for _, tier := range tiers {
		if _, ok := byTier[tier]; !ok {
			continue
		}
		if tier == severity.Log {
			r := mapping("name", str(ReceiverName(tier)))
			r.HeadComment = "no notifiers on purpose: log-tier alerts are visible in Alertmanager only"
			receivers = append(receivers, r)
			continue
		}
		url := str(strings.TrimRight(opts.WebhookBase, "/") + "/" + tier.String())
		url.LineComment = "placeholder: replace with your " + map[severity.Tier]string{severity.Page: "pager (PagerDuty, Opsgenie, ...)", severity.Ticket: "ticketing system (Jira, GitHub, ...)"}[tier]
		receivers = append(receivers, mapping(
			"name", str(ReceiverName(tier)),
			"webhook_configs", seq(mapping(
				"url", url,
				"send_resolved", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"},
			)),
		))
	}

	top := []any{"route", route}
	if len(inhibit) > 0 {
		top = append(top, "inhibit_rules", seq(inhibit...))
	}
	top = append(top, "receivers", seq(receivers...))
	doc := mapping(top...)

	var buf bytes.Buffer
	buf.WriteString(header(byTier, opts))
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func header(byTier map[severity.Tier]tierLabels, opts Options) string {
	src := opts.Source
	if src == "" {
		src = "the built-in example spec"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Alertmanager configuration skeleton generated by agentalerts from %s.\n", src)
	b.WriteString("# Routes each alert tier to its receiver by the severity label:\n")
	for _, tier := range tiers {
		tl, ok := byTier[tier]
		if !ok {
			continue
		}
		var ms []string
		for _, l := range sortedKeys(tl) {
			ms = append(ms, matcher(l, tl[l]))
		}
		fmt.Fprintf(&b, "#   %-6s %s -> %s\n", tier, strings.Join(ms, ", "), ReceiverName(tier))
	}
	b.WriteString("# The webhook URLs are placeholders on 127.0.0.1 so nothing leaves the\n")
	b.WriteString("# machine: replace them with your integrations before deploying.\n")
	return b.String()
}

// verify loads out with Alertmanager's own loader and checks, with its own
// route matcher and inhibition matchers, that every severity reaches its
// tier's receiver and that higher tiers inhibit lower ones.
func verify(out []byte, byTier map[severity.Tier]tierLabels, equal []string) error {
	cfg, err := config.Load(string(out))
	if err != nil {
		return fmt.Errorf("config.Load: %w", err)
	}
	root := dispatch.NewRoute(cfg.Route, nil)
	alert := func(label, value string) model.LabelSet {
		return model.LabelSet{"alertname": "AgentalertsProbe", "service": "probe", model.LabelName(label): model.LabelValue(value)}
	}
	for _, tier := range tiers {
		for label, vs := range byTier[tier] {
			for _, v := range vs {
				got := root.Match(alert(label, v))
				if len(got) != 1 || got[0].RouteOpts.Receiver != ReceiverName(tier) {
					var names []string
					for _, r := range got {
						names = append(names, r.RouteOpts.Receiver)
					}
					return fmt.Errorf("%s=%q routes to %v, want [%s]", label, v, names, ReceiverName(tier))
				}
			}
		}
	}
	for i, hi := range tiers {
		for _, lo := range tiers[i+1:] {
			for hl, hvs := range byTier[hi] {
				for ll, lvs := range byTier[lo] {
					if !inhibited(cfg, alert(hl, hvs[0]), alert(ll, lvs[0])) {
						return fmt.Errorf("a firing %s (%s=%q) does not inhibit %s (%s=%q)", hi, hl, hvs[0], lo, ll, lvs[0])
					}
					// Split apart: one model's page must leave another
					// model's ticket alone.
					for _, l := range equal[2:] {
						src, dst := alert(hl, hvs[0]), alert(ll, lvs[0])
						src[model.LabelName(l)], dst[model.LabelName(l)] = "a", "b"
						if inhibited(cfg, src, dst) {
							return fmt.Errorf("a firing %s with %s=\"a\" inhibits %s with %s=\"b\"", hi, l, lo, l)
						}
					}
				}
			}
		}
	}
	return nil
}

// inhibited reports whether source, firing, inhibits target under cfg's
// inhibit rules (the matcher and equal-label semantics of Alertmanager's
// inhibitor, without its alert store).
func inhibited(cfg *config.Config, source, target model.LabelSet) bool {
	for _, r := range cfg.InhibitRules {
		if !amlabels.Matchers(r.SourceMatchers).Matches(source) || !amlabels.Matchers(r.TargetMatchers).Matches(target) {
			continue
		}
		equal := true
		for _, l := range r.Equal {
			if source[model.LabelName(l)] != target[model.LabelName(l)] {
				equal = false
			}
		}
		if equal {
			return true
		}
	}
	return false
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

func flow(items ...*yaml.Node) *yaml.Node {
	n := seq(items...)
	n.Style = yaml.FlowStyle
	return n
}

// mapping builds a mapping node from alternating keys (string) and values
// (*yaml.Node), keeping their order.
func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i < len(kv); i += 2 {
		n.Content = append(n.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return n
}
