package unittest

import (
	"go.yaml.in/yaml/v3"
)

// unwrap returns the groups of src as a plain rule file when src is a
// prometheus-operator PrometheusRule or a mimirtool namespace file (what
// generate --format writes), with the format it found; FormatPlain and no
// bytes otherwise. Prometheus's rule loader reads only plain files, and
// `agentalerts generate --tests` must work with every output format.
// Anything else, YAML that does not decode included, is left for the
// loader to report.
func unwrap(src []byte) (plain []byte, format RuleFileFormat, err error) {
	var doc map[string]any
	if yaml.Unmarshal(src, &doc) != nil {
		return nil, FormatPlain, nil
	}
	var groups any
	switch {
	case doc["kind"] == "PrometheusRule":
		if spec, ok := doc["spec"].(map[string]any); ok {
			groups, format = spec["groups"], FormatPrometheusRule
		}
	case len(doc) == 2 && doc["namespace"] != nil && doc["groups"] != nil:
		groups, format = doc["groups"], FormatMimirNamespace
	}
	if groups == nil {
		return nil, FormatPlain, nil
	}
	plain, err = yaml.Marshal(map[string]any{"groups": groups})
	return plain, format, err
}
