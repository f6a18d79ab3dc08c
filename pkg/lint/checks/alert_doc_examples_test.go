package checks

import (
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// docConfigs turn on the checks that report nothing by default, the way
// their examples' header comments describe.
var docConfigs = map[string]func(*lint.Config){
	"labels/required":         func(c *lint.Config) { c.RequiredLabels = []string{"team"} },
	"alert/unrouted-severity": func(c *lint.Config) { c.RoutedSeverities = []string{"page", "ticket"} },
}

// TestDocExamples holds each check's documentation to the truth: its Bad
// example must draw a finding from the check and its Good example none,
// so `agentalerts explain` and docs/checks never show an example the
// check disagrees with.
func TestDocExamples(t *testing.T) {
	var cs []*lint.Check
	cs = append(cs, wrongResults...)
	cs = append(cs, notActionable...)
	cs = append(cs, labelsRequired, alertUnroutedSeverity)
	for _, c := range cs {
		t.Run(c.ID, func(t *testing.T) {
			cfg := lint.DefaultConfig()
			if f := docConfigs[c.ID]; f != nil {
				f(cfg)
			}
			if got := docFindings(t, c, cfg, c.Doc.Bad); len(got) == 0 {
				t.Errorf("Bad example draws no finding:\n%s", c.Doc.Bad)
			}
			if got := docFindings(t, c, cfg, c.Doc.Good); len(got) > 0 {
				t.Errorf("Good example draws findings:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

// docFindings runs check c alone over an example and returns its
// findings; the example must be a valid rule file.
func docFindings(t *testing.T, c *lint.Check, cfg *lint.Config, src string) []string {
	t.Helper()
	f, ds := lint.ReadFile("example.yaml", []byte(src))
	for _, d := range ds {
		if d.Severity == diag.Error {
			t.Fatalf("example does not load: %s\n%s", d, src)
		}
	}
	var got []string
	pass := lint.NewPass(c, cfg, f, func(d diag.Diagnostic) { got = append(got, d.String()) })
	for _, d := range f.Docs {
		for _, g := range d.Groups {
			for _, r := range g.Rules {
				if c.Rule != nil {
					c.Rule(pass, r)
				}
			}
		}
	}
	if c.File != nil {
		c.File(pass, f)
	}
	runCrossFile(c, cfg, []*lint.File{f}, func(d diag.Diagnostic) { got = append(got, d.String()) })
	return got
}
