package rules

import (
	"fmt"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
)

// DefaultsTable renders the defaults table as Markdown for docs/spec.md,
// from the same Defaults value the generator uses.
func DefaultsTable() string {
	var b strings.Builder
	b.WriteString("| Family | Settings | page | ticket | log |\n|---|---|---|---|---|\n")
	for _, name := range FamilyNames {
		def := Defaults[name]
		var settings []string
		if def.window > 0 {
			settings = append(settings, "window "+templates.Duration(def.window))
		}
		if def.minRate > 0 {
			settings = append(settings, "min_request_rate "+templates.Number(def.minRate)+" req/s")
		}
		if def.quantile > 0 {
			settings = append(settings, "quantile "+templates.Number(def.quantile))
		}
		if def.per > 0 {
			settings = append(settings, "per "+templates.Duration(def.per))
		}
		row := []string{"`" + string(name) + "`", strings.Join(settings, ", ")}
		for _, t := range severity.All {
			td, ok := def.tiers[t]
			switch {
			case !ok:
				row = append(row, "—")
			case name == Availability:
				row = append(row, "for "+templates.Duration(td.hold))
			default:
				row = append(row, fmt.Sprintf("> %s for %s", templates.FormatThreshold(unitOf(name), td.threshold), templates.Duration(td.hold)))
			}
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	return b.String()
}
