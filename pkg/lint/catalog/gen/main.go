// Command gen regenerates pkg/lint/catalog/metrics.tsv and
// renames_node_exporter.tsv from local git clones of the exporters'
// upstream repositories. It reads only committed files (git show), records
// the commit of each, and extracts facts: metric names, types and label
// names from the expositions the projects commit as test fixtures and from
// their metric documentation; no code is copied.
//
//	go run ./pkg/lint/catalog/gen \
//	    -node_exporter ~/src/node_exporter \
//	    -kube-state-metrics ~/src/kube-state-metrics \
//	    -cadvisor ~/src/cadvisor \
//	    -goldpinger ~/src/goldpinger \
//	    -out pkg/lint/catalog
//
// Each flag is a clone (a bare one will do) at the commit to read.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// metric is one row of metrics.tsv.
type metric struct {
	exporter, name, typ, status string
	labels                      map[string]bool
}

// source is one upstream repository read, for the file header.
type source struct {
	exporter, repo, commit string
	paths                  []string
}

type catalog struct {
	rows    map[string]*metric // by exporter + "\t" + name
	sources []source
}

func main() {
	node := flag.String("node_exporter", "", "clone of github.com/prometheus/node_exporter")
	ksm := flag.String("kube-state-metrics", "", "clone of github.com/kubernetes/kube-state-metrics")
	cadvisor := flag.String("cadvisor", "", "clone of github.com/google/cadvisor")
	goldpinger := flag.String("goldpinger", "", "clone of github.com/bloomberg/goldpinger")
	out := flag.String("out", filepath.Join("pkg", "lint", "catalog"), "directory to write the .tsv files to")
	flag.Parse()
	if *node == "" || *ksm == "" || *cadvisor == "" || *goldpinger == "" {
		fmt.Fprintln(os.Stderr, "gen: every clone flag is required (see go doc ./pkg/lint/catalog/gen)")
		os.Exit(2)
	}
	c := &catalog{rows: map[string]*metric{}}
	renames, err := c.nodeExporter(*node)
	if err == nil {
		err = c.kubeStateMetrics(*ksm)
	}
	if err == nil {
		err = c.cadvisor(*cadvisor)
	}
	if err == nil {
		err = c.goldpinger(*goldpinger)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(*out, "metrics.tsv"), c.tsv(), 0o644)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(*out, "renames_node_exporter.tsv"), renames, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git -C %s %s: %v: %s", dir, strings.Join(args, " "), err, stderr.String())
	}
	return b, nil
}

func head(dir string) (string, error) {
	b, err := git(dir, "rev-parse", "HEAD")
	return strings.TrimSpace(string(b)), err
}

func files(dir, pattern string) ([]string, error) {
	b, err := git(dir, "ls-tree", "-r", "--name-only", "HEAD")
	if err != nil {
		return nil, err
	}
	re := regexp.MustCompile(pattern)
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if re.MatchString(p) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (c *catalog) add(exporter, name, typ, status string, labels ...string) {
	if !validName.MatchString(name) {
		return
	}
	k := exporter + "\t" + name
	m := c.rows[k]
	if m == nil {
		m = &metric{exporter: exporter, name: name, labels: map[string]bool{}}
		c.rows[k] = m
	}
	if m.typ == "" || m.typ == "untyped" {
		m.typ = typ
	}
	if m.status == "" {
		m.status = status
	}
	for _, l := range labels {
		if l != "" && l != "le" && l != "quantile" {
			m.labels[l] = true
		}
	}
}

var (
	validName  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	typeLine   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)`)
	sample     = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s`)
	nameInExpr = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	labelName  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"`)
)

// exposition adds every family of a Prometheus text exposition whose name
// keep accepts, with the label names its samples carry.
func (c *catalog) exposition(exporter string, text []byte, keep func(string) bool) {
	types := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := typeLine.FindStringSubmatch(line); m != nil {
			types[m[1]] = m[2]
			if keep(m[1]) {
				c.add(exporter, m[1], m[2], "")
			}
			continue
		}
		m := sample.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		family := m[1]
		if _, ok := types[family]; !ok {
			for _, suf := range []string{"_bucket", "_sum", "_count", "_created"} {
				if base, ok := strings.CutSuffix(family, suf); ok && (types[base] == "histogram" || types[base] == "summary") {
					family = base
				}
			}
		}
		typ, ok := types[family]
		if !ok || !keep(family) {
			continue
		}
		var labels []string
		for _, l := range labelName.FindAllStringSubmatch(m[3], -1) {
			labels = append(labels, l[1])
		}
		c.add(exporter, family, typ, "", labels...)
	}
}

