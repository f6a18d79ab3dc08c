// Package promtest runs a real Prometheus server for tests, on 127.0.0.1
// only, scraping exposition files served by an httptest server, so live
// checks are tested against the server they will meet rather than a fake.
package promtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentalerts/agentalerts/internal/testtool"
)

// Job is one scrape job: its name, the exposition file its target serves
// and its scrape interval (0 for the global 1s).
type Job struct {
	Name     string
	File     string
	Interval time.Duration
}

// Server is a running Prometheus.
type Server struct {
	URL string
}

// readyTimeout bounds the wait for start-up and the first scrapes; the
// polling ends as soon as they happened.
const readyTimeout = 60 * time.Second

// Start runs Prometheus scraping jobs every second (unless a job says
// otherwise) and returns once every job's first scrape is stored. The
// server is stopped when the test ends.
func Start(t *testing.T, jobs []Job) *Server {
	t.Helper()
	bin := testtool.Need(t, "prometheus")
	mux := http.NewServeMux()
	for _, j := range jobs {
		data, err := os.ReadFile(j.File)
		if err != nil {
			t.Fatal(err)
		}
		mux.HandleFunc("/metrics/"+j.Name, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			_, _ = w.Write(data)
		})
	}
	target := httptest.NewUnstartedServer(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target.Listener = ln
	target.Start()
	t.Cleanup(target.Close)
	host := strings.TrimPrefix(target.URL, "http://")

	var cfg strings.Builder
	cfg.WriteString("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n")
	for _, j := range jobs {
		fmt.Fprintf(&cfg, "  - job_name: %q\n    metrics_path: /metrics/%s\n", j.Name, j.Name)
		if j.Interval > 0 {
			fmt.Fprintf(&cfg, "    scrape_interval: %s\n", j.Interval)
		}
		fmt.Fprintf(&cfg, "    static_configs:\n      - targets: [%q]\n", host)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// A free port can be taken between probing and binding: try again.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		var logs syncBuffer
		cmd := exec.Command(bin,
			"--config.file="+cfgPath,
			"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("data%d", attempt)),
			"--web.listen-address="+addr,
			"--log.level=warn",
		)
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = cmd.Process.Kill()
			<-exited
		}
		s := &Server{URL: "http://" + addr}
		if lastErr = s.waitScraped(jobs, exited); lastErr == nil {
			t.Cleanup(stop)
			return s
		}
		stop()
		lastErr = fmt.Errorf("%w\nprometheus log:\n%s", lastErr, logs.String())
	}
	t.Fatalf("prometheus did not start: %v", lastErr)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitScraped polls until every job has an up series of 1.
func (s *Server) waitScraped(jobs []Job, exited <-chan struct{}) error {
	want := map[string]bool{}
	for _, j := range jobs {
		want[j.Name] = true
	}
	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-exited:
			return fmt.Errorf("prometheus exited")
		default:
		}
		got, err := s.upJobs(client)
		if err == nil {
			missing := 0
			for j := range want {
				if !got[j] {
					missing++
				}
			}
			if missing == 0 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("jobs not scraped within %s (last error: %v, up: %v)", readyTimeout, err, keys(got))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *Server) upJobs(client *http.Client) (map[string]bool, error) {
	resp, err := client.Get(s.URL + "/api/v1/query?query=" + url.QueryEscape("up == 1"))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	got := map[string]bool{}
	for _, r := range body.Data.Result {
		got[r.Metric["job"]] = true
	}
	return got, nil
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
