package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

type bench struct {
	o        options
	root     string // repository root
	out, log io.Writer

	tmp, bin, promtool, self string
	targets                  []target
}

// target is one line of the targets: a measured ratio or amount
// against its limit.
type target struct {
	name        string
	value, max  float64
	unit        string
	cpu         float64 // the same ratio in CPU time, for a loaded machine; 0 if none
	hasCPURatio bool
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "corpusbench: "+format+"\n", args...)
}

func (b *bench) run() int {
	corpusDir := b.o.corpus
	if !filepath.IsAbs(corpusDir) {
		corpusDir = filepath.Join(b.root, corpusDir)
	}
	if info, err := os.Stat(corpusDir); err != nil || !info.IsDir() {
		return skip(b.log, "corpus %s not found. The corpus is the project's shared set of public rule files "+
			"(awesome-prometheus-alerts, monitoring-mixins, govuk-helm-charts, sloth, pint and Prometheus's own test data; "+
			"provenance and licences in its README.md), laid beside the repository as ../shared/corpus for developers and CI. "+
			"Any directory of *.yml/*.yaml rule files can stand in: CORPUSBENCH_FLAGS='-corpus DIR' make bench", corpusDir)
	}
	var err error
	if b.promtool, err = lookTool(b.o.promtool); err != nil {
		return skip(b.log, "promtool not found (%v); install it (Debian: apt-get install prometheus) or pass -promtool", err)
	}
	if b.self, err = os.Executable(); err != nil {
		b.logf("%v", err)
		return 2
	}
	if b.tmp, err = os.MkdirTemp("", "corpusbench-"); err != nil {
		b.logf("%v", err)
		return 2
	}
	if b.o.keep {
		b.logf("keeping %s", b.tmp)
	} else {
		defer os.RemoveAll(b.tmp)
	}
	if err := b.measure(corpusDir); err != nil {
		b.logf("%v", err)
		return 2
	}
	if missed := b.printTargets(); missed > 0 && b.o.strict {
		return 1
	}
	return 0
}

func (b *bench) measure(corpusDir string) error {
	if b.bin = b.o.bin; b.bin == "" {
		b.bin = filepath.Join(b.tmp, "agentalerts")
		b.logf("building %s", b.bin)
		build := exec.Command("go", "build", "-o", b.bin, ".")
		build.Dir, build.Stdout, build.Stderr = b.root, b.log, b.log
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	} else if abs, err := filepath.Abs(b.bin); err == nil {
		b.bin = abs
	}

	exclude := map[string]bool{}
	for _, n := range strings.Split(b.o.exclude, ",") {
		if n = strings.TrimSpace(n); n != "" {
			exclude[n] = true
		}
	}
	src, err := readSource(corpusDir, exclude)
	if err != nil {
		return err
	}
	if len(src) == 0 {
		return fmt.Errorf("no rule files in %s", corpusDir)
	}
	maxScale := 0
	for _, k := range b.o.scales {
		maxScale = max(maxScale, k)
	}
	b.logf("assembling %d copies of %d files from %s in %s", maxScale, len(src), corpusDir, b.tmp)
	c, err := assemble(filepath.Join(b.tmp, "corpus"), src, maxScale)
	if err != nil {
		return err
	}
	b.header(corpusDir, c, exclude)

	fmt.Fprintf(b.out, "\n## Lint at scale (median of %d runs each, interleaved)\n\n", b.o.runs)
	b.tableHead()
	byScale := map[int]map[string]*series{}
	findings := map[int]int{}
	for _, k := range b.o.scales {
		dirs, files := c.scaled(k)
		label := fmt.Sprintf("%d×", k)
		b.logf("measuring %s: %d files", label, len(files))
		res, err := b.compare(b.o.runs, dirs, files)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		byScale[k] = res
		findings[k] = b.rows(label, len(files), k*c.rulesPerCopy, int64(k)*c.bytesPerCopy, res)
	}
	b.scaleTargets(byScale, findings)

	if err := b.smallFile(c); err != nil {
		return err
	}
	if err := b.largeFiles(corpusDir, exclude); err != nil {
		return err
	}
	if b.o.services > 0 {
		if err := b.generate(); err != nil {
			return err
		}
	}
	return nil
}

// lintArgv is the lint command line before its paths.
func (b *bench) lintArgv() []string {
	argv := []string{b.bin, "lint", "--format", "json"}
	if b.o.lintConfig != "" {
		argv = append(argv, "--config", b.o.lintConfig)
	}
	return argv
}

