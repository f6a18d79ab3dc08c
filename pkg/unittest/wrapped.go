package unittest

import (
	"go.yaml.in/yaml/v3"
)

// unwrap returns the groups of src as a plain rule file when src is a
// prometheus-operator PrometheusRule or a mimirtool namespace file (what
// generate --format writes), and ok false otherwise. Prometheus's rule
// loader reads only plain files, and `agentalerts generate --tests` must
// work with every output format. Anything else, YAML that does not decode
// included, is left for the loader to report.
func unwrap(src []byte) (plain []byte, ok bool, err error) {
	var doc map[string]any
	if yaml.Unmarshal(src, &doc) != nil {
		return nil, false, nil
	}
	var groups any
	switch {
	case doc["kind"] == "PrometheusRule":
		if spec, ok := doc["spec"].(map[string]any); ok {
			groups = spec["groups"]
		}
	case len(doc) == 2 && doc["namespace"] != nil && doc["groups"] != nil:
		groups = doc["groups"]
	}
	if groups == nil {
		return nil, false, nil
	}
	plain, err = yaml.Marshal(map[string]any{"groups": groups})
	return plain, err == nil, err
}

// isPrometheusRule reports whether src, which unwrap unwrapped, is a
// PrometheusRule rather than a mimir namespace file: lint reads the
// former at its own positions, and only calls the latter's namespace:
// an unknown field.
func isPrometheusRule(src []byte) bool {
	var doc struct {
		Kind string `yaml:"kind"`
	}
	return yaml.Unmarshal(src, &doc) == nil && doc.Kind == "PrometheusRule"
}
