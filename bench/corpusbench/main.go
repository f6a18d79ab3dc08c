// Command corpusbench measures agentalerts lint at monorepo scale against
// promtool and against the parse floor, and agentalerts generate on a
// spec of 1,000 services (issue 7).
//
// It builds the CLI, assembles 1x, 5x and 20x copies of the public rule
// files in ../shared/corpus/valid/ in a temporary directory (every alert
// and record renamed per copy, so nothing is a duplicate), and runs on
// the same files, interleaved and several times each:
//
//   - agentalerts lint --format json
//   - promtool check rules
//   - the parse floor: this program re-executed as "corpusbench floor",
//     which only reads every file with yaml.v3 and parses every expression
//     with the PromQL parser on GOMAXPROCS goroutines
//
// It prints the median wall time, median CPU time and peak RSS of each
// (from the child's rusage) and the ratios the targets name. When
// the corpus or promtool is missing it says so and exits 0 (1 under
// CI=true). With -strict a missed target exits 1.
//
// Usage (from the repository root; make bench runs it):
//
//	go run ./bench/corpusbench [-runs 3] [-scales 1,5,20] [-strict]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "floor":
			os.Exit(floorMain(os.Args[2:], os.Stdout, os.Stderr))
		case launcherArg:
			os.Exit(launch(os.Args[2:]))
		}
	}
	os.Exit(benchMain(os.Args[1:], os.Stdout, os.Stderr))
}

// floorMain is the parse floor as a child process, so that it is timed
// and its memory measured exactly as the linters are, start-up included.
func floorMain(paths []string, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: corpusbench floor PATH...")
		return 2
	}
	res, err := parseFloor(paths, runtime.GOMAXPROCS(0))
	if err != nil {
		fmt.Fprintln(stderr, "corpusbench floor:", err)
		return 2
	}
	fmt.Fprintf(stdout, "files %d exprs %d expr_errors %d yaml_errors %d\n", res.Files, res.Exprs, res.ExprErrors, res.YAMLErrors)
	return 0
}

type options struct {
	corpus    string
	exclude   string
	scales    []int
	runs      int
	smallRuns int
	services  int
	promtool  string
	bin       string
	keep      bool
	strict    bool
	// lintConfig is passed to lint as --config, so the targets can be
	// measured with opt-in checks on (none is on without a config).
	lintConfig string
}

func benchMain(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("corpusbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.corpus, "corpus", "../shared/corpus/valid", "rule files to copy (relative to the repository root)")
	fs.StringVar(&o.exclude, "exclude", "rules_large.yml", "comma-separated base names left out of the scaled corpus (measured alone as the one large file)")
	scales := fs.String("scales", "1,5,20", "comma-separated copy counts")
	fs.IntVar(&o.runs, "runs", 3, "runs of each tool per corpus (the median is reported)")
	fs.IntVar(&o.smallRuns, "small-runs", 15, "runs on the one small file")
	fs.IntVar(&o.services, "services", 1000, "services in the generate spec (0 skips generate)")
	fs.StringVar(&o.promtool, "promtool", "promtool", "promtool to compare with")
	fs.StringVar(&o.bin, "bin", "", "agentalerts binary to measure (default: go build the repository)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (its path is printed)")
	fs.BoolVar(&o.strict, "strict", false, "exit 1 when a target is missed")
	fs.StringVar(&o.lintConfig, "lint-config", "", "lint config file passed to every lint run as --config (e.g. one that enables the opt-in checks)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	if o.scales, err = parseScales(*scales); err != nil || o.runs < 1 || o.smallRuns < 1 {
		fmt.Fprintf(stderr, "corpusbench: -scales %q, -runs %d, -small-runs %d: need positive numbers\n", *scales, o.runs, o.smallRuns)
		return 2
	}
	if o.lintConfig != "" {
		// lint runs in the temporary corpus directory, not here.
		if o.lintConfig, err = filepath.Abs(o.lintConfig); err != nil {
			fmt.Fprintln(stderr, "corpusbench:", err)
			return 2
		}
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(stderr, "corpusbench:", err)
		return 2
	}
	b := &bench{o: o, root: root, out: stdout, log: stderr}
	return b.run()
}

func parseScales(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad scale %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// moduleRoot is the directory of go.mod above the working directory, so
// the program runs the same from the root (make bench) or from bench/.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or above: run from the agentalerts repository", dir)
		}
	}
}

// skip reports why the benchmark cannot run. Outside CI that is not a
// failure (a checkout without the corpus or promtool); under CI=true it
// is, so CI never passes by measuring nothing.
func skip(log io.Writer, format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		fmt.Fprintf(log, "corpusbench: %s (CI=true: failing)\n", msg)
		return 1
	}
	fmt.Fprintf(log, "corpusbench: skipping: %s\n", msg)
	return 0
}

func lookTool(name string) (string, error) {
	if strings.ContainsRune(name, os.PathSeparator) {
		return filepath.Abs(name)
	}
	return exec.LookPath(name)
}