// compare runs lint, promtool and the floor on the same input.
func (b *bench) compare(runs int, dirs, files []string) (map[string]*series, error) {
	tools := []tool{
		{name: "agentalerts lint", argv: append(b.lintArgv(), dirs...), okExit: exitIs(0, 1), capture: true},
		{name: "promtool check rules", argv: append([]string{b.promtool, "check", "rules"}, files...), okExit: exitIs(0), capture: true},
		{name: "parse floor", argv: append([]string{b.self, "floor"}, dirs...), okExit: exitIs(0), capture: true},
	}
	res, err := measureAll(b.tmp, runs, tools)
	if err != nil {
		return nil, err
	}
	out := map[string]*series{}
	for i, t := range tools {
		out[t.name] = res[i]
	}
	return out, nil
}

func (b *bench) header(corpusDir string, c *corpus, exclude map[string]bool) {
	fmt.Fprintf(b.out, "# agentalerts corpus benchmark\n\n")
	fmt.Fprintf(b.out, "- machine: %s/%s, %d CPUs, GOMAXPROCS %d, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	if la := loadAvg(); la != "" {
		fmt.Fprintf(b.out, "- load average at start: %s\n", la)
	}
	fmt.Fprintf(b.out, "- promtool: %s (%s)\n", b.promtool, toolVersion(b.promtool))
	fmt.Fprintf(b.out, "- agentalerts: %s (%s)", b.bin, toolVersion(b.bin))
	if b.o.bin == "" {
		if rev, err := exec.Command("git", "-C", b.root, "describe", "--always", "--dirty").Output(); err == nil {
			fmt.Fprintf(b.out, ", built from commit %s", strings.TrimSpace(string(rev)))
		}
	}
	fmt.Fprintln(b.out)
	if b.o.lintConfig != "" {
		fmt.Fprintf(b.out, "- lint config: %s\n", b.o.lintConfig)
	}
	var ex []string
	for n := range exclude {
		ex = append(ex, n)
	}
	sort.Strings(ex)
	fmt.Fprintf(b.out, "- corpus: %s without %s: per copy %d files, %d rules, %.2f MB; alerts and records suffixed _cNN per copy",
		corpusDir, strings.Join(ex, ", "), c.filesPerCopy, c.rulesPerCopy, mb(c.bytesPerCopy))
	if c.unrenamed > 0 {
		fmt.Fprintf(b.out, " (%d names not renamable stay shared)", c.unrenamed)
	}
	fmt.Fprintln(b.out)
}

func (b *bench) tableHead() {
	fmt.Fprintln(b.out, "| input | files | rules | MB | tool | wall | fastest | CPU | peak RSS | saw |")
	fmt.Fprintln(b.out, "|---|--:|--:|--:|---|--:|--:|--:|--:|---|")
}

// rows prints one row per tool and returns lint's finding count.
func (b *bench) rows(label string, files, rules int, size int64, res map[string]*series) int {
	n := -1
	for _, name := range []string{"agentalerts lint", "promtool check rules", "parse floor"} {
		s := res[name]
		if s == nil {
			continue
		}
		saw := ""
		first := s.samples[0]
		switch name {
		case "agentalerts lint":
			saw, n = lintSaw(first.Stdout)
		case "promtool check rules":
			saw = promtoolSaw(first.Stdout, first.Stderr)
		case "parse floor":
			saw = strings.TrimSpace(string(first.Stdout))
		}
		fmt.Fprintf(b.out, "| %s | %d | %d | %.1f | %s | %s | %s | %s | %s | %s |\n",
			label, files, rules, mb(size), name, secs(s.Wall()), secs(s.Fastest()), secs(s.CPU()), rss(s.MaxRSS()), saw)
	}
	return n
}

func (b *bench) scaleTargets(byScale map[int]map[string]*series, findings map[int]int) {
	lo, hi := b.o.scales[0], b.o.scales[0]
	for _, k := range b.o.scales {
		lo, hi = min(lo, k), max(hi, k)
	}
	top := byScale[hi]
	lint, prom, floor := top["agentalerts lint"], top["promtool check rules"], top["parse floor"]
	b.ratio(fmt.Sprintf("%d×: lint / promtool wall time", hi), lint, prom, 0.35)
	b.ratio(fmt.Sprintf("%d×: lint / parse floor wall time", hi), lint, floor, 2)
	if hi > lo {
		// The 20×/1× ≤ 22 is 10% over linear; scale that to any pair.
		limit := 1.1 * float64(hi) / float64(lo)
		b.ratio(fmt.Sprintf("linear: lint %d× / %d× wall time", hi, lo), lint, byScale[lo]["agentalerts lint"], limit)
		if findings[lo] >= 0 && findings[hi] != hi/lo*findings[lo] {
			fmt.Fprintf(b.out, "\nnote: lint found %d problems at %d× and %d at %d× (not %d× as many): the copies are not independent.\n",
				findings[lo], lo, findings[hi], hi, hi/lo)
		}
	}
	b.targets = append(b.targets, target{name: fmt.Sprintf("%d×: lint peak RSS", hi), value: mb(lint.MaxRSS()), max: 100, unit: "MB"})
}

