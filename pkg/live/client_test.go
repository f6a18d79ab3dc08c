package live

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// configJSON is what /api/v1/status/config answers, for the stub servers
// that test the client's bounds (the checks are tested on a real server).
const configJSON = `{"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 1m\n"}}`

func stub(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h) // httptest listens on 127.0.0.1
	t.Cleanup(s.Close)
	return s.URL
}

func config(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(configJSON))
}

func TestConnectReadsScrapeIntervals(t *testing.T) {
	s, err := Connect(context.Background(), Options{URL: stub(t, config)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Duration{"a": s.ScrapeInterval("a"), "b": s.ScrapeInterval("b"), "unknown": s.ScrapeInterval("unknown")}
	want := map[string]time.Duration{"a": 15 * time.Second, "b": time.Minute, "unknown": 15 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestConnectErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	release := make(chan struct{})
	slow := stub(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	notProm := stub(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusNotFound) })
	big := stub(t, config)

	tests := []struct {
		name string
		o    Options
		want []string // substrings of the error
		// limit is the limit the error says it is over (the CLI names
		// its flag), empty for none.
		limit diag.Limit
	}{
		{"unreachable", Options{URL: closed}, []string{"prometheus " + closed, "/api/v1/status/config", "connection refused"}, ""},
		{"slow", Options{URL: slow, Timeout: 50 * time.Millisecond}, []string{"prometheus " + slow, "no answer within 50ms"}, LimitTimeout},
		{"not prometheus", Options{URL: notProm}, []string{"prometheus " + notProm, "404"}, ""},
		{"response too large", Options{URL: big, MaxResponseBytes: 16}, []string{"response larger than 16 bytes"}, LimitResponseSize},
		{"not a URL", Options{URL: "localhost:9090"}, []string{`prometheus URL "localhost:9090": want http(s)://`}, ""},
		{"two tokens", Options{URL: big, Getenv: env(map[string]string{EnvBearerToken: "x", EnvBearerTokenFile: "/f"})}, []string{"exclude each other"}, ""},
		{"password without user", Options{URL: big, Getenv: env(map[string]string{EnvPassword: "x"})}, []string{EnvUsername + " is not"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Connect(context.Background(), tt.o)
			if err == nil {
				t.Fatal("Connect succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var le *diag.LimitError
			var got diag.Limit
			if errors.As(err, &le) {
				got = le.Limit
			}
			if got != tt.limit {
				t.Errorf("error %q is over limit %q, want %q", err, got, tt.limit)
			}
		})
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRequestLimit(t *testing.T) {
	s, err := Connect(context.Background(), Options{URL: stub(t, config), MaxRequests: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Jobs("up")
	var le *diag.LimitError
	if err == nil || !strings.Contains(err.Error(), "more than 1 requests") || !errors.As(err, &le) || le.Limit != LimitRequests {
		t.Errorf("second request: error %v, want the request limit", err)
	}
}

func TestCredentialsFromEnvironment(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("filetoken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string // the Authorization header the server sees
	}{
		{"none", nil, ""},
		{"bearer", map[string]string{EnvBearerToken: "secret"}, "Bearer secret"},
		{"bearer file", map[string]string{EnvBearerTokenFile: tokenFile}, "Bearer filetoken"},
		{"basic", map[string]string{EnvUsername: "u", EnvPassword: "p"}, "Basic dTpw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			url := stub(t, func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Get("Authorization")
				config(w, r)
			})
			if _, err := Connect(context.Background(), Options{URL: url, Getenv: env(tt.env)}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTLSOptions(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(config))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		o       Options
		wantErr string
	}{
		{"unknown authority", Options{URL: srv.URL}, "certificate"},
		{"ca file", Options{URL: srv.URL, CAFile: ca}, ""},
		{"insecure", Options{URL: srv.URL, InsecureSkipVerify: true}, ""},
		{"missing ca file", Options{URL: srv.URL, CAFile: ca + ".missing"}, "ca.pem.missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Connect(context.Background(), tt.o)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
