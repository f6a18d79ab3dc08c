package checks

import (
	"fmt"
	"hash/fnv"
	pathpkg "path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var alertDuplicate = &lint.Check{
	ID:       "alert/duplicate",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "The same alert defined twice",
		Text: `Two alerting rules with the same name and the same static labels produce
alerts that Alertmanager cannot tell apart: with different expressions,
the alert fires, resolves and fires again as each rule sees its own
series, and a silence or an inhibition for one hits both. An identical
copy doubles the evaluation cost and drifts apart with the next edit.

The check compares rules that one Prometheus server would load together:
rules of the same file, of files in the same directory, and of files that
lint.servers in .agentalerts.yaml puts under one server name (a list of
path globs per server, relative to the config file, a directory standing
for everything under it). A staging copy in staging/ and a production copy
in production/ are not duplicates; with servers: {prod: [rules/common,
rules/production]} a copy in each of those is. Rules in the second and
later YAML documents of a plain rule file are left out, as Prometheus
never loads them (schema/multi-document reports those documents).

A warning is only for an identical copy known to be loaded with the
first: in the same file, or under one server of lint.servers. A copy in
another file of the same directory, and the same alert over a different
expression (the mixins' idiom for one alert with several conditions),
are reported at info. The same name with
different labels (a page and a ticket tier, one rule per service) is
distinct alerts and is not reported: agentalerts generate produces
exactly that. Nor are rules whose expressions provably return series
with different label names (sum by (statefulset) and sum by
(deployment)): they raise different alerts too.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentSystemDown
        expr: up{job="agent"} == 0
        for: 1m
        labels:
          severity: page
      - alert: AgentSystemDown
        expr: up{job="agent-service"} == 0
        for: 5m
        labels:
          severity: page
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentSystemDown
        expr: up{job="agent"} == 0
        for: 1m
        labels:
          severity: page
      - alert: AgentSystemDown
        expr: up{job="agent"} == 0
        for: 10m
        labels:
          severity: ticket
`,
	},
	Collect: collectDuplicateAlerts,
	Reduce:  reduceDuplicateAlerts,
}

// alertIdentity is what makes two alerting rules the same alert: the name
// and the static labels (group labels overridden by rule labels).
func alertIdentity(r *lint.Rule) string {
	m := map[string]string{}
	if r.Group != nil {
		for _, kv := range r.Group.Labels {
			m[kv.Key.Value] = kv.Value.Value
		}
	}
	for _, kv := range r.Labels {
		m[kv.Key.Value] = kv.Value.Value
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(r.Alert.Value)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(m[k])
	}
	return b.String()
}

// normalizedExpr compares expressions by meaning, not layout.
func normalizedExpr(r *lint.Rule) string {
	if ast(r) != nil {
		return ast(r).String()
	}
	return strings.Join(strings.Fields(r.Expr.Value.Value), " ")
}

// dupFile is what alert/duplicate remembers of one file once its model
// is freed: its path and, per alerting rule, a fixed-size record. On a
// monorepo that is tens of thousands of records kept until the end, so
// they hold hashes and line numbers, not copies of the text.
type dupFile struct {
	path   string
	scopes []string // the directory and the configured servers that load the file
	alerts []dupAlert
}

// dupAlert is one alerting rule of a dupFile.
type dupAlert struct {
	identity    [16]byte // 128-bit hash of alertIdentity
	expr        [16]byte // 128-bit hash of normalizedExpr: equal meaning, equal hash
	labels      uint64   // hash of the exact output label names, when exact
	exact       bool     // the output label names are known exactly
	name, group string   // for the message; yaml.v3 allocates each scalar apart, so these pin nothing else
	pos, exprAt linePos  // the name and the expression
}

// linePos is a diag.Pos without its file, which dupFile holds once.
type linePos struct{ line, col int32 }

func (l linePos) in(file string) diag.Pos {
	return diag.Pos{File: file, Line: int(l.line), Column: int(l.col)}
}

func toLinePos(p diag.Pos) linePos { return linePos{int32(p.Line), int32(p.Column)} }

