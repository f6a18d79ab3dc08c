// Command precision prints how loud lint is on the maintained public rule
// sets of ../shared/corpus/valid, each linted on its own with no config as
// a new user would: warning-or-error findings per 100 rules per source
// and per check, and each check's precision against the judged findings
// of testdata/lint/precision/labels.tsv. It is `make precision`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"

	"github.com/agentalerts/agentalerts/internal/precision"
)

func main() {
	corpus := flag.String("corpus", filepath.Join("..", "shared", "corpus", "valid"), "the corpus's valid/ directory")
	labels := flag.String("labels", filepath.Join("testdata", "lint", "precision", "labels.tsv"), "judged findings")
	flag.Parse()
	if err := run(*corpus, *labels); err != nil {
		fmt.Fprintln(os.Stderr, "precision:", err)
		os.Exit(2)
	}
}

func run(corpus, labelsPath string) error {
	for _, s := range precision.Sources {
		if _, err := os.Stat(filepath.Join(corpus, s)); err != nil {
			fmt.Printf("skipped: corpus source %s not found (%v)\n", s, err)
			return nil
		}
	}
	labels, err := precision.LoadLabels(labelsPath)
	if err != nil {
		return err
	}
	runs, err := precision.Lint(corpus, precision.Sources)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "source\trules\twarnings+errors\tper 100 rules\tinfos\t")
	rules, loud := 0, 0
	for _, r := range runs {
		l, i := 0, 0
		for _, f := range r.Findings {
			if f.Loud() {
				l++
			} else {
				i++
			}
		}
		rules += r.Rules
		loud += l
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%d\t\n", r.Source, r.Rules, l, per100(l, r.Rules), i)
	}
	fmt.Fprintf(tw, "all\t%d\t%d\t%.1f\t\t\n", rules, loud, per100(loud, rules))
	tw.Flush()
	fmt.Println()

	// Per source and check, then the judged precision per check.
	tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "check\tsource\twarnings+errors\tper 100 rules")
	for _, r := range runs {
		by := map[string]int{}
		for _, f := range r.Findings {
			if f.Loud() {
				by[f.Key.Check]++
			}
		}
		ids := make([]string, 0, len(by))
		for id := range by {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\n", id, r.Source, by[id], per100(by[id], r.Rules))
		}
	}
	tw.Flush()
	fmt.Println()
	tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "check\twarnings+errors\tjudged\ttrue\tdebatable\tfalse\tprecision")
	for _, s := range precision.Stats(runs, labels) {
		p := "-"
		if s.Judged() > 0 {
			p = fmt.Sprintf("%.0f %%", 100*float64(s.True)/float64(s.Judged()))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\n", s.Check, s.Loud, s.Judged(), s.True, s.Debatable, s.False, p)
	}
	tw.Flush()
	verdicts := map[string]int{}
	for _, l := range labels {
		verdicts[l.Verdict]++
	}
	fmt.Printf("\n%d judged findings in %s: %d true, %d debatable, %d false\n",
		len(labels), labelsPath, verdicts[precision.True], verdicts[precision.Debatable], verdicts[precision.False])
	return nil
}

func per100(n, rules int) float64 {
	if rules == 0 {
		return 0
	}
	return 100 * float64(n) / float64(rules)
}
