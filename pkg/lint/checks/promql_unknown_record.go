package checks

import (
	"fmt"
	"unicode"

	"github.com/prometheus/prometheus/promql/parser"

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
// records and every selector name it reads, with where.
type recordFacts struct {
	recorded []string
	uses     []recordUse
}

type recordUse struct {
	name        string
	rule, group string
	pos, end    diag.Pos
}

func collectRecordNames(p *lint.Pass, f *lint.File) any {
	facts := &recordFacts{}
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
			u := recordUse{name: name, rule: r.Name(), group: group, pos: r.Expr.PosAt(f.Path, start)}
			if end > start+1 {
				u.end = r.Expr.PosAt(f.Path, end-1)
			}
			facts.uses = append(facts.uses, u)
			return true
		})
	})
	if len(facts.recorded) == 0 && len(facts.uses) == 0 {
		return nil
	}
	return facts
}

// reduceUnknownRecords indexes every recorded name under itself and under
// each of its one-letter deletions: two names one edit apart always share
// a key, so each selector is compared with a handful of names at most.
func reduceUnknownRecords(p *lint.Pass, facts []any) {
	recorded := map[string]bool{}
	near := map[uint64][]string{}
	var keys []uint64
	for _, fact := range facts {
		for _, n := range fact.(*recordFacts).recorded {
			if recorded[n] {
				continue
			}
			recorded[n] = true
			keys = deletionKeys(n, keys[:0])
			for _, k := range keys {
				near[k] = append(near[k], n)
			}
		}
	}
	if len(recorded) == 0 {
		return
	}
	// Selectors repeat (the same name in many rules and files): look each
	// name up once.
	nearest := map[string]string{}
	for _, fact := range facts {
		for _, u := range fact.(*recordFacts).uses {
			if recorded[u.name] {
				continue
			}
			want, seen := nearest[u.name]
			if !seen {
				want = nearestRecorded(u.name, near)
				nearest[u.name] = want
			}
			if want == "" {
				continue
			}
			p.Report(diag.Diagnostic{
				Pos: u.pos, End: u.end, Rule: u.rule, Group: u.group,
				Message: fmt.Sprintf("%s is recorded by no rule, but %s is: a misspelt name selects nothing, so the rule never has a result", u.name, want),
				Fix:     fmt.Sprintf("read %s", want),
			})
		}
	}
}

// nearestRecorded is the recorded name one letter from name, or "".
func nearestRecorded(name string, near map[uint64][]string) string {
	for _, k := range deletionKeys(name, nil) {
		for _, n := range near[k] {
			if oneLetterApart(name, n) {
				return n
			}
		}
	}
	return ""
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

// oneLetterApart reports whether a and b differ by one added, dropped or
// changed letter, or by two neighbouring letters swapped, where no rune
// that differs is a digit (rate1m and rate5m are two windows). Not
// textdist.Levenshtein: it counts a swap as two edits and cannot leave
// digits out.
func oneLetterApart(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) > len(y) {
		x, y = y, x
	}
	i := 0
	for i < len(x) && x[i] == y[i] {
		i++
	}
	if i == len(y) {
		return false // equal
	}
	letter := func(r rune) bool { return !unicode.IsDigit(r) }
	switch len(y) - len(x) {
	case 1: // y has one more rune, at i
		return string(x[i:]) == string(y[i+1:]) && letter(y[i])
	case 0:
		if string(x[i+1:]) == string(y[i+1:]) {
			return letter(x[i]) && letter(y[i])
		}
		return i+1 < len(x) && x[i] == y[i+1] && x[i+1] == y[i] && string(x[i+2:]) == string(y[i+2:]) &&
			letter(x[i]) && letter(x[i+1])
	}
	return false
}
