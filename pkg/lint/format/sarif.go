package format

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// SARIF is SARIF 2.1.0 as GitHub code scanning accepts it: one run, one
// rules[] entry per check (with its doc page as helpUri), and results with
// repository-relative locations. Columns count Unicode code points, as
// yaml.v3 positions do, and regions use SARIF's exclusive endColumn.
type SARIF struct {
	Version string
}

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	Results    []sarifResult `json:"results"`
	ColumnKind string        `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	HelpURI              string          `json:"helpUri"`
	Help                 *sarifText      `json:"help,omitempty"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           sarifRuleProps  `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	// PartialFingerprints lets code scanning follow a finding when lines
	// move: it is built from what the finding is about, not where.
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

func sarifLevel(s diag.Severity) string {
	switch s {
	case diag.Error:
		return "error"
	case diag.Warning:
		return "warning"
	}
	return "note"
}

// Format implements Formatter.
func (s SARIF) Format(w io.Writer, r *Report) error {
	driver := sarifDriver{Name: "agentalerts", InformationURI: RepoURL, Version: s.Version, Rules: []sarifRule{}}
	index := map[string]int{}
	for _, c := range r.Checks {
		if _, dup := index[c.ID]; dup {
			continue
		}
		index[c.ID] = len(driver.Rules)
		help := checkMarkdown(c, c.Severity)
		helpText := strings.TrimSpace(orDefault(c.Doc.Text, c.Doc.Title)) + "\n\nDocs: " + DocURL(c.ID)
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   c.ID,
			Name:                 ruleName(c.ID),
			ShortDescription:     sarifText{Text: orDefault(c.Doc.Title, c.ID)},
			FullDescription:      sarifText{Text: orDefault(strings.TrimSpace(c.Doc.Text), orDefault(c.Doc.Title, c.ID))},
			HelpURI:              DocURL(c.ID),
			Help:                 &sarifText{Text: helpText, Markdown: help},
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(c.Severity)},
			Properties:           sarifRuleProps{Tags: ruleTags(c.ID)},
		})
	}
	// Findings of checks the caller did not list (e.g. the engine's own
	// I/O findings) still need a rule so ruleIndex stays valid.
	var extra []diag.Diagnostic
	for _, d := range r.Diagnostics {
		if _, ok := index[d.Check]; !ok {
			index[d.Check] = -1
			extra = append(extra, d)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].Check < extra[j].Check })
	for _, d := range extra {
		index[d.Check] = len(driver.Rules)
		id := orDefault(d.Check, "agentalerts")
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   id,
			Name:                 ruleName(id),
			ShortDescription:     sarifText{Text: id},
			FullDescription:      sarifText{Text: id},
			HelpURI:              RepoURL,
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(d.Severity)},
			Properties:           sarifRuleProps{Tags: ruleTags(id)},
		})
	}

	results := make([]sarifResult, 0, len(r.Diagnostics))
	seen := map[string]int{}
	for _, d := range r.Diagnostics {
		uri := fileURI(r.relPath(d.Pos.File))
		msg := d.Message
		if d.Fix != "" {
			msg += "\nFix: " + d.Fix
		}
		results = append(results, sarifResult{
			RuleID:    orDefault(d.Check, "agentalerts"),
			RuleIndex: index[d.Check],
			Level:     sarifLevel(d.Severity),
			Message:   sarifText{Text: msg},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: uri},
				Region:           sarifRegionOf(d),
			}}},
			PartialFingerprints: map[string]string{"agentalertsFinding/v1": fingerprint(seen, d.Check, uri, d.Group, d.Rule, d.Message)},
		})
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results, ColumnKind: "unicodeCodePoints"}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

// fingerprint hashes what a finding is about; the n-th identical finding
// gets its own value so two equal findings in one rule stay two alerts.
func fingerprint(seen map[string]int, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	sum := hex.EncodeToString(h.Sum(nil))[:32]
	seen[sum]++
	return fmt.Sprintf("%s:%d", sum, seen[sum])
}

// sarifRegionOf converts an inclusive diagnostic span to a SARIF region.
// A whole-file finding (line 0) points at line 1: code scanning requires
// a start line.
func sarifRegionOf(d diag.Diagnostic) sarifRegion {
	if d.Pos.Line <= 0 {
		return sarifRegion{StartLine: 1}
	}
	reg := sarifRegion{StartLine: d.Pos.Line}
	if d.Pos.Column <= 0 {
		return reg
	}
	e := end(d)
	reg.StartColumn = d.Pos.Column
	reg.EndLine = e.Line
	reg.EndColumn = max(e.Column, 1) + 1
	if e.Line == d.Pos.Line && e.Column < d.Pos.Column {
		reg.EndColumn = d.Pos.Column + 1
	}
	return reg
}

// fileURI makes a relative URI reference from a slash path, escaping what
// a URI cannot hold (spaces, %, a colon in the first segment).
func fileURI(p string) string {
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// ruleName turns "promql/histogram-quantile" into
// "PromqlHistogramQuantile", the identifier-like name SARIF viewers show.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '/' || r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func ruleTags(id string) []string {
	tags := []string{"agentalerts"}
	if area, _, ok := strings.Cut(id, "/"); ok {
		tags = append(tags, area)
	}
	return tags
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
