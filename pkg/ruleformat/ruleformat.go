// Package ruleformat wraps a generated Prometheus rule file into the
// shape another deployment loads: a prometheus-operator PrometheusRule
// resource, or a mimirtool (and cortextool) namespace file. The groups are
// the same bytes, indented where needed, so every format carries exactly
// the rules promtool checked; each wrapped file is decoded back through
// its consumer's own types before it is returned.
package ruleformat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Format is an output shape of generate.
type Format string

// The formats generate writes.
const (
	Prometheus     Format = "prometheus"
	PrometheusRule Format = "prometheusrule"
	Mimir          Format = "mimir"
)

// Names are the formats, for flags and completion.
var Names = []string{string(Prometheus), string(PrometheusRule), string(Mimir)}

// Parse returns the format called s ("" is prometheus).
func Parse(s string) (Format, error) {
	switch Format(s) {
	case "", Prometheus:
		return Prometheus, nil
	case PrometheusRule, Mimir:
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown format %q: expected one of %s", s, strings.Join(Names, ", "))
}

// Options name the wrapper. Empty fields take defaults from the file name.
type Options struct {
	// Name is the PrometheusRule's metadata.name; with one file per
	// service, the service's file stem is appended.
	Name string
	// Namespace is the PrometheusRule's metadata.namespace, or the
	// mimirtool namespace (default: the file stem, as mimirtool does).
	Namespace string
	// Labels are the PrometheusRule's metadata.labels, which a Prometheus
	// or ThanosRuler ruleSelector matches.
	Labels map[string]string
}

// Validate checks the options as Kubernetes would. The error is an
// *OptionError.
func (o Options) Validate() error {
	bad := func(option, value string, errs []string) error {
		return &OptionError{Option: option, Value: value, Reason: strings.Join(errs, "; ")}
	}
	if o.Name != "" {
		if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
			return bad("name", strconv.Quote(o.Name), errs)
		}
	}
	if o.Namespace != "" {
		if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
			return bad("namespace", strconv.Quote(o.Namespace), errs)
		}
	}
	for _, k := range sortedKeys(o.Labels) {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return bad("label", k, errs)
		}
		if errs := validation.IsValidLabelValue(o.Labels[k]); len(errs) > 0 {
			return bad("label", k+"="+o.Labels[k], errs)
		}
	}
	return nil
}

// OptionError is an option Kubernetes would reject. It names the option
// as the Options field does, in lower case; a caller that sets options
// from flags names the flag instead.
type OptionError struct {
	Option string // name, namespace or label
	Value  string // as the message shows it: a quoted name, a label as key or key=value
	Reason string // Kubernetes's words
}

func (e *OptionError) Error() string { return e.Option + " " + e.Value + ": " + e.Reason }

// NameError is a PrometheusRule name taken from the output file's name
// (Options.Name empty) that Kubernetes would reject.
type NameError struct {
	Name   string
	Reason string // Kubernetes's words
}

func (e *NameError) Error() string {
	return fmt.Sprintf("PrometheusRule name %q (from the file name; set Options.Name): %s", e.Name, e.Reason)
}

// Wrap returns data, a generated rule file, in format f. file is the
// output file's name ("" for standard output) and perService says the
// file is one of several, one per service.
func Wrap(f Format, file string, perService bool, data []byte, o Options) ([]byte, error) {
	if f == Prometheus || f == "" {
		return data, nil
	}
	head, body := splitHeader(data)
	stem := fileStem(file)
	var b bytes.Buffer
	b.Write(head)
	switch f {
	case PrometheusRule:
		name := o.Name
		switch {
		case name == "" && stem == "":
			name = "agentalerts"
		case name == "":
			name = stem
		case perService && stem != "":
			name += "-" + stem
		}
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			return nil, &NameError{Name: name, Reason: strings.Join(errs, "; ")}
		}
		b.WriteString("apiVersion: " + monitoringv1.SchemeGroupVersion.String() + "\n")
		b.WriteString("kind: " + monitoringv1.PrometheusRuleKind + "\n")
		b.WriteString("metadata:\n  name: " + quote(name) + "\n")
		if o.Namespace != "" {
			b.WriteString("  namespace: " + quote(o.Namespace) + "\n")
		}
		if len(o.Labels) > 0 {
			b.WriteString("  labels:\n")
			for _, k := range sortedKeys(o.Labels) {
				b.WriteString("    " + quote(k) + ": " + quote(o.Labels[k]) + "\n")
			}
		}
		b.WriteString("spec:\n")
		b.Write(indent(body, "  "))
		out := b.Bytes()
		if err := verifyPrometheusRule(out, body, name); err != nil {
			return nil, err
		}
		return out, nil
	case Mimir:
		ns := o.Namespace
		if ns == "" {
			ns = stem
		}
		if ns == "" {
			ns = "agentalerts"
		}
		b.WriteString("namespace: " + quote(ns) + "\n")
		b.Write(body)
		out := b.Bytes()
		if err := verifyMimir(out, body); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

// splitHeader separates the leading comment lines (the "generated by"
// header, which --check and the orphan search look for first) from the
// rest.
func splitHeader(data []byte) (head, body []byte) {
	i := 0
	for i < len(data) {
		end := bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			end = len(data) - i
		} else {
			end++
		}
		line := bytes.TrimSpace(data[i : i+end])
		if len(line) > 0 && line[0] != '#' {
			break
		}
		i += end
	}
	return data[:i], data[i:]
}

