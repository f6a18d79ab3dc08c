// Package catalog knows, offline, which metrics a few well-known exporters
// export, and which names they renamed or removed.
//
// It exists because a whole family of real alerting bugs is invisible in
// the rule file itself: a selector naming a metric the exporter no longer
// exports (node_exporter 0.16 renamed node_filesystem_avail to
// node_filesystem_avail_bytes; kube-state-metrics 2.0 folded
// kube_node_status_capacity_cpu_cores into kube_node_status_capacity), or a
// typo of a real name (goldpinger_nodes_healthy_total for
// goldpinger_nodes_health_total). PromQL accepts any name, the selector is
// empty, and the alert never fires. Neither promtool nor pint can know
// without a live server; this catalog lets lint know without one.
//
// The data are facts read from upstream files and stored as TSV beside this
// file, embedded at build time: metrics.tsv and renames_node_exporter.tsv
// are written by ./gen (each file's header names the repository, commit and
// paths it read); renames.tsv is curated by hand, each row citing the
// changelog or pull request it comes from.
//
// The catalog is not complete and must never be read as such: the
// exporters' fixtures leave out collectors, and users put their own node_*
// metrics through node_exporter's textfile collector. So "not in the
// catalog" alone means nothing; only a rename row, or a near miss of a
// catalogued name, says something.
package catalog

import (
	"bufio"
	"embed"
	"strings"
	"sync"

	"github.com/agentalerts/agentalerts/internal/textdist"
)

//go:embed metrics.tsv renames.tsv renames_node_exporter.tsv
var data embed.FS

// Metric is one catalogued metric family.
type Metric struct {
	Exporter string // "node_exporter", "kube-state-metrics", "cadvisor", …
	Name     string
	// Type is counter, gauge, histogram, summary, info, stateset, or
	// untyped when the source gave the name but not its type.
	Type string
	// Labels are the label names the source shows, sorted; not
	// necessarily all the metric can carry.
	Labels []string
	// Status is kube-state-metrics' stability (stable, experimental,
	// deprecated); empty elsewhere.
	Status string
}

// Rename is one name an exporter renamed or removed in favour of another
// selector.
type Rename struct {
	Exporter string
	Old      string // the old name; for a prefix row, the name looked up
	// Replacement is what to read instead: a name, a selector with
	// matchers (kube_node_status_capacity{resource="cpu"}), or an
	// expression converting units (node_disk_io_time_seconds_total * 1000).
	Replacement string
	Version     string // the exporter version that renamed it
	Source      string // where the rename is stated
	// Note says what else changed, such as the unit ("the new one
	// measures seconds, the old one microseconds"); usually empty.
	Note string
}

type index struct {
	metrics map[string]*Metric
	renames map[string]Rename
	// prefixRenames are the rows whose old name ends in *.
	prefixRenames []Rename
	// byLen buckets catalogued names by exporter prefix (the part up to
	// the first underscore) and length, so that a near-miss search only
	// compares names of that prefix within one letter of its length.
	byLen map[prefixLen][]*Metric
	// prefixes are the exporter prefixes of the catalogued names.
	prefixes map[string]bool
	// mentioned are the exporter prefixes, with their underscore, of the
	// catalogued and the renamed names, for Mentioned.
	mentioned []string
	// vocab is, per exporter, every label name any of its catalogued
	// metrics carries.
	vocab map[string]map[string]bool
}

type prefixLen struct {
	prefix string
	n      int
}

var load = sync.OnceValue(func() *index {
	ix := &index{metrics: map[string]*Metric{}, renames: map[string]Rename{}, byLen: map[prefixLen][]*Metric{}, prefixes: map[string]bool{}, vocab: map[string]map[string]bool{}}
	eachRow("metrics.tsv", func(f []string) {
		if len(f) < 5 {
			return
		}
		m := &Metric{Exporter: f[0], Name: f[1], Type: f[2], Status: f[4]}
		if f[3] != "" {
			m.Labels = strings.Split(f[3], ",")
		}
		if _, dup := ix.metrics[m.Name]; dup {
			return
		}
		ix.metrics[m.Name] = m
		if ix.vocab[m.Exporter] == nil {
			ix.vocab[m.Exporter] = map[string]bool{}
		}
		for _, l := range m.Labels {
			ix.vocab[m.Exporter][l] = true
		}
		k := prefixLen{prefix(m.Name), len(m.Name)}
		ix.byLen[k] = append(ix.byLen[k], m)
		ix.prefixes[k.prefix] = true
	})
	for _, file := range []string{"renames.tsv", "renames_node_exporter.tsv"} {
		eachRow(file, func(f []string) {
			if len(f) < 5 {
				return
			}
			r := Rename{Exporter: f[0], Old: f[1], Replacement: f[2], Version: f[3], Source: f[4]}
			if len(f) > 5 {
				r.Note = f[5]
			}
			if strings.HasSuffix(r.Old, "*") {
				ix.prefixRenames = append(ix.prefixRenames, r)
				return
			}
			if _, exported := ix.metrics[r.Old]; !exported {
				ix.renames[r.Old] = r
			}
		})
	}
	seen := map[string]bool{}
	add := func(name string) {
		if p := prefix(name) + "_"; !seen[p] {
			seen[p] = true
			ix.mentioned = append(ix.mentioned, p)
		}
	}
	for p := range ix.prefixes {
		add(p)
	}
	for old := range ix.renames {
		add(old)
	}
	for _, r := range ix.prefixRenames {
		add(r.Old)
	}
	return ix
})

