package format

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestSARIFStructure checks the fields SARIF 2.1.0 and GitHub code
// scanning require, on the shared input: a file code scanning rejects
// fails the upload, so this must hold for every report.
func TestSARIFStructure(t *testing.T) {
	var buf bytes.Buffer
	if err := (SARIF{Version: "v1"}).Format(&buf, sharedReport(t)); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name           string `json:"name"`
					InformationURI string `json:"informationUri"`
					Rules          []struct {
						ID               string `json:"id"`
						ShortDescription struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
						FullDescription struct {
							Text string `json:"text"`
						} `json:"fullDescription"`
						HelpURI              string `json:"helpUri"`
						DefaultConfiguration struct {
							Level string `json:"level"`
						} `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
							EndLine     int `json:"endLine"`
							EndColumn   int `json:"endColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	dec := json.NewDecoder(&buf)
	if err := dec.Decode(&log); err != nil {
		t.Fatal(err)
	}
	levels := map[string]bool{"none": true, "note": true, "warning": true, "error": true}
	if log.Schema == "" || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("$schema %q, version %q, %d runs: want a schema, 2.1.0 and one run", log.Schema, log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name == "" || !absURL(d.InformationURI) {
		t.Errorf("driver name %q informationUri %q: want both, the URI absolute", d.Name, d.InformationURI)
	}
	seen := map[string]bool{}
	for i, r := range d.Rules {
		if r.ID == "" || seen[r.ID] {
			t.Errorf("rules[%d]: empty or duplicate id %q", i, r.ID)
		}
		seen[r.ID] = true
		if r.ShortDescription.Text == "" || r.FullDescription.Text == "" {
			t.Errorf("rules[%d] %s: missing short or full description", i, r.ID)
		}
		if !absURL(r.HelpURI) {
			t.Errorf("rules[%d] %s: helpUri %q is not absolute", i, r.ID, r.HelpURI)
		}
		if !levels[r.DefaultConfiguration.Level] {
			t.Errorf("rules[%d] %s: level %q", i, r.ID, r.DefaultConfiguration.Level)
		}
	}
	// Every check listed in the report has a rule that links to its page.
	for _, c := range sharedReport(t).Checks {
		found := false
		for _, r := range d.Rules {
			if r.ID == c.ID {
				found = true
				if !strings.HasSuffix(r.HelpURI, "/docs/checks/"+c.ID+".md") {
					t.Errorf("rule %s helpUri %q does not lead to its doc page", c.ID, r.HelpURI)
				}
			}
		}
		if !found {
			t.Errorf("check %s has no rules[] entry", c.ID)
		}
	}
	if len(run.Results) != len(sharedReport(t).Diagnostics) {
		t.Fatalf("%d results, want one per diagnostic (%d)", len(run.Results), len(sharedReport(t).Diagnostics))
	}
	fingerprints := map[string]bool{}
	for i, res := range run.Results {
		fp := res.PartialFingerprints["agentalertsFinding/v1"]
		if fp == "" || fingerprints[fp] {
			t.Errorf("results[%d]: fingerprint %q empty or repeated", i, fp)
		}
		fingerprints[fp] = true
		if res.RuleIndex == nil || *res.RuleIndex < 0 || *res.RuleIndex >= len(d.Rules) || d.Rules[*res.RuleIndex].ID != res.RuleID {
			t.Errorf("results[%d]: ruleIndex %v does not point at rule %q", i, res.RuleIndex, res.RuleID)
		}
		if !levels[res.Level] || res.Message.Text == "" || len(res.Locations) != 1 {
			t.Errorf("results[%d]: level %q, message %q, %d locations", i, res.Level, res.Message.Text, len(res.Locations))
			continue
		}
		pl := res.Locations[0].PhysicalLocation
		u, err := url.Parse(pl.ArtifactLocation.URI)
		if err != nil || u.IsAbs() || strings.Contains(pl.ArtifactLocation.URI, `\`) || strings.HasPrefix(u.Path, "/") {
			t.Errorf("results[%d]: uri %q is not a relative slash path (%v)", i, pl.ArtifactLocation.URI, err)
		}
		reg := pl.Region
		if reg.StartLine < 1 {
			t.Errorf("results[%d]: startLine %d < 1", i, reg.StartLine)
		}
		if reg.EndLine != 0 && (reg.EndLine < reg.StartLine || reg.EndLine == reg.StartLine && reg.EndColumn <= reg.StartColumn) {
			t.Errorf("results[%d]: empty or inverted region %+v", i, reg)
		}
	}
}

func absURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs() && u.Host != ""
}