// nodeExporter reads the e2e fixtures (a real exposition of every
// collector the tests enable, on each platform) and, for the collectors
// the fixtures leave out, the names the collectors build from literals;
// and returns renames_node_exporter.tsv from the 0.16 and 0.17
// compatibility rules, whose every rule records an old name from the new
// one.
func (c *catalog) nodeExporter(dir string) ([]byte, error) {
	commit, err := head(dir)
	if err != nil {
		return nil, err
	}
	src := source{exporter: "node_exporter", repo: "github.com/prometheus/node_exporter", commit: commit}
	fixtures, err := files(dir, `^collector/fixtures/e2e-.*output.*\.txt$`)
	if err != nil {
		return nil, err
	}
	isNode := func(n string) bool { return strings.HasPrefix(n, "node_") }
	for _, p := range fixtures {
		b, err := git(dir, "show", "HEAD:"+p)
		if err != nil {
			return nil, err
		}
		c.exposition("node_exporter", b, isNode)
		src.paths = append(src.paths, p)
	}
	// BuildFQName(namespace, "sub", "name") and BuildFQName(namespace,
	// sub, "name") where sub is a string constant of the same file: the
	// names of collectors no fixture runs (filesystem, systemd, ntp …).
	// Their type is not read (it sits elsewhere in the call): "untyped".
	srcs, err := files(dir, `^collector/[a-z0-9_]+\.go$`)
	if err != nil {
		return nil, err
	}
	lit := regexp.MustCompile(`BuildFQName\(\s*namespace,\s*("([a-z0-9_]*)"|([a-zA-Z_][a-zA-Z0-9_]*)),\s*"([a-zA-Z0-9_]+)"\s*\)`)
	constant := regexp.MustCompile(`\b([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([a-z0-9_]+)"`)
	for _, p := range srcs {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, err := git(dir, "show", "HEAD:"+p)
		if err != nil {
			return nil, err
		}
		consts := map[string]string{}
		for _, m := range constant.FindAllSubmatch(b, -1) {
			consts[string(m[1])] = string(m[2])
		}
		found := false
		for _, m := range lit.FindAllSubmatch(b, -1) {
			sub, ok := string(m[2]), true
			if len(m[3]) > 0 {
				sub, ok = consts[string(m[3])]
			}
			if !ok {
				continue
			}
			name := "node_" + string(m[4])
			if sub != "" {
				name = "node_" + sub + "_" + string(m[4])
			}
			c.add("node_exporter", name, "untyped", "")
			found = true
		}
		if found {
			src.paths = append(src.paths, p)
		}
	}
	var renames bytes.Buffer
	fmt.Fprintf(&renames, "# Generated by go run ./pkg/lint/catalog/gen; do not edit.\n")
	fmt.Fprintf(&renames, "# node_exporter's renames, from its compatibility rules: each rule records one name from the\n")
	fmt.Fprintf(&renames, "# other. Upstream's files do not always put the old name in record: (bcache, supervisord), so\n")
	fmt.Fprintf(&renames, "# the old name is the one the node_exporter of metrics.tsv no longer exports.\n")
	fmt.Fprintf(&renames, "# Columns: exporter, old name, replacement (a selector or expression), version, source.\n")
	exported := func(n string) bool { return c.rows["node_exporter\t"+n] != nil }
	done := map[string]bool{}
	for _, rn := range []struct{ path, version string }{
		{"docs/example-16-compatibility-rules-new-to-old.yml", "0.16.0"},
		{"docs/example-16-compatibility-rules.yml", "0.16.0"},
		{"docs/example-17-compatibility-rules-new-to-old.yml", "0.17.0"},
		{"docs/example-17-compatibility-rules.yml", "0.17.0"},
	} {
		b, err := git(dir, "show", "HEAD:"+rn.path)
		if err != nil {
			return nil, err
		}
		var f struct {
			Groups []struct {
				Rules []struct{ Record, Expr string }
			}
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("%s: %v", rn.path, err)
		}
		cite := fmt.Sprintf("https://github.com/prometheus/node_exporter/blob/%s/%s", commit, rn.path)
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				old, repl := r.Record, strings.TrimSpace(r.Expr)
				if exported(old) {
					// Recorded the new name: the old one is the expression,
					// when it is a bare name.
					if !validName.MatchString(repl) || exported(repl) {
						continue
					}
					old, repl = repl, r.Record
				}
				// The new names the rules read are names node_exporter
				// exports by its own statement; meminfo's, for one, come
				// from the host's /proc/meminfo and the fixture's has few.
				for _, n := range nameInExpr.FindAllString(repl, -1) {
					if strings.HasPrefix(n, "node_") && !exported(n) {
						c.add("node_exporter", n, "untyped", "")
					}
				}
				if done[old] {
					continue
				}
				done[old] = true
				fmt.Fprintf(&renames, "node_exporter\t%s\t%s\t%s\t%s\n", old, repl, rn.version, cite)
			}
		}
		src.paths = append(src.paths, rn.path)
	}
	c.sources = append(c.sources, src)
	return renames.Bytes(), nil
}

