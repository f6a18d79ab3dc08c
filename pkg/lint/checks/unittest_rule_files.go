package checks

import (
	"fmt"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// unittestRuleFiles checks the promtool unit-test files that live beside
// the rules they test (generate --tests writes one there), so that linting
// a rules directory checks them instead of calling them no rule file.
var unittestRuleFiles = &lint.Check{
	ID:       "unittest/rule-files",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "A promtool unit-test file whose rule_files match no file, or that has no tests",
		Text: `A promtool unit-test file (rule_files: and tests:) usually sits beside
the rules it tests. promtool resolves each rule_files entry, a path or a
glob, relative to the test file's directory; an entry that matches no
file loads nothing, so every alert test of the file fails or, worse, a
test that expects no alert passes without testing anything. A file
without tests: tests nothing at all. lint checks both when it walks a
directory that holds test files, and skips the rule checks, which do
not apply to test files.`,
		Bad: `# rules/agents.test.yaml
rule_files:
  - agent.rules.yaml   # renamed to agents.rules.yaml
tests:
  - interval: 1m
    input_series: []
`,
		Good: `# rules/agents.test.yaml
rule_files:
  - agents.rules.yaml
tests:
  - interval: 1m
    input_series: []
`,
	},
	File: func(p *lint.Pass, f *lint.File) {
		for _, d := range f.Docs {
			if d.Kind != lint.KindUnitTest || d.Root == nil {
				continue
			}
			if tests := lint.MapGet(d.Root, "tests"); tests == nil || tests.Kind != yaml.SequenceNode || len(tests.Content) == 0 {
				p.Report(diag.Diagnostic{Pos: lint.NodePos(f.Path, d.Root),
					Message: "promtool unit-test file with no tests: it tests nothing",
					Fix:     "add test groups under tests:, or remove the file"})
			}
			rf := lint.MapGet(d.Root, "rule_files")
			if rf == nil {
				continue // expression tests need no rule files
			}
			if rf.Kind != yaml.SequenceNode {
				p.Report(diag.Diagnostic{Pos: lint.NodePos(f.Path, rf),
					Message: "rule_files must be a list of paths or globs",
					Fix:     "write rule_files: [agents.rules.yaml]"})
				continue
			}
			if f.Path == "<stdin>" {
				continue // no directory to resolve against
			}
			dir := filepath.Dir(filepath.FromSlash(f.Path))
			for _, e := range rf.Content {
				if e.Kind != yaml.ScalarNode || e.Value == "" {
					p.Report(diag.Diagnostic{Pos: lint.NodePos(f.Path, e),
						Message: "rule_files entry is not a path", Fix: "give a path or glob relative to this file"})
					continue
				}
				pattern := filepath.FromSlash(e.Value)
				if !filepath.IsAbs(pattern) {
					pattern = filepath.Join(dir, pattern)
				}
				matches, err := filepath.Glob(pattern)
				switch {
				case err != nil:
					p.Report(diag.Diagnostic{Pos: lint.NodePos(f.Path, e),
						Message: fmt.Sprintf("rule_files entry %q is not a valid glob: %v", e.Value, err),
						Fix:     "fix the pattern"})
				case len(matches) == 0:
					p.Report(diag.Diagnostic{Pos: lint.NodePos(f.Path, e),
						Message: fmt.Sprintf("rule_files entry %q matches no file (promtool reads it relative to %s)", e.Value, filepath.ToSlash(dir)),
						Fix:     "point it at the rule file this test loads, relative to the test file"})
				}
			}
		}
	},
}