// collectDuplicateAlerts runs in the parallel phase and keeps the facts
// of each alerting rule of f, so the engine can free the model at once.
func collectDuplicateAlerts(p *lint.Pass, f *lint.File) any {
	var out []dupAlert
	h := fnv.New128a()
	for _, d := range f.Docs {
		if d.Index > 0 && d.Kind == lint.KindRuleFile {
			continue // Prometheus reads only the first document of a rule file
		}
		for _, g := range d.Groups {
			for _, r := range g.Rules {
				if !r.IsAlert() {
					continue
				}
				a := dupAlert{
					name:   r.Alert.Value,
					group:  g.Name.Value,
					pos:    toLinePos(rulePos(r)),
					exprAt: toLinePos(lint.NodePos(f.Path, r.Expr.Node)),
				}
				h.Reset()
				h.Write([]byte(alertIdentity(r)))
				h.Sum(a.identity[:0])
				h.Reset()
				h.Write([]byte(normalizedExpr(r)))
				h.Sum(a.expr[:0])
				if e := ast(r); e != nil {
					if ls := outputLabels(e); ls.exact {
						l := fnv.New64a()
						l.Write([]byte(strings.Join(ls.known(), "\x00")))
						a.exact, a.labels = true, l.Sum64()
					}
				}
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &dupFile{path: f.Path, scopes: loadScopes(p.Config, f.Path), alerts: out}
}

// loadScopes names the sets of files one server loads together that
// contain path: its directory, and each server of lint.servers with a
// glob that matches it.
func loadScopes(cfg *lint.Config, path string) []string {
	scopes := []string{"dir\x00" + pathpkg.Dir(path)}
	if len(cfg.Servers) == 0 {
		return scopes
	}
	rel := path
	if cfg.File != "" {
		if r, err := filepath.Rel(filepath.Dir(filepath.FromSlash(cfg.File)), filepath.FromSlash(path)); err == nil {
			rel = filepath.ToSlash(r)
		}
	}
	names := make([]string, 0, len(cfg.Servers))
	for name := range cfg.Servers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, g := range cfg.Servers[name] {
			if globMatches(g, rel) || globMatches(g, path) {
				scopes = append(scopes, "server\x00"+name)
				break
			}
		}
	}
	return scopes
}

// globMatches reports whether glob matches path or is a directory above it.
func globMatches(glob, path string) bool {
	glob = strings.TrimPrefix(strings.TrimSuffix(glob, "/"), "./")
	path = strings.TrimPrefix(path, "./")
	if ok, _ := pathpkg.Match(glob, path); ok {
		return true
	}
	for dir := pathpkg.Dir(path); dir != "." && dir != "/" && dir != ""; dir = pathpkg.Dir(dir) {
		if ok, _ := pathpkg.Match(glob, dir); ok {
			return true
		}
	}
	return false
}

// reduceDuplicateAlerts finds, with one map over every alert in file
// order, each alert that repeats an earlier one's identity.
func reduceDuplicateAlerts(p *lint.Pass, facts []any) {
	type seen struct {
		file *dupFile
		a    *dupAlert
	}
	type key struct {
		scope    string
		identity [16]byte
	}
	first := map[key]seen{}
	for _, fact := range facts {
		df := fact.(*dupFile)
		for i := range df.alerts {
			a := &df.alerts[i]
			var prev seen
			found, known := false, false
			for _, sc := range df.scopes {
				k := key{sc, a.identity}
				if pr, ok := first[k]; ok && !distinctSeries(pr.a, a) {
					// Known to be loaded together: one file, or one
					// server of lint.servers; a shared directory is a guess.
					sure := pr.file == df || strings.HasPrefix(sc, "server\x00")
					if !found || (sure && !known) {
						prev, found, known = pr, true, sure
					}
				} else if !ok {
					first[k] = seen{df, a}
				}
			}
			if !found {
				continue
			}
			where := prev.a.pos.in(prev.file.path)
			if prev.a.expr == a.expr {
				p.Report(diag.Diagnostic{
					Pos: a.pos.in(df.path), Rule: a.name, Group: a.group,
					Severity: dupSeverity(p, known),
					Message:  fmt.Sprintf("alert %s is an identical copy of the one at %s", a.name, where),
					Fix:      "delete one of the copies",
				})
				continue
			}
			// The same name and labels over different expressions is, in
			// the mixins, a deliberate alert with several conditions
			// (compactor not run / runs failing): style unless configured.
			p.Report(diag.Diagnostic{
				Severity: dupSeverity(p, false),
				Pos:      a.exprAt.in(df.path), Rule: a.name, Group: a.group,
				Message: fmt.Sprintf("alert %s is also defined at %s with the same labels but a different expression: unless their series differ in labels, both raise the same alert", a.name, where),
				Fix:     "give one a distinguishing label (e.g. severity) or a different name, or merge the expressions",
			})
		}
	}
}

// dupSeverity is the check's severity for a copy known to be loaded
// together with the first one, and info for a guess (another file of the
// same directory) or a variant with another expression, unless the team
// set the check's severity.
func dupSeverity(p *lint.Pass, sure bool) diag.Severity {
	if sev, ok := p.ConfiguredSeverity(); ok {
		return sev
	}
	if sure {
		return 0 // the check's
	}
	return diag.Info
}

// rulePos is where a rule's name is written, for messages that point at
// another rule.
func rulePos(r *lint.Rule) diag.Pos {
	file := ""
	if r.Group != nil && r.Group.Doc != nil && r.Group.Doc.File != nil {
		file = r.Group.Doc.File.Path
	}
	n := r.Node
	if r.Alert.Key != nil {
		n = r.Alert.Key
	}
	return lint.NodePos(file, n)
}

// distinctSeries reports whether two alerts' expressions provably return
// series with different label names (sum by (statefulset) and sum by
// (deployment)): their alerts then differ in labels even with the same
// name and static labels, a pattern mixins use to cover several kinds of
// object under one alert name.
func distinctSeries(a, b *dupAlert) bool {
	return a.exact && b.exact && a.labels != b.labels
}