func (b *bench) ratio(name string, num, den *series, limit float64) {
	t := target{name: name, max: limit}
	if den.Wall() > 0 {
		t.value = num.Wall().Seconds() / den.Wall().Seconds()
	}
	if den.CPU() > 0 {
		t.cpu, t.hasCPURatio = num.CPU().Seconds()/den.CPU().Seconds(), true
	}
	b.targets = append(b.targets, t)
}

// smallFile is the pre-commit case: one file of median size.
func (b *bench) smallFile(c *corpus) error {
	files := append([]string(nil), c.files[0]...)
	sizes := map[string]int64{}
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			sizes[f] = info.Size()
		}
	}
	sort.Slice(files, func(i, j int) bool {
		if sizes[files[i]] != sizes[files[j]] {
			return sizes[files[i]] < sizes[files[j]]
		}
		return files[i] < files[j]
	})
	f := files[len(files)/2]
	rel, _ := filepath.Rel(c.dirs[0], f)
	fmt.Fprintf(b.out, "\n## One small file, the pre-commit case (median of %d runs)\n\n%s, %d bytes, the median size in the corpus.\n\n", b.o.smallRuns, filepath.ToSlash(rel), sizes[f])
	b.logf("measuring one small file: %s", rel)
	res, err := b.compare(b.o.smallRuns, []string{f}, []string{f})
	if err != nil {
		return fmt.Errorf("small file: %w", err)
	}
	b.tableHead()
	b.rows("1 file", 1, rulesIn(f), sizes[f], res)
	b.ratio("one small file: lint / promtool wall time", res["agentalerts lint"], res["promtool check rules"], 1)
	return nil
}

// largeFiles measures the files left out of the scaled corpus alone: in
// the public corpus that is Prometheus's rules_large.yml, 10,002 rules in
// one group, where a check quadratic in the rules of a group or a file
// would show at once.
func (b *bench) largeFiles(corpusDir string, exclude map[string]bool) error {
	var files []string
	filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && exclude[d.Name()] {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		return nil
	}
	fmt.Fprintf(b.out, "\n## The large file alone (median of %d runs)\n\n", b.o.runs)
	b.tableHead()
	for _, f := range files {
		b.logf("measuring %s", f)
		res, err := b.compare(b.o.runs, []string{f}, []string{f})
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		info, _ := os.Stat(f)
		var size int64
		if info != nil {
			size = info.Size()
		}
		b.rows(filepath.Base(f), 1, rulesIn(f), size, res)
	}
	return nil
}

// generate measures the CLI on a spec of many services, writing one file
// per service (each written atomically) and one file for all.
func (b *bench) generate() error {
	spec, err := manyServices(b.o.services)
	if err != nil {
		return err
	}
	dir := filepath.Join(b.tmp, "generate")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	specPath := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(specPath, spec, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "\n## generate, %d services (median of %d runs)\n\n", b.o.services, b.o.runs)
	fmt.Fprintln(b.out, "| output | wall | CPU | peak RSS | wrote |")
	fmt.Fprintln(b.out, "|---|--:|--:|--:|---|")
	b.logf("measuring generate with %d services", b.o.services)
	// The re-read floor is this machine's cost, at this moment, of the
	// least a generator that re-reads its output must do: decode the
	// per-service files with yaml.v3 and parse every expression, on every
	// core (corpusbench floor). Measured right after each per-service run,
	// so host noise hits both alike; the ratio is printed, not a target.
	var floor series
	var dirRuns *series
	for _, mode := range []struct{ name, out string }{
		{"one file per service (-o DIR/)", "out-%d/"},
		{"one file (-o FILE)", "out-%d.yaml"},
	} {
		var s series
		for r := 0; r < b.o.runs; r++ {
			out := filepath.Join(dir, fmt.Sprintf(mode.out, r))
			perService := strings.HasSuffix(mode.out, "/")
			if perService {
				out += string(os.PathSeparator)
			}
			x, stderr, err := runChild(dir, false, b.bin, "generate", specPath, "-o", out)
			if err != nil {
				return err
			}
			if x.Exit != 0 {
				return fmt.Errorf("agentalerts generate exited with status %d:\n%s", x.Exit, lastLines(stderr, 10))
			}
			s.samples = append(s.samples, x)
			if perService {
				f, stderr, err := runChild(dir, false, b.self, "floor", out)
				if err != nil {
					return err
				}
				if f.Exit != 0 {
					return fmt.Errorf("corpusbench floor exited with status %d:\n%s", f.Exit, lastLines(stderr, 10))
				}
				floor.samples = append(floor.samples, f)
			}
		}
		files, size := dirSize(filepath.Join(dir, fmt.Sprintf(strings.TrimSuffix(mode.out, "/"), 0)))
		fmt.Fprintf(b.out, "| %s | %s | %s | %s | %d files, %.1f MB |\n", mode.name, secs(s.Wall()), secs(s.CPU()), rss(s.MaxRSS()), files, mb(size))
		b.targets = append(b.targets, target{name: fmt.Sprintf("generate %d services, %s", b.o.services, mode.name), value: s.Wall().Seconds(), max: 1, unit: "s"})
		if mode.out == "out-%d/" {
			dirRuns = &s
		}
	}
	fmt.Fprintf(b.out, "| re-read floor: decode the per-service files, parse their expressions | %s | %s | %s | – |\n", secs(floor.Wall()), secs(floor.CPU()), rss(floor.MaxRSS()))
	fmt.Fprintf(b.out, "\ngenerate -o DIR/ / re-read floor: %.2f in wall time, %.2f in CPU time\n",
		dirRuns.Wall().Seconds()/floor.Wall().Seconds(), dirRuns.CPU().Seconds()/floor.CPU().Seconds())
	return nil
}