// indent prefixes every non-empty line. Block scalars keep their
// relative indentation, so their text is unchanged.
func indent(data []byte, prefix string) []byte {
	var b bytes.Buffer
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(bytes.TrimRight(line, "\n")) > 0 {
			b.WriteString(prefix)
		}
		b.Write(line)
	}
	return b.Bytes()
}

// fileStem is a file name without directories and rule-file suffixes,
// as a DNS label: "rules/research_agent.rules.yaml" gives
// "research-agent".
func fileStem(file string) string {
	if file == "" {
		return ""
	}
	s := filepath.Base(file)
	for _, suf := range []string{".yaml", ".yml", ".rules"} {
		s = strings.TrimSuffix(s, suf)
	}
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, s)
	return strings.Trim(s, "-.")
}

func quote(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(b), "\n")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// verifyPrometheusRule decodes out through prometheus-operator's own
// types, strictly, and compares its groups with those of the plain file.
func verifyPrometheusRule(out, plain []byte, name string) error {
	var generic any
	if err := yaml.Unmarshal(out, &generic); err != nil {
		return fmt.Errorf("PrometheusRule output is not YAML: %w", err)
	}
	js, err := json.Marshal(generic)
	if err != nil {
		return fmt.Errorf("PrometheusRule output: %w", err)
	}
	var pr monitoringv1.PrometheusRule
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pr); err != nil {
		return fmt.Errorf("PrometheusRule output does not decode as prometheus-operator's PrometheusRule: %w", err)
	}
	if pr.Kind != monitoringv1.PrometheusRuleKind || pr.APIVersion != monitoringv1.SchemeGroupVersion.String() || pr.Name != name {
		return fmt.Errorf("PrometheusRule output decodes as %s %s named %q", pr.APIVersion, pr.Kind, pr.Name)
	}
	want, errs := parsePlain(plain)
	if len(errs) > 0 {
		return fmt.Errorf("generated rules do not parse: %w", errs[0])
	}
	if len(pr.Spec.Groups) != len(want.Groups) {
		return fmt.Errorf("PrometheusRule holds %d groups, the rule file %d", len(pr.Spec.Groups), len(want.Groups))
	}
	for i, g := range want.Groups {
		got := pr.Spec.Groups[i]
		if got.Name != g.Name || len(got.Rules) != len(g.Rules) {
			return fmt.Errorf("PrometheusRule group %d is %q with %d rules, want %q with %d", i, got.Name, len(got.Rules), g.Name, len(g.Rules))
		}
		for j, r := range g.Rules {
			gr := got.Rules[j]
			if gr.Alert != r.Alert || gr.Record != r.Record || gr.Expr.String() != r.Expr {
				return fmt.Errorf("PrometheusRule group %q rule %d differs from the rule file", g.Name, j+1)
			}
		}
	}
	return nil
}

// parsePlain parses the plain rule file as Prometheus loads it.
func parsePlain(plain []byte) (*rulefmt.RuleGroups, []error) {
	return rulefmt.Parse(plain, false, model.UTF8Validation, parser.NewParser(parser.Options{}), promslog.NewNopLogger())
}

// mimirNamespace is a mimirtool namespace file, decoded strictly as
// mimirtool does (namespace and groups of Prometheus rule groups).
type mimirNamespace struct {
	Namespace string              `yaml:"namespace"`
	Groups    []rulefmt.RuleGroup `yaml:"groups"`
}

func verifyMimir(out, plain []byte) error {
	var ns mimirNamespace
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	if err := dec.Decode(&ns); err != nil {
		return fmt.Errorf("mimir output does not decode as a namespace file: %w", err)
	}
	want, errs := parsePlain(plain)
	if len(errs) > 0 {
		return fmt.Errorf("generated rules do not parse: %w", errs[0])
	}
	if ns.Namespace == "" || len(ns.Groups) != len(want.Groups) {
		return fmt.Errorf("mimir output holds namespace %q with %d groups, want %d", ns.Namespace, len(ns.Groups), len(want.Groups))
	}
	return nil
}
