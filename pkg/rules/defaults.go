package rules

import (
	"fmt"
	"time"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/severity"
	"github.com/agentalerts/agentalerts/pkg/templates"
)

// tierDefault is one row of the defaults table.
type tierDefault struct {
	threshold float64
	hold      time.Duration
}

// familyDefault is the built-in configuration of a family that the spec
// overlays. docs/spec.md prints this table; keep them together.
type familyDefault struct {
	window   time.Duration
	minRate  float64
	quantile float64
	per      time.Duration
	tiers    map[severity.Tier]tierDefault
}

// Defaults is the built-in table. The page/ticket rows come from the design
// notes (shared/seed); the log rows sit below them so that default output
// holds all three levels. Cost has no default tier: there is no sensible
// universal spend, so it is generated only when the spec gives a threshold.
var Defaults = func() map[Family]familyDefault {
	out := map[Family]familyDefault{}
	for _, f := range families {
		out[f.info().name] = f.info().defaults
	}
	return out
}()

// defaultFor is the `for` of a tier the defaults table does not list.
var defaultFor = map[severity.Tier]time.Duration{
	severity.Page: 5 * time.Minute, severity.Ticket: 15 * time.Minute, severity.Log: 30 * time.Minute,
}

// Forecast defaults.
const (
	defaultHorizon        = 6 * time.Hour
	defaultForecastWindow = time.Hour
	defaultForecastFor    = 15 * time.Minute
	defaultCostPeriod     = 24 * time.Hour
	// costHorizonShare: a spend forecast looks a quarter of its period
	// ahead unless told: far enough to page before the budget is gone,
	// near enough that the current rate is a fair guess.
	costHorizonShare = 4
)

// minPageFor is the shortest `for` of a page: a page on one bad
// evaluation wakes people for blips.
const minPageFor = time.Minute

// applyDefaults overlays the service's families on the defaults table and
// checks what only makes sense after that: thresholds present and ordered
// page >= ticket >= log, pages holding for at least a minute.
func (d *decoder) applyDefaults(svc *Service) {
	for _, name := range FamilyNames {
		def := Defaults[name]
		fam, ok := svc.Families[name]
		if !ok {
			fam = &FamilySpec{Tiers: map[severity.Tier]*Tier{}}
			svc.Families[name] = fam
		}
		if fam.Off {
			continue
		}
		if !fam.Window.Set {
			fam.Window.V = def.window
		}
		if !fam.MinRequestRate.Set {
			fam.MinRequestRate.V = def.minRate
		}
		if !fam.Quantile.Set {
			fam.Quantile.V = def.quantile
		}
		if !fam.Per.Set {
			fam.Per.V = def.per
		}
		for t, td := range def.tiers {
			if _, ok := fam.Tiers[t]; !ok {
				fam.Tiers[t] = &Tier{}
			}
			tier := fam.Tiers[t]
			if !tier.Threshold.Set {
				tier.Threshold.V = td.threshold
			}
			if !tier.For.Set {
				tier.For.V = td.hold
			}
		}
		for _, t := range severity.All {
			tier, ok := fam.Tiers[t]
			if !ok {
				continue
			}
			if tier.Off {
				delete(fam.Tiers, t)
				continue
			}
			_, hasDef := def.tiers[t]
			if !hasDef && !tier.For.Set {
				tier.For.V = defaultFor[t]
			}
			if !hasDef && !tier.Threshold.Set && name != Availability {
				d.diags = append(d.diags, diag.Diagnostic{Pos: tier.Pos, Check: "spec/missing", Severity: diag.Error,
					Message: fmt.Sprintf("service %q: %s.%s: missing field \"threshold\" (no default for this tier)", svc.Name.V, name, t)})
			}
			if t == severity.Page && tier.For.V < minPageFor {
				d.diags = append(d.diags, diag.Diagnostic{Pos: orPos(tier.For.Pos, tier.Pos), Check: "spec/value", Severity: diag.Error,
					Message: fmt.Sprintf("service %q: %s.page.for is %s; a page must hold for at least %s so one bad scrape does not wake anyone", svc.Name.V, name, templates.Duration(tier.For.V), templates.Duration(minPageFor))})
			}
		}
		if fc := fam.Forecast; fc != nil {
			if !fc.Window.Set {
				fc.Window.V = defaultForecastWindow
			}
			if !fc.Period.Set {
				fc.Period.V = defaultCostPeriod
			}
			if !fc.Horizon.Set {
				fc.Horizon.V = defaultHorizon
				if name == Cost {
					// 6h of the default day, and a shorter period never
					// defaults to a horizon as long as itself.
					fc.Horizon.V = fc.Period.V / costHorizonShare
				}
			}
			if name == Cost && fc.Horizon.V >= fc.Period.V {
				d.diags = append(d.diags, diag.Diagnostic{Pos: orPos(fc.Horizon.Pos, fc.Pos), Check: "spec/value", Severity: diag.Error,
					Message: fmt.Sprintf("service %q: cost.forecast.horizon %s must be shorter than period %s: the forecast adds the spend of the period's last period-horizon to horizon at the current rate",
						svc.Name.V, templates.Duration(fc.Horizon.V), templates.Duration(fc.Period.V))})
			}
			if !fc.Tier.Set {
				fc.Tier.V = severity.Ticket
			}
			if !fc.For.Set {
				fc.For.V = defaultForecastFor
			}
			if name == Cost && !fc.Budget.Set {
				d.diags = append(d.diags, diag.Diagnostic{Pos: fc.Pos, Check: "spec/missing", Severity: diag.Error,
					Message: fmt.Sprintf("service %q: cost.forecast: missing field \"budget\" (USD per period)", svc.Name.V)})
			}
			if fc.Tier.V == severity.Page && fc.For.V < minPageFor {
				d.diags = append(d.diags, diag.Diagnostic{Pos: orPos(fc.For.Pos, fc.Pos), Check: "spec/value", Severity: diag.Error,
					Message: fmt.Sprintf("service %q: %s.forecast.for must be at least %s for a page", svc.Name.V, name, templates.Duration(minPageFor))})
			}
		}
		d.checkOrder(svc, name, fam)
	}
}

// checkOrder reports a less urgent tier whose threshold is above a more
// urgent one's: the ticket would fire only after the page, which is never
// what anyone meant.
func (d *decoder) checkOrder(svc *Service, name Family, fam *FamilySpec) {
	if name == Availability {
		return
	}
	u := unitOf(name)
	var prev *Tier
	var prevT severity.Tier
	for _, t := range severity.All {
		tier, ok := fam.Tiers[t]
		if !ok {
			continue
		}
		if prev != nil && tier.Threshold.V > prev.Threshold.V {
			at := orPos(tier.Threshold.Pos, orPos(prev.Threshold.Pos, fam.Pos))
			d.diags = append(d.diags, diag.Diagnostic{Pos: at, Check: "spec/inverted-threshold", Severity: diag.Error,
				Message: fmt.Sprintf("service %q: %s.%s threshold %s%s is above %s.%s threshold %s%s; a less urgent tier must not need a worse value",
					svc.Name.V, name, t, templates.FormatThreshold(u, tier.Threshold.V), origin(tier.Threshold),
					name, prevT, templates.FormatThreshold(u, prev.Threshold.V), origin(prev.Threshold))})
		}
		prev, prevT = tier, t
	}
}

func origin(v Val[float64]) string {
	if v.Set {
		return ""
	}
	return " (default)"
}

func orPos(p, fallback diag.Pos) diag.Pos {
	if p.Line > 0 {
		return p
	}
	return fallback
}
