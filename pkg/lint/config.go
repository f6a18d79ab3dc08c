package lint

import (
	"time"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Config is the lint configuration (.agentalerts.yaml, `lint:` section).
// The zero value is not useful; start from DefaultConfig.
type Config struct {
	// Checks enables, disables or re-grades individual checks by id.
	Checks map[string]CheckConfig
	// SeverityLabel is the alert label that carries the tier.
	SeverityLabel string
	// SeverityValues are the allowed values of SeverityLabel.
	SeverityValues []string
	// PageValues are the SeverityLabel values that wake someone up; page
	// alerts get the stricter for/runbook checks.
	PageValues []string
	// RequiredLabels must be on every alerting rule (beyond SeverityLabel).
	RequiredLabels []string
	// RequiredAnnotations must be on every alerting rule.
	RequiredAnnotations []string
	// ScrapeInterval is the assumed scrape interval: rate windows shorter
	// than twice this are flagged.
	ScrapeInterval time.Duration
	// MinPageFor is the shortest `for` a page alert may have.
	MinPageFor time.Duration
	// RoutedSeverities, when non-empty, are the SeverityLabel values that
	// some Alertmanager route matches; an alert whose severity no route
	// handles is flagged. Empty means "unknown, don't check".
	RoutedSeverities []string

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
		SeverityLabel:       "severity",
		SeverityValues:      []string{"page", "ticket", "log"},
		PageValues:          []string{"page"},
		RequiredAnnotations: []string{"summary", "description"},
		ScrapeInterval:      time.Minute,
		MinPageFor:          time.Minute,
	}
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
