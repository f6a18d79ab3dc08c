package rules

import (
	"encoding/json"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/presets"
)

// SchemaURL is where docs/spec.schema.json is published; the example spec
// names it so editors with the YAML language server complete and check
// specs as they are typed.
const SchemaURL = "https://raw.githubusercontent.com/agentalerts/agentalerts/main/docs/spec.schema.json"

type obj = map[string]any

// JSONSchema returns the JSON Schema of spec version 1, built from the
// same key lists the parser accepts so the two cannot drift. The parser
// stays the authority: it also checks what a schema cannot (threshold
// order, runbook templates, preset-specific overrides).
func JSONSchema() ([]byte, error) {
	duration := obj{"type": "string", "pattern": `^([0-9]+(ms|s|m|h|d|w|y))+$`, "description": "a Prometheus duration such as 5m or 1h30m"}
	str := obj{"type": "string", "minLength": 1}
	scalar := obj{"type": []string{"string", "number", "boolean"}}
	strMap := obj{"type": "object", "additionalProperties": scalar}
	threshold := obj{"type": []string{"string", "number"}, "description": "10% or 0.1 for ratios; 5s, 250ms or seconds for latency; a count; USD"}

	tier := func(withThreshold bool) obj {
		props := obj{"for": duration, "keep_firing_for": duration}
		if withThreshold {
			props["threshold"] = threshold
		}
		return obj{"oneOf": []any{
			obj{"type": "boolean"},
			obj{"type": "object", "additionalProperties": false, "properties": props},
		}}
	}
	tierEnum := obj{"enum": severity.Names()}
	forecast := func(name string) obj {
		props := obj{}
		for _, k := range forecastKeys[name] {
			switch k {
			case "tier":
				props[k] = tierEnum
			case "budget":
				props[k] = obj{"type": "number", "exclusiveMinimum": 0}
			default: // horizon, window, period, for
				props[k] = duration
			}
		}
		return props
	}
	family := func(name string) obj {
		props := obj{}
		for _, k := range blockKeys[name] {
			if _, err := severity.Parse(k); err == nil {
				props[k] = tier(Family(name) != Availability)
				continue
			}
			switch k {
			case "window", "per":
				props[k] = duration
			case "min_request_rate":
				props[k] = obj{"type": "number", "minimum": 0}
			case "quantile":
				props[k] = obj{"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}
			case "forecast":
				props[k] = obj{"type": "object", "additionalProperties": false, "properties": forecast(name)}
			}
		}
		return obj{"oneOf": []any{
			obj{"type": "boolean"},
			obj{"type": "null"},
			obj{"type": "object", "additionalProperties": false, "properties": props},
		}}
	}
	tierValues := obj{}
	for _, t := range severity.Names() {
		tierValues[t] = str
	}
	metricProps := obj{}
	for _, k := range MetricKeys {
		metricProps[k] = obj{"type": "string"}
	}
	service := func(withIdentity bool) obj {
		props := obj{
			"preset":       obj{"enum": presets.Names()},
			"variant":      str,
			"runbook_url":  obj{"type": "string", "description": "Go template over .Alert, .Service, .Family, .Tier; must give an absolute URL"},
			"labels":       strMap,
			"selector":     strMap,
			"aggregate_by": obj{"type": "array", "items": str},
			"metrics":      obj{"type": "object", "additionalProperties": false, "properties": metricProps},
			"severity": obj{"type": "object", "additionalProperties": false, "properties": obj{
				"label":  str,
				"values": obj{"type": "object", "additionalProperties": false, "properties": tierValues},
			}},
		}
		for _, f := range familyKeys() {
			props[f] = family(f)
		}
		props["slo"] = sloSchema(duration, threshold, tierEnum)
		s := obj{"type": "object", "additionalProperties": false, "properties": props}
		if withIdentity {
			props["name"] = str
			props["job"] = str
			s["required"] = []string{"name", "job"}
		}
		return s
	}
	schema := obj{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"$id":                  SchemaURL,
		"title":                "agentalerts spec, version 1",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"version", "services"},
		"properties": obj{
			"version":  obj{"const": 1},
			"defaults": service(false),
			"services": obj{"type": "array", "minItems": 1, "items": service(true)},
		},
	}
	b, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
