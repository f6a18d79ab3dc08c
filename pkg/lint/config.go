package lint

import (
	"time"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/severity"
)

// Config is the lint configuration (.agentalerts.yaml, `lint:` section).
// The zero value is not useful; start from DefaultConfig.
type Config struct {
	// Checks enables, disables or re-grades individual checks by id.
	Checks map[string]CheckConfig
	// SeverityLabel is the alert label that carries the tier.
	SeverityLabel string
	// SeverityValues are the allowed values of SeverityLabel. Empty (the
	// default) means the team has not said, so any value is accepted:
	// flagging the critical/warning/info of nearly every public rule set
	// against a vocabulary nobody chose would bury the real findings.
	SeverityValues []string
	// PageValues are the SeverityLabel values that wake someone up; page
	// alerts get the stricter for/runbook checks.
	PageValues []string
	// RequiredLabels must be on every alerting rule (beyond SeverityLabel).
	RequiredLabels []string
	// RequiredAnnotations must be on every alerting rule.
	RequiredAnnotations []string
	// AnnotationStandIns name, per required annotation, others that do
	// its job. By default summary, description and the older mixin
	// message stand in for each other, so only an alert with no text at
	// all is reported; configuring required_annotations clears them, as
	// the team then says exactly what it wants.
	AnnotationStandIns map[string][]string
	// ScrapeInterval is the team's scrape interval: rate windows shorter
	// than twice this are flagged. Zero (the default) means unknown; the
	// rate-window check then assumes FallbackScrapeInterval.
	ScrapeInterval time.Duration
	// Servers names groups of rule-file paths (globs) that one Prometheus
	// server loads together; alert/duplicate compares rules across files
	// only within one directory or one such group.
	Servers map[string][]string
	// MinPageFor is the shortest `for` a page alert may have.
	MinPageFor time.Duration
	// RoutedSeverities, when non-empty, are the SeverityLabel values that
	// some Alertmanager route matches; an alert whose severity no route
	// handles is flagged. Empty means "unknown, don't check".
	RoutedSeverities []string
	// AlertmanagerConfig is the Alertmanager configuration file the
	// config names (alertmanager_config), resolved against the config's
	// directory; LoadRoutes reads RoutedSeverities from it.
	AlertmanagerConfig string
	alertmanagerPos    diag.Pos
	// Prometheus is the URL live checks ask (lint --prometheus overrides
	// it); empty, the default, keeps lint offline.
	Prometheus string

	// Dialect is the rule engine the files are written for: its fields
	// are accepted and, for vmalert, expressions are MetricsQL. Empty
	// means prometheus.
	Dialect Dialect

	// File is the config file this came from; empty for the defaults.
	File string
	// checkPos is where each id under checks: was written, for Validate.
	checkPos map[string]diag.Pos
}

// CheckConfig overrides one check.
type CheckConfig struct {
	Enabled  *bool
	Severity diag.Severity // 0 keeps the default
}

// DefaultConfig is what lint uses with no config file.
func DefaultConfig() *Config {
	return &Config{
		Checks:              map[string]CheckConfig{},
		SeverityLabel:       severity.Default().Label,
		PageValues:          DefaultPageValues(),
		RequiredAnnotations: []string{"summary", "description"},
		AnnotationStandIns: map[string][]string{
			"summary":     {"description", "message"},
			"description": {"summary", "message"},
		},
		MinPageFor: time.Minute,
	}
}

// FallbackScrapeInterval is the scrape interval assumed when none is
// configured: the one in Prometheus's example configuration and the
// shortest in common use, so a window judged too short is too short for
// nearly every setup.
const FallbackScrapeInterval = 15 * time.Second

// Vocabulary is a set of severity values and those of them that page.
type Vocabulary struct {
	Name   string
	Values []string
	Page   []string
	Doc    string
}

// Vocabularies are the two severity conventions lint knows without being
// told: with no configured values it accepts both.
var Vocabularies = []Vocabulary{
	{Name: "mixin", Values: []string{"critical", "warning", "info"}, Page: []string{"critical"},
		Doc: "critical/warning/info, the monitoring-mixins convention most public rule sets use"},
	{Name: "tiers", Values: severity.Default().SortedValues(), Page: []string{severity.Default().Value(severity.Page)},
		Doc: "page/ticket/log, what agentalerts generate writes"},
}

// VocabularyByName returns the vocabulary called name.
func VocabularyByName(name string) (Vocabulary, bool) {
	for _, v := range Vocabularies {
		if v.Name == name {
			return v, true
		}
	}
	return Vocabulary{}, false
}

// DefaultPageValues are the paging values of every known vocabulary.
func DefaultPageValues() []string {
	var out []string
	for _, v := range Vocabularies {
		out = append(out, v.Page...)
	}
	return out
}

// EffectiveScrapeInterval is the configured scrape interval, or the
// fallback when none is configured.
func (cfg *Config) EffectiveScrapeInterval() time.Duration {
	if cfg.ScrapeInterval > 0 {
		return cfg.ScrapeInterval
	}
	return FallbackScrapeInterval
}

// SeverityOf is the severity c reports at under this config.
func (cfg *Config) SeverityOf(c *Check) diag.Severity {
	if cc, ok := cfg.Checks[c.ID]; ok && cc.Severity != 0 {
		return cc.Severity
	}
	return c.Severity
}

// Enabled reports whether c runs under this config.
func (cfg *Config) Enabled(c *Check) bool {
	if cc, ok := cfg.Checks[c.ID]; ok && cc.Enabled != nil {
		return *cc.Enabled
	}
	return !c.Off
}

// IsPage reports whether a severity label value means "page".
func (cfg *Config) IsPage(v string) bool {
	for _, p := range cfg.PageValues {
		if p == v {
			return true
		}
	}
	return false
}
