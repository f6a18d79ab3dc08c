// Command mutants runs the mutation tester of internal/mutants on specs
// and prints, per spec and runner, how many mutants of the generated
// rules the generated tests catch, and the survivors. `make mutants` runs
// it on the built-in example and on testdata/mutants/*.spec.yaml.
//
//	go run ./internal/mutants/cmd/mutants [-runners agentalerts,promtool] [-min 0.95] [-fail-fast=false] [SPEC|example ...]
//
// Exit status: 0, 1 when a score is under -min, 2 on bad usage or input.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/agentalerts/agentalerts/internal/limits"
	"github.com/agentalerts/agentalerts/internal/mutants"
	"github.com/agentalerts/agentalerts/pkg/rules"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutants", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runners := fs.String("runners", "agentalerts,promtool", "comma-separated runners: agentalerts (in-process), promtool")
	promtool := fs.String("promtool", "promtool", "promtool to run")
	par := fs.Int("parallel", 2, "mutants run at once per runner")
	minScore := fs.Float64("min", 0, "exit 1 when a spec scores under this share killed (0..1)")
	ops := fs.String("ops", "", "comma-separated mutant kinds to run (default all)")
	quiet := fs.Bool("q", false, "print the table only, no survivors")
	failFast := fs.Bool("fail-fast", true, "in-process runner: stop a mutant's test file at its first failed group (same score, less time)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var rs []mutants.Runner
	for _, name := range strings.Split(*runners, ",") {
		switch strings.TrimSpace(name) {
		case "agentalerts":
			rs = append(rs, mutants.InProcess(*failFast))
		case "promtool":
			p, err := exec.LookPath(*promtool)
			if err != nil {
				fmt.Fprintf(stderr, "mutants: %v\n", err)
				return 2
			}
			rs = append(rs, mutants.Promtool(p))
		default:
			fmt.Fprintf(stderr, "mutants: unknown runner %q (want agentalerts or promtool)\n", name)
			return 2
		}
	}
	specs := fs.Args()
	if len(specs) == 0 {
		more, _ := filepath.Glob("testdata/mutants/*.spec.yaml")
		sort.Strings(more)
		specs = append([]string{"example"}, more...)
	}
	opts := mutants.Options{Runners: rs, Parallel: *par}
	if *ops != "" {
		opts.Ops = strings.Split(*ops, ",")
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "SPEC\tMUTANTS")
	for _, r := range rs {
		fmt.Fprintf(tw, "\t%s", r.Name)
	}
	fmt.Fprintln(tw)
	var survivors strings.Builder
	status := 0
	for _, s := range specs {
		path, src := rules.ExamplePath, rules.ExampleSpec()
		name := "example"
		if s != "example" {
			b, err := limits.ReadFile(s, 1<<20)
			if err != nil {
				fmt.Fprintf(stderr, "mutants: %v\n", err)
				return 2
			}
			path, src, name = s, b, strings.TrimSuffix(filepath.Base(s), ".spec.yaml")
		}
		rep, err := mutants.Run(context.Background(), path, src, opts)
		if err != nil {
			// One spec the generator cannot test does not hide the
			// scores of the others.
			fmt.Fprintf(stderr, "mutants: %s: %v\n", s, err)
			fmt.Fprintf(tw, "%s\terror\n", name)
			status = 2
			continue
		}
		fmt.Fprintf(tw, "%s\t%d", name, len(rep.Mutants))
		for _, r := range rep.Runners {
			fmt.Fprintf(tw, "\t%d killed (%.1f%%)", rep.Killed(r), 100*rep.Score(r))
			if rep.Score(r) < *minScore {
				status = 1
			}
			for _, m := range rep.Survivors(r) {
				fmt.Fprintf(&survivors, "%s\t%s\t%s\n", name, r, m)
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if !*quiet && survivors.Len() > 0 {
		fmt.Fprintf(stdout, "\nsurvivors (spec, runner, service/alert/tier kind: change):\n%s", survivors.String())
	}
	return status
}