// kubeStateMetrics reads the metric tables of docs/metrics: name, type,
// labels and stability status of every metric.
func (c *catalog) kubeStateMetrics(dir string) error {
	commit, err := head(dir)
	if err != nil {
		return err
	}
	src := source{exporter: "kube-state-metrics", repo: "github.com/kubernetes/kube-state-metrics", commit: commit}
	docs, err := files(dir, `^docs/metrics/.*\.md$`)
	if err != nil {
		return err
	}
	quoted := regexp.MustCompile("`([a-zA-Z_][a-zA-Z0-9_]*)`=")
	for _, p := range docs {
		b, err := git(dir, "show", "HEAD:"+p)
		if err != nil {
			return err
		}
		cols := map[string]int{}
		n := 0
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "|") {
				cols = map[string]int{}
				continue
			}
			cells := tableCells(line)
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			if len(cols) == 0 {
				for i, h := range cells {
					cols[strings.ToLower(h)] = i
				}
				continue
			}
			ni, ok := cols["metric name"]
			ti, ok2 := cols["metric type"]
			if !ok || !ok2 || ni >= len(cells) || ti >= len(cells) {
				continue
			}
			name := strings.Trim(cells[ni], "` ")
			typ := strings.ToLower(cells[ti])
			status := ""
			if si, ok := cols["status"]; ok && si < len(cells) {
				status = strings.ToLower(cells[si])
			}
			var labels []string
			if li, ok := cols["labels/tags"]; ok && li < len(cells) {
				for _, m := range quoted.FindAllStringSubmatch(cells[li], -1) {
					labels = append(labels, m[1])
				}
			}
			if validName.MatchString(name) && typ != "" && !strings.HasPrefix(typ, "-") {
				c.add("kube-state-metrics", name, typ, status, labels...)
				n++
			}
		}
		if n > 0 {
			src.paths = append(src.paths, p)
		}
	}
	c.sources = append(c.sources, src)
	return nil
}

