package lint

import (
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// ruleFileName is what `agentalerts lint` with no PATH takes for a rule
// file: YAML under a rules/ or alerts/ directory, or named like one. It is
// the pattern of the agentalerts-lint pre-commit hook (.pre-commit-hooks.yaml
// and TestDiscoverMatchesHook keep them equal), so a repository laid out
// for one is laid out for the other, and the other YAML of a repository
// (CI workflows, Helm values, the spec, this tool's config) is left alone.
var ruleFileName = regexp.MustCompile(RuleFileNamePattern)

// RuleFileNamePattern is ruleFileName's source, for the test that keeps the
// pre-commit hook's files: pattern equal to it.
const RuleFileNamePattern = `(^|/)(rules|alerts)/.*\.ya?ml$|(^|/|[._-])(rules|alerts|prometheusrules?)\.ya?ml$`

// Discover lists the files under root whose slash-separated path relative
// to root matches ruleFileName, skipping hidden directories as lint's walk
// does, sorted. Unreadable directories are skipped: lint of the files
// found reports its own read errors.
func Discover(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && path != root {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if ruleFileName.MatchString(filepath.ToSlash(rel)) {
			out = append(out, path)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
