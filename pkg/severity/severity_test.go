package severity

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScaleSortedValues(t *testing.T) {
	s := Scale{Label: "severity", Values: map[Tier]string{Page: "critical", Ticket: "warning", Log: "info"}}
	got := s.SortedValues()
	if diff := cmp.Diff([]string{"critical", "warning", "info"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		scale Scale
		ok    bool
	}{
		{"default", Default(), true},
		{"partial falls back to tier names", Scale{Label: "sev", Values: map[Tier]string{Page: "critical"}}, true},
		{"collision", Scale{Label: "sev", Values: map[Tier]string{Page: "x", Ticket: "x"}}, false},
		{"fallback collision", Scale{Label: "sev", Values: map[Tier]string{Page: "ticket"}}, false},
		{"no label", Scale{Values: nil}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.scale.Validate()
			if (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tier := range All {
		got, err := Parse(tier.String())
		if err != nil || got != tier {
			t.Errorf("Parse(%q) = %v, %v", tier.String(), got, err)
		}
	}
	if _, err := Parse("critical"); err == nil {
		t.Errorf("Parse(critical) succeeded; tiers are page/ticket/log")
	}
}

func TestTextRoundTrip(t *testing.T) {
	for _, tier := range All {
		b, err := tier.MarshalText()
		if err != nil || string(b) != tier.String() {
			t.Fatalf("MarshalText(%v) = %q, %v", tier, b, err)
		}
		var back Tier
		if err := back.UnmarshalText(b); err != nil || back != tier {
			t.Errorf("UnmarshalText(%q) = %v, %v", b, back, err)
		}
	}
	if _, err := Tier(0).MarshalText(); err == nil {
		t.Errorf("MarshalText(0) succeeded; the zero Tier is not a tier")
	}
	if diff := cmp.Diff([]string{"page", "ticket", "log"}, Names()); diff != "" {
		t.Errorf("Names() mismatch (-want +got):\n%s", diff)
	}
}