// cadvisor reads the expositions of lib/metrics/testdata and the metric
// names and value types lib/metrics/prometheus.go declares (the fixtures
// leave some optional ones out).
func (c *catalog) cadvisor(dir string) error {
	commit, err := head(dir)
	if err != nil {
		return err
	}
	src := source{exporter: "cadvisor", repo: "github.com/google/cadvisor", commit: commit}
	fixtures, err := files(dir, `^lib/metrics/testdata/prometheus_`)
	if err != nil {
		return err
	}
	own := func(n string) bool { return strings.HasPrefix(n, "container_") || strings.HasPrefix(n, "machine_") }
	for _, p := range fixtures {
		if strings.Contains(p, "failure") {
			continue
		}
		b, err := git(dir, "show", "HEAD:"+p)
		if err != nil {
			return err
		}
		c.exposition("cadvisor", b, own)
		src.paths = append(src.paths, p)
	}
	decl := regexp.MustCompile(`name:\s+"((?:container|machine)_[a-z0-9_]+)",(?s:.{0,400}?)valueType:\s+prometheus\.(Counter|Gauge)Value`)
	const path = "lib/metrics/prometheus.go"
	b, err := git(dir, "show", "HEAD:"+path)
	if err != nil {
		return err
	}
	for _, m := range decl.FindAllSubmatch(b, -1) {
		c.add("cadvisor", string(m[1]), strings.ToLower(string(m[2])), "")
	}
	src.paths = append(src.paths, path)
	// Descriptions built in place (container_spec_*, machine_*): the
	// value type is on the line that sends the metric, when it follows.
	desc := regexp.MustCompile(`NewDesc\(\s*"((?:container|machine)_[a-z0-9_]+)"[^\n]*\n(?:[^\n]*prometheus\.(Counter|Gauge)Value)?`)
	for _, path := range []string{path, "lib/metrics/prometheus_machine.go"} {
		b, err := git(dir, "show", "HEAD:"+path)
		if err != nil {
			return err
		}
		for _, m := range desc.FindAllSubmatch(b, -1) {
			typ := strings.ToLower(string(m[2]))
			if typ == "" {
				typ = "untyped"
			}
			c.add("cadvisor", string(m[1]), typ, "")
		}
	}
	src.paths = append(src.paths, "lib/metrics/prometheus_machine.go")
	// The fixtures' container_label_* and container_env_* labels are the
	// test containers' own labels, not cAdvisor's.
	for _, m := range c.rows {
		if m.exporter == "cadvisor" {
			for l := range m.labels {
				if strings.HasPrefix(l, "container_label_") || strings.HasPrefix(l, "container_env_") {
					delete(m.labels, l)
				}
			}
		}
	}
	c.sources = append(c.sources, src)
	return nil
}

// goldpinger reads the metric declarations of pkg/goldpinger/stats.go:
// every metric Goldpinger exports is declared there, with its type (the
// constructor) and its label names.
func (c *catalog) goldpinger(dir string) error {
	commit, err := head(dir)
	if err != nil {
		return err
	}
	const path = "pkg/goldpinger/stats.go"
	b, err := git(dir, "show", "HEAD:"+path)
	if err != nil {
		return err
	}
	decl := regexp.MustCompile(`prometheus\.New(Counter|Gauge|Histogram|Summary)Vec\((?s:.*?)Name:\s+"([a-z0-9_]+)"(?s:.*?)\[\]string\{([^}]*)\}`)
	str := regexp.MustCompile(`"([a-zA-Z_][a-zA-Z0-9_]*)"`)
	for _, m := range decl.FindAllSubmatch(b, -1) {
		var labels []string
		for _, l := range str.FindAllSubmatch(m[3], -1) {
			labels = append(labels, string(l[1]))
		}
		c.add("goldpinger", string(m[2]), strings.ToLower(string(m[1])), "", labels...)
	}
	c.sources = append(c.sources, source{exporter: "goldpinger", repo: "github.com/bloomberg/goldpinger", commit: commit, paths: []string{path}})
	return nil
}

func (c *catalog) tsv() []byte {
	var b bytes.Buffer
	b.WriteString("# Generated by go run ./pkg/lint/catalog/gen; do not edit. Metric names, types and\n")
	b.WriteString("# label names, as the upstream files below state them:\n")
	for _, s := range c.sources {
		fmt.Fprintf(&b, "#   %s: %s at %s:\n", s.exporter, s.repo, s.commit)
		for _, p := range s.paths {
			fmt.Fprintf(&b, "#     %s\n", p)
		}
	}
	b.WriteString("# Columns: exporter, name, type (untyped: read from a name only), labels (comma-separated,\n")
	b.WriteString("# the ones the source shows; not exhaustive), status (kube-state-metrics' stability).\n")
	rows := make([]*metric, 0, len(c.rows))
	for _, m := range c.rows {
		rows = append(rows, m)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].exporter != rows[j].exporter {
			return rows[i].exporter < rows[j].exporter
		}
		return rows[i].name < rows[j].name
	})
	for _, m := range rows {
		labels := make([]string, 0, len(m.labels))
		for l := range m.labels {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\n", m.exporter, m.name, m.typ, strings.Join(labels, ","), m.status)
	}
	return b.Bytes()
}

// tableCells splits a markdown table row at its unescaped pipes: a label
// cell writes the values of a label as phase=<Pending\|Running\|…>, and
// splitting there cut the cell, and the labels after it (uid), off.
func tableCells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, "\\|") {
		line = line[:len(line)-1]
	}
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, cur.String())
}
