package unittest

import (
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/limits"
)

// unwrap returns the path of a plain rule file with the groups of fn when
// fn is a prometheus-operator PrometheusRule or a mimirtool namespace
// file (what generate --format writes), written under the directory dir
// makes (only then); otherwise fn
// itself. Prometheus's rule loader reads only plain files, and
// `agentalerts generate --tests` must work with every output format.
func unwrap(fn string, dir func() (string, error)) (string, error) {
	src, err := limits.ReadFile(fn, limits.DefaultMaxFileSize)
	if err != nil {
		return fn, nil // the loader reports it
	}
	var doc map[string]any
	if yaml.Unmarshal(src, &doc) != nil {
		return fn, nil
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
		return fn, nil
	}
	plain, err := yaml.Marshal(map[string]any{"groups": groups})
	if err != nil {
		return "", err
	}
	base, err := dir()
	if err != nil {
		return "", err
	}
	sub, err := os.MkdirTemp(base, "")
	if err != nil {
		return "", err
	}
	out := filepath.Join(sub, filepath.Base(fn))
	return out, os.WriteFile(out, plain, 0o600)
}