// Mentioned reports whether an expression's text names anything under a
// prefix the catalog or its rename table knows (node_, kube_, …): a check
// can pass over an expression that does not without parsing or walking
// it. A false positive (the prefix in a label value) only costs a walk.
func Mentioned(expr string) bool {
	for _, p := range load().mentioned {
		if strings.Contains(expr, p) {
			return true
		}
	}
	return false
}

func eachRow(file string, fn func([]string)) {
	f, err := data.Open(file)
	if err != nil {
		panic("catalog: " + err.Error()) // embedded: cannot happen
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		fn(strings.Split(line, "\t"))
	}
}

// Lookup returns the catalogued family a selector name reads: the name
// itself, or the histogram or summary whose _bucket, _sum or _count
// series it names.
func Lookup(name string) (*Metric, bool) {
	ix := load()
	if m, ok := ix.metrics[name]; ok {
		return m, true
	}
	for _, suf := range [...]string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok {
			if m, ok := ix.metrics[base]; ok && (m.Type == "histogram" || m.Type == "summary") {
				return m, true
			}
		}
	}
	return nil, false
}

// Type is the type the catalog gives a selector name's family ("counter",
// "gauge", "histogram" …), or "" when the name is not catalogued or its
// type is not known. Checks that guess a type from a name (rate of a
// gauge, a raw counter) can ask here first.
func Type(name string) string {
	if m, ok := Lookup(name); ok && m.Type != "untyped" {
		return m.Type
	}
	return ""
}

// Lacks reports whether a kube-state-metrics series of name has no label
// l of kube-state-metrics' own: the catalog lists the metric's labels
// (from the project's metric documentation), l is not among them, and l
// is a label kube-state-metrics writes on other metrics (owner_kind on
// kube_pod_owner, not on kube_pod_info), so no usual relabelling adds
// it. Other exporters' label lists come from fixtures that leave out what
// the kubelet or a relabelling adds, and are not judged.
func Lacks(name, l string) bool {
	m, ok := Lookup(name)
	if !ok || m.Exporter != "kube-state-metrics" || len(m.Labels) == 0 {
		return false
	}
	if !load().vocab[m.Exporter][l] {
		return false
	}
	for _, have := range m.Labels {
		if have == l {
			return false
		}
	}
	return true
}

// Renamed returns the rename row for a name an exporter no longer
// exports. A prefix row (kube_hpa_* to kube_horizontalpodautoscaler_*) is
// returned with Old set to name and Replacement to the name under the new
// prefix.
func Renamed(name string) (Rename, bool) {
	ix := load()
	if r, ok := ix.renames[name]; ok {
		return r, true
	}
	if _, ok := Lookup(name); ok {
		return Rename{}, false
	}
	// The _count, _sum and _bucket series of a renamed latency summary
	// or histogram (kubelet_pod_start_latency_microseconds_count).
	for _, suf := range [...]string{"_count", "_sum", "_bucket"} {
		base, ok := strings.CutSuffix(name, suf)
		if !ok || !strings.Contains(base, "latenc") {
			continue
		}
		if r, ok := ix.renames[base]; ok && isName(r.Replacement) {
			r.Old, r.Replacement = name, r.Replacement+suf
			return r, true
		}
	}
	for _, r := range ix.prefixRenames {
		old, repl := strings.TrimSuffix(r.Old, "*"), strings.TrimSuffix(r.Replacement, "*")
		if rest, ok := strings.CutPrefix(name, old); ok && rest != "" {
			r.Old, r.Replacement = name, repl+rest
			return r, true
		}
	}
	return Rename{}, false
}

// Near returns a catalogued metric whose name is one letter away from
// name (one added, dropped or changed, or two neighbours swapped, never a
// digit: node_load1 and node_load5 are two metrics), under the same
// exporter prefix, when name itself is not catalogued. Its cost is a few
// comparisons: only names of that prefix within one of its length are
// looked at.
//
// Names spelt with other capitals are left alone: node_exporter spells
// one metric differently per platform (node_memory_Active_bytes on Linux,
// node_memory_active_bytes on Darwin). So are the families in
// hostNamed.
func Near(name string) (*Metric, bool) {
	if _, ok := Lookup(name); ok {
		return nil, false
	}
	for _, h := range hostNamed {
		if strings.HasPrefix(name, h) {
			return nil, false
		}
	}
	ix := load()
	p := prefix(name)
	for n := len(name) - 1; n <= len(name)+1; n++ {
		for _, m := range ix.byLen[prefixLen{p, n}] {
			if textdist.OneLetterApart(name, m.Name) && !strings.EqualFold(name, m.Name) {
				return m, true
			}
		}
	}
	return nil, false
}

// hostNamed are the node_exporter families whose metric names come from
// the host (ZFS kstat and /proc/net/stat fields, which differ by kernel
// and ZFS version; NIC driver statistics) or from the user's flags
// (sysctl): a name one letter from a catalogued one there is as likely
// another host's metric as a typo (node_zfs_arcstats_pd_bytes beside
// node_zfs_arcstats_p_bytes).
var hostNamed = []string{"node_zfs_", "node_lnstat_", "node_ethtool_", "node_sysctl_"}

// Covers reports whether a name is under a prefix one of the catalogued
// exporters owns (node_, kube_, container_, machine_, goldpinger_), that
// is, whether Near can say anything about it.
func Covers(name string) bool {
	return load().prefixes[prefix(name)]
}

// isName reports whether s is a bare metric name, not a selector with
// matchers or an expression.
func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func prefix(name string) string {
	if i := strings.IndexByte(name, '_'); i > 0 {
		return name[:i]
	}
	return name
}
