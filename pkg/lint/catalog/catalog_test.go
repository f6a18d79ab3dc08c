package catalog

import (
	"strings"
	"testing"
)

func TestLookupAndType(t *testing.T) {
	for _, tc := range []struct{ name, typ string }{
		{"node_cpu_seconds_total", "counter"},
		{"node_memory_MemFree_bytes", "gauge"},
		{"node_memory_MemAvailable_bytes", ""}, // from the 0.16 compatibility rules: untyped
		{"kube_pod_container_status_restarts_total", "counter"},
		{"kube_node_status_capacity", "gauge"},
		{"container_cpu_usage_seconds_total", "counter"},
		{"goldpinger_nodes_health_total", "gauge"},
		{"goldpinger_peers_response_time_s_bucket", "histogram"},
		{"node_filesystem_avail_bytes", ""}, // named by the source only: untyped
		{"my_app_requests_total", ""},
	} {
		if got := Type(tc.name); got != tc.typ {
			t.Errorf("Type(%q) = %q, want %q", tc.name, got, tc.typ)
		}
	}
	if _, ok := Lookup("node_filesystem_avail_bytes"); !ok {
		t.Error("node_filesystem_avail_bytes is not catalogued")
	}
}

func TestRenamed(t *testing.T) {
	for _, tc := range []struct{ name, repl, version string }{
		{"node_filesystem_avail", "node_filesystem_avail_bytes", "0.16.0"},
		{"node_memory_MemFree", "node_memory_MemFree_bytes", "0.16.0"},
		{"node_disk_io_time_ms", "node_disk_io_time_seconds_total * 1000", "0.16.0"},
		{"node_bcache_cache_read_races", "node_bcache_cache_read_races_total", "0.16.0"},
		{"kube_node_status_capacity_cpu_cores", `kube_node_status_capacity{resource="cpu"}`, "2.0.0"},
		{"kube_hpa_status_current_replicas", "kube_horizontalpodautoscaler_status_current_replicas", "2.0.0"},
		{"vcenter_host_network_packet_errors", "vcenter_host_network_packet_error_rate", "0.102.0"},
		{"apiserver_request_count", "apiserver_request_total", "1.14, turned off in 1.17"},
		{"kubelet_pod_start_latency_microseconds", "kubelet_pod_start_duration_seconds", "1.14, turned off in 1.17"},
		{"kubelet_pod_start_latency_microseconds_count", "kubelet_pod_start_duration_seconds_count", "1.14, turned off in 1.17"},
	} {
		r, ok := Renamed(tc.name)
		if !ok || r.Replacement != tc.repl || r.Version != tc.version || r.Source == "" {
			t.Errorf("Renamed(%q) = %+v, %v; want replacement %q in %s", tc.name, r, ok, tc.repl, tc.version)
		}
	}
	if r, _ := Renamed("apiserver_request_latencies_bucket"); r.Replacement != "apiserver_request_duration_seconds_bucket" || r.Note == "" {
		t.Errorf("Renamed(apiserver_request_latencies_bucket) = %+v, want the duration histogram's buckets and a note on the unit", r)
	}
	for _, name := range []string{"node_cpu_seconds_total", "node_bcache_cache_read_races_total", "kube_hpa_", "my_metric",
		"kube_node_status_ready_count", // a suffix only follows a latency summary's rename
	} {
		if r, ok := Renamed(name); ok {
			t.Errorf("Renamed(%q) = %+v, want none: the name is current or unknown", name, r)
		}
	}
}

func TestNear(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"goldpinger_nodes_healthy_total", "goldpinger_nodes_health_total"},
		{"node_memory_MemAvailabel_bytes", "node_memory_MemAvailable_bytes"},
		{"kube_pod_container_resource_request", "kube_pod_container_resource_requests"},
		{"kube_deployment_status_replicas_availabe", "kube_deployment_status_replicas_available"},
	} {
		m, ok := Near(tc.name)
		if !ok || m.Name != tc.want {
			t.Errorf("Near(%q) = %v, %v; want %s", tc.name, m, ok, tc.want)
		}
	}
	for _, name := range []string{
		"node_cpu_seconds_total", // catalogued
		"node_load2",             // a digit: another window, not a typo
		"myapp_nodes_health_total",
		"node_my_textfile_metric",
		"node_memory_active_bytes",   // Darwin's spelling of node_memory_Active_bytes
		"node_zfs_arcstats_pd_bytes", // a kstat field of another ZFS version
	} {
		if m, ok := Near(name); ok {
			t.Errorf("Near(%q) = %s, want none", name, m.Name)
		}
	}
	if !Covers("node_anything") || Covers("vcenter_host_network_packet_rate") {
		t.Error("Covers: node_ is covered, vcenter_ is not")
	}
}

func BenchmarkNear(b *testing.B) {
	load()
	for b.Loop() {
		Near("node_memory_MemAvailabel_bytes")
		Near("kube_pod_container_status_restart_total")
	}
}

func TestMentioned(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{`rate(node_cpu_seconds_total[5m])`, true},
		{`kube_hpa_spec_max_replicas > 1`, true},
		{`vcenter_host_network_packet_errors > 0`, true}, // only in the rename table
		{`rate(apiserver_request_count[5m])`, true},
		{`sum(rate(http_requests_total[5m]))`, false},
	} {
		if got := Mentioned(tc.expr); got != tc.want {
			t.Errorf("Mentioned(%q) = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

// TestData checks the embedded tables as a reviewer would: every row has
// its columns, a known type, a cited source, and no rename names a
// metric the catalog says is exported, nor points at a replacement it
// says is not (for the exporters it catalogues).
func TestData(t *testing.T) {
	types := map[string]bool{"counter": true, "gauge": true, "histogram": true, "summary": true, "info": true, "stateset": true, "untyped": true}
	eachRow("metrics.tsv", func(f []string) {
		if len(f) != 5 || f[0] == "" || !types[f[2]] {
			t.Errorf("metrics.tsv: bad row %q", f)
		}
	})
	for _, file := range []string{"renames.tsv", "renames_node_exporter.tsv"} {
		eachRow(file, func(f []string) {
			if len(f) < 5 || len(f) > 6 || !strings.HasPrefix(f[4], "https://") {
				t.Errorf("%s: bad row %q", file, f)
				return
			}
			if strings.HasSuffix(f[1], "*") {
				return
			}
			if _, ok := Lookup(f[1]); ok {
				t.Errorf("%s: %s is renamed but still exported", file, f[1])
			}
			repl, _, _ := strings.Cut(f[2], "{") // a name, or a name with matchers
			if !isName(repl) || !Covers(repl) {
				return
			}
			if _, ok := Lookup(repl); !ok {
				t.Errorf("%s: %s's replacement %s is not in the catalog", file, f[1], f[2])
			}
		})
	}
}

func TestLacks(t *testing.T) {
	for _, c := range []struct {
		name, label string
		want        bool
	}{
		{"kube_pod_info", "owner_kind", true},
		{"kube_pod_info", "node", false},              // it has node
		{"kube_pod_status_phase", "uid", false},       // listed after the escaped pipes of phase
		{"kube_pod_info", "team", false},              // not a kube-state-metrics label
		{"node_load1", "container", false},            // node_exporter is not judged
		{"agent_requests_total", "owner_kind", false}, // not catalogued
	} {
		if got := Lacks(c.name, c.label); got != c.want {
			t.Errorf("Lacks(%q, %q) = %v, want %v", c.name, c.label, got, c.want)
		}
	}
}
