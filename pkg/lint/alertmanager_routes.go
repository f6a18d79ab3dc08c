package lint

import (
	"fmt"
	"regexp/syntax"
	"sort"

	amconfig "github.com/prometheus/alertmanager/config"
	amlabels "github.com/prometheus/alertmanager/pkg/labels"

	"github.com/agentalerts/agentalerts/internal/limits"
)

// RouteAll in the result of RoutedSeverities means some route handles
// every value of the label, so no severity can be unrouted.
const RouteAll = "all"

// RoutedSeverities loads an Alertmanager configuration and returns the
// values of label that its routes below the root match (sorted, unique),
// for the alert/unrouted-severity check. Everything reaches the root
// route, so only child routes say which values are handled deliberately.
//
// The result is RouteAll alone when the values cannot be listed: the root
// has no child routes (its receiver takes everything), a child route has
// no matchers at all, or a route matches label with a negative matcher or
// a regexp that is not a plain alternation of literals (page|ticket).
// Routes that match only other labels contribute nothing.
func RoutedSeverities(amConfigPath, label string) ([]string, error) {
	// Read through the bounded path rather than amconfig.LoadFile: the
	// file named in a committed config is as untrusted as the rules.
	// Only the routes are used, so the file paths LoadFile would resolve
	// do not matter.
	src, err := limits.ReadFile(amConfigPath, limits.DefaultMaxFileSize)
	if err != nil {
		return nil, err
	}
	cfg, err := amconfig.Load(string(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", amConfigPath, err)
	}
	if cfg.Route == nil || len(cfg.Route.Routes) == 0 {
		return []string{RouteAll}, nil
	}
	seen := map[string]bool{}
	all := false
	var visit func(rs []*amconfig.Route)
	visit = func(rs []*amconfig.Route) {
		for _, r := range rs {
			ms := r.AllMatchers()
			if len(ms) == 0 {
				all = true
			}
			for _, m := range ms {
				if m.Name != label {
					continue
				}
				vals, ok := matcherValues(m)
				if !ok {
					all = true
				}
				for _, v := range vals {
					seen[v] = true
				}
			}
			visit(r.Routes)
		}
	}
	visit(cfg.Route.Routes)
	if all {
		return []string{RouteAll}, nil
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out, nil
}

// matcherValues lists the values a matcher accepts, or false when they
// are not a small finite set.
func matcherValues(m *amlabels.Matcher) ([]string, bool) {
	switch m.Type {
	case amlabels.MatchEqual:
		return []string{m.Value}, true
	case amlabels.MatchRegexp:
		re, err := syntax.Parse(m.Value, syntax.Perl)
		if err != nil {
			return nil, false
		}
		return literals(re.Simplify())
	}
	return nil, false
}

// literals returns the strings a regexp made only of literals and
// alternations (and groups of them) matches.
func literals(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpEmptyMatch, syntax.OpBeginText, syntax.OpEndText, syntax.OpBeginLine, syntax.OpEndLine:
		// Alertmanager anchors every regexp, so anchors add nothing.
		return []string{""}, true
	case syntax.OpQuest:
		vs, ok := literals(re.Sub[0])
		return append(vs, ""), ok
	case syntax.OpCapture:
		return literals(re.Sub[0])
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			vs, ok := literals(s)
			if !ok {
				return nil, false
			}
			out = append(out, vs...)
		}
		return out, true
	case syntax.OpConcat:
		// Simplify factors common prefixes: page|pager → pag(?:e|er).
		out := []string{""}
		for _, s := range re.Sub {
			vs, ok := literals(s)
			if !ok {
				return nil, false
			}
			var next []string
			for _, a := range out {
				for _, b := range vs {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out, true
	case syntax.OpCharClass:
		// A small class from prefix factoring, e.g. p[12].
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i+1]-re.Rune[i] > 16 {
				return nil, false
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				out = append(out, string(r))
			}
		}
		return out, len(out) <= 32
	}
	return nil, false
}
