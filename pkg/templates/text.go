package templates

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Escape makes a value from the spec safe inside a Prometheus label or
// annotation template: Prometheus expands both, so a service called
// "a{{b" would otherwise break the rule (or, worse, execute). A value with
// braces becomes a template string literal printing itself; others pass
// unchanged so common output stays readable.
func Escape(s string) string {
	if !strings.ContainsAny(s, "{}") {
		return s
	}
	return "{{ " + strconv.Quote(s) + " }}"
}

// Unit says how a family's value and threshold read to a human.
type Unit int

// Units of thresholds.
const (
	Ratio   Unit = iota + 1 // 0.1 reads 10%
	Seconds                 // 5 reads 5s
	Count                   // 100 reads 100
	USD                     // 50 reads $50
)

// FormatThreshold renders a threshold the way the spec would write it.
func FormatThreshold(u Unit, v float64) string {
	switch u {
	case Ratio:
		return Number(v*100) + "%"
	case Seconds:
		return Duration(time.Duration(v * float64(time.Second)))
	case USD:
		return "$" + Number(v)
	}
	return Number(v)
}

// Value is the Prometheus template printing the alert's $value in u.
func Value(u Unit) string {
	switch u {
	case Ratio:
		return "{{ $value | humanizePercentage }}"
	case Seconds:
		return "{{ $value | humanizeDuration }}"
	case USD:
		return `${{ printf "%.2f" $value }}`
	}
	return "{{ $value | humanize }}"
}

// LabelsSuffix names the labels an alert keeps, e.g.
// " (model_name={{ $labels.model_name }})", so one alert per model says
// which model. Only labels the expression keeps may appear here.
func LabelsSuffix(by []string) string {
	if len(by) == 0 {
		return ""
	}
	parts := make([]string, len(by))
	for i, l := range by {
		parts[i] = fmt.Sprintf("%s={{ $labels.%s }}", l, l)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// Text is the summary and description of one alert.
type Text struct {
	Summary, Description string
}

// Per is the period word for a spend rate: hour for 1h, else the duration.
func Per(d time.Duration) string {
	switch d {
	case time.Hour:
		return "hour"
	case 24 * time.Hour:
		return "day"
	}
	return Duration(d)
}
