package checks

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/agentalerts/agentalerts/internal/textdist"
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

var unknownRecord = &lint.Check{
	ID:       "promql/unknown-record",
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "A selector one letter away from a recording rule, which no rule records",
		Text: `A rule that reads a recording rule's series by a misspelt name
(wlatencypa for wlatencya) selects nothing: Prometheus accepts the
name, the alert never fires and the recording rule records nothing, and
no error is ever logged.

The check collects the names every linted file records and reports a
selector whose name no rule records but which is one letter away from a
recorded name: one letter added, dropped, changed, or two neighbours
swapped. A difference in a digit (rate5m, rate1m) is a different window,
not a typo, and is never reported; nor is a name of fewer than four
letters. A name that an exporter provides cannot be told from a typo
when a recording rule is named one letter away from it, so lint all the
rule files one Prometheus loads together.`,
		Bad: `groups:
  - name: agent
    rules:
      - record: job:agent_latency:avg
        expr: sum by (job) (rate(agent_latency_seconds_sum[5m])) / sum by (job) (rate(agent_latency_seconds_count[5m]))
      - alert: AgentSlow
        expr: job:agent_latncy:avg > 2
        for: 10m
`,
		Good: `groups:
  - name: agent
    rules:
      - record: job:agent_latency:avg
        expr: sum by (job) (rate(agent_latency_seconds_sum[5m])) / sum by (job) (rate(agent_latency_seconds_count[5m]))
      - alert: AgentSlow
        expr: job:agent_latency:avg > 2
        for: 10m
`,
	},
	Collect: collectRecordNames,
	Reduce:  reduceUnknownRecords,
}

// recordFacts is what unknown-record keeps of a file: the names it
// records, and each name it reads that it does not record itself, with
// every place it is read. Kept small: the facts of every file live until
// the end of the run.
type recordFacts struct {
	path     string
	recorded []string
	names    []string
	uses     [][]recordUse // uses[i] are the places names[i] is read
}

type recordUse struct {
	rule, group                string
	line, col, endLine, endCol int32
}

func collectRecordNames(p *lint.Pass, f *lint.File) any {
	facts := &recordFacts{path: f.Path}
	index := map[string]int{}
	forEachRule(f, func(r *lint.Rule) {
		if r.Record.Value != "" {
			facts.recorded = append(facts.recorded, r.Record.Value)
		}
		if ast(r) == nil {
			return
		}
		group := ""
		if r.Group != nil {
			group = r.Group.Name.Value
		}
		walk(ast(r), func(n parser.Node, _ []parser.Node) bool {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return true
			}
			name := selectorName(vs)
			if len(name) < 4 {
				return true
			}
			start, end := nodeRange(vs)
			pos := r.Expr.PosAt(f.Path, start)
			u := recordUse{rule: r.Name(), group: group, line: int32(pos.Line), col: int32(pos.Column)}
			if end > start+1 {
				e := r.Expr.PosAt(f.Path, end-1)
				u.endLine, u.endCol = int32(e.Line), int32(e.Column)
			}
			i, ok := index[name]
			if !ok {
				i = len(facts.names)
				index[name] = i
				// A clone: the name shares its bytes with the whole
				// expression, which must not outlive the file.
				facts.names = append(facts.names, strings.Clone(name))
				facts.uses = append(facts.uses, nil)
			}
			facts.uses[i] = append(facts.uses[i], u)
			return true
		})
	})
	// A name the file records is recorded: its uses need no look-up.
	for _, n := range facts.recorded {
		if i, ok := index[n]; ok {
			facts.uses[i] = nil
		}
	}
	if len(facts.recorded) == 0 && len(facts.names) == 0 {
		return nil
	}
	return facts
}

// reduceUnknownRecords finds, for every name read but recorded by no rule,
// a recorded name one letter away. It indexes the unknown names (each
// once, however many rules read it) under their hashed one-rune
// deletions, then streams the recorded names past that index: two names
// one edit apart always share a key. Memory follows the distinct unknown
// names, not the recorded ones, which a repository of generated recording
// rules has by the ten thousand.
func reduceUnknownRecords(p *lint.Pass, facts []any) {
	recorded := map[string]bool{}
	var order []string
	for _, fact := range facts {
		for _, n := range fact.(*recordFacts).recorded {
			if !recorded[n] {
				recorded[n] = true
				order = append(order, n)
			}
		}
	}
	if len(recorded) == 0 {
		return
	}
	near := map[uint64][]string{}
	want := map[string]string{}
	var keys []uint64
	for _, fact := range facts {
		rf := fact.(*recordFacts)
		for i, name := range rf.names {
			if len(rf.uses[i]) == 0 || recorded[name] {
				continue
			}
			if _, seen := want[name]; seen {
				continue
			}
			want[name] = ""
			keys = deletionKeys(name, keys[:0])
			for _, k := range keys {
				near[k] = append(near[k], name)
			}
		}
	}
	for _, rn := range order {
		keys = deletionKeys(rn, keys[:0])
		for _, k := range keys {
			for _, u := range near[k] {
				if want[u] == "" && textdist.OneLetterApart(u, rn) {
					want[u] = rn
				}
			}
		}
	}
	for _, fact := range facts {
		rf := fact.(*recordFacts)
		for i, name := range rf.names {
			if want[name] == "" {
				continue
			}
			for _, u := range rf.uses[i] {
				d := diag.Diagnostic{
					Pos: diag.Pos{File: rf.path, Line: int(u.line), Column: int(u.col)}, Rule: u.rule, Group: u.group,
					Message: fmt.Sprintf("%s is recorded by no rule, but %s is: a misspelt name selects nothing, so the rule never has a result", name, want[name]),
					Fix:     fmt.Sprintf("read %s", want[name]),
				}
				if u.endLine > 0 {
					d.End = diag.Pos{File: rf.path, Line: int(u.endLine), Column: int(u.endCol)}
				}
				p.Report(d)
			}
		}
	}
}

// deletionKeys appends to keys the hash of s and of every string made by
// deleting one rune of s. Two names one edit apart always share a key;
// the hashes (polynomial, modulo 2^64) are computed from prefix sums
// without building the strings, and a shared key is only a candidate:
// oneLetterApart decides.
func deletionKeys(s string, keys []uint64) []uint64 {
	const base = 1099511628211
	rs := []rune(s)
	n := len(rs)
	// pre[i] is the hash of rs[:i], pow[i] is base^i.
	pre := make([]uint64, n+1)
	pow := make([]uint64, n+1)
	pow[0] = 1
	for i, r := range rs {
		pre[i+1] = pre[i]*base + uint64(r)
		pow[i+1] = pow[i] * base
	}
	keys = append(keys, pre[n])
	for i := 0; i < n; i++ {
		// rs[:i] followed by rs[i+1:]: the suffix's hash is
		// pre[n] - pre[i+1]*base^(n-i-1).
		suffix := pre[n] - pre[i+1]*pow[n-i-1]
		keys = append(keys, pre[i]*pow[n-i-1]+suffix)
	}
	return keys
}