func (b *bench) printTargets() (missed int) {
	fmt.Fprintln(b.out, "\n## Targets (issue 7)")
	fmt.Fprintln(b.out)
	fmt.Fprintln(b.out, "| target | measured | limit | same ratio in CPU time | verdict |")
	fmt.Fprintln(b.out, "|---|--:|--:|--:|---|")
	for _, t := range b.targets {
		verdict := "met"
		if t.value > t.max {
			verdict = "**missed**"
			missed++
		}
		cpu := "–"
		if t.hasCPURatio {
			cpu = fmt.Sprintf("%.2f", t.cpu)
		}
		v := fmt.Sprintf("%.2f", t.value)
		if t.unit != "" {
			v += " " + t.unit
		}
		limit := fmt.Sprintf("≤ %g", t.max)
		if t.unit != "" {
			limit += " " + t.unit
		}
		fmt.Fprintf(b.out, "| %s | %s | %s | %s | %s |\n", t.name, v, limit, cpu, verdict)
	}
	if la := loadAvg(); la != "" {
		fmt.Fprintf(b.out, "\nload average at end: %s\n", la)
	}
	return missed
}

func lintSaw(stdout []byte) (string, int) {
	var r struct {
		Summary struct {
			Files, Rules, Errors, Warnings, Infos int
		} `json:"summary"`
	}
	if err := json.Unmarshal(stdout, &r); err != nil {
		return "unreadable JSON: " + err.Error(), -1
	}
	s := r.Summary
	n := s.Errors + s.Warnings + s.Infos
	return fmt.Sprintf("%d files, %d rules, %d problems", s.Files, s.Rules, n), n
}

var (
	promtoolChecking = regexp.MustCompile(`(?m)^Checking `)
	promtoolRules    = regexp.MustCompile(`SUCCESS: (\d+) rules found`)
	promtoolDup      = regexp.MustCompile(`lint error \d+ duplicate rule`)
)

// promtoolSaw sums promtool's report. promtool 2.x prints "SUCCESS: N
// rules found" only for files without duplicate rules; a file with them
// gets a (non-fatal) "FAILED: lint error" on stderr instead.
func promtoolSaw(stdout []byte, stderr string) string {
	files := len(promtoolChecking.FindAll(stdout, -1))
	clean, rules := 0, 0
	for _, m := range promtoolRules.FindAllSubmatch(stdout, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		clean++
		rules += n
	}
	dups := len(promtoolDup.FindAllString(stderr, -1))
	return fmt.Sprintf("%d files; %d rules in the %d without duplicate-rule warnings; %d with", files, rules, clean, dups)
}

func toolVersion(bin string) string {
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		out, err = exec.Command(bin, "version").CombinedOutput()
	}
	if err != nil {
		return "version unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func dirSize(p string) (files int, size int64) {
	filepath.WalkDir(p, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				files++
				size += info.Size()
			}
		}
		return nil
	})
	return files, size
}

func mb(n int64) float64 { return float64(n) / 1e6 }

func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func rss(n int64) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f MB", mb(n))
}
