// Package severity owns the three-level alert scale (page, ticket, log) and
// its mapping to the value of one alert label, so that the generator, the
// linter, the Alertmanager builder and the e2e checker speak about tiers
// the same way. It is the only definition of the scale: every other
// package names a tier with a Tier, never with a string of its own.
//
// "Severity" means two things in this repository and this package owns
// the first: the tier of an alert (Tier) with the label value that
// carries it (Scale). How bad a lint finding or spec error is, error,
// warning or info, is a different scale, diag.Severity.
package severity

import (
	"fmt"
	"strings"
)

// Tier is how urgently a human must act on an alert.
type Tier int

// Tiers from most to least urgent. The order matters: thresholds must not
// get stricter as urgency falls (a ticket never fires above its page).
const (
	Page   Tier = iota + 1 // wake someone up now
	Ticket                 // create a work item, act within working hours
	Log                    // record it; look when investigating
)

// All lists the tiers from most to least urgent.
var All = []Tier{Page, Ticket, Log}

// String returns the tier's spec key: page, ticket or log.
func (t Tier) String() string {
	switch t {
	case Page:
		return "page"
	case Ticket:
		return "ticket"
	case Log:
		return "log"
	}
	return fmt.Sprintf("tier(%d)", int(t))
}

// Valid reports whether t is one of All; the zero Tier is not.
func (t Tier) Valid() bool { return t >= Page && t <= Log }

// Names lists the tiers' spec keys from most to least urgent, for enums
// in schemas and help texts.
func Names() []string {
	out := make([]string, len(All))
	for i, t := range All {
		out[i] = t.String()
	}
	return out
}

// MarshalText writes the spec key, so a Tier in JSON or YAML output reads
// "page", not 1.
func (t Tier) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("invalid tier %d", int(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads a spec key.
func (t *Tier) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Parse reads a tier spec key.
func Parse(s string) (Tier, error) {
	for _, t := range All {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown tier %q, expected page, ticket or log", s)
}

// Scale maps tiers to the value of one alert label.
type Scale struct {
	Label  string          // the label name, "severity" by default
	Values map[Tier]string // the label value per tier
}

// Default is severity=page|ticket|log.
func Default() Scale {
	return Scale{Label: "severity", Values: map[Tier]string{Page: "page", Ticket: "ticket", Log: "log"}}
}

// Value is the label value for t; a missing mapping falls back to the
// tier's own name so a partial mapping still yields a usable label.
func (s Scale) Value(t Tier) string {
	if v, ok := s.Values[t]; ok && v != "" {
		return v
	}
	return t.String()
}

// Validate reports a scale whose values collide: two tiers with one label
// value could not be routed or inhibited apart.
func (s Scale) Validate() error {
	if s.Label == "" {
		return fmt.Errorf("severity label name is empty")
	}
	seen := map[string]Tier{}
	for _, t := range All {
		v := s.Value(t)
		if prev, ok := seen[v]; ok {
			return fmt.Errorf("tiers %s and %s both map to %s=%q; each tier needs its own value", prev, t, s.Label, v)
		}
		seen[v] = t
	}
	return nil
}

// SortedValues returns the label values in tier order.
func (s Scale) SortedValues() []string {
	out := make([]string, 0, len(All))
	for _, t := range All {
		out = append(out, s.Value(t))
	}
	return out
}

// String prints the mapping, e.g. "severity: page=critical ticket=warning log=info".
func (s Scale) String() string {
	parts := make([]string, 0, len(All))
	for _, t := range All {
		parts = append(parts, t.String()+"="+s.Value(t))
	}
	return s.Label + ": " + strings.Join(parts, " ")
}
