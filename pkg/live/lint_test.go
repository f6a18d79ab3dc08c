package live_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/internal/promtest"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/live"
)

var repo = filepath.Join("..", "..")

func startVLLM(t *testing.T) *promtest.Server {
	t.Helper()
	return promtest.Start(t, []promtest.Job{{Name: "vllm", File: filepath.Join(repo, "testdata", "presets", "vllm.prom")}})
}

func TestLintAgainstPrometheus(t *testing.T) {
	prom := startVLLM(t)
	at := time.Now()
	srv, err := live.Connect(context.Background(), live.Options{URL: prom.URL, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.ScrapeInterval("vllm"); got != time.Second {
		t.Errorf("scrape interval of job vllm = %s, want 1s", got)
	}
	dir := filepath.Join(repo, "testdata", "live")
	rules, recorded := filepath.Join(dir, "lint.rules.yaml"), filepath.Join(dir, "recorded.rules.yaml")
	want := []string{
		"lint.rules.yaml:7:20 live/metric-type use deriv() or delta() for a gauge's change, or the gauge itself",
		"lint.rules.yaml:9:15 live/series-missing did you mean vllm:num_requests_waiting?",
		"lint.rules.yaml:11:15 live/label-missing did you mean model_name?",
		"lint.rules.yaml:13:15 live/label-missing did you mean model_name?",
		"lint.rules.yaml:17:32 live/label-missing did you mean model_name?",
		"lint.rules.yaml:19:20 live/rate-window use [4s] or more",
		"lint.rules.yaml:21:15 live/series-missing ",
	}
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		// vllm:waiting:avg is recorded by the other file of the run.
		{"with the recording rules", []string{rules, recorded}, want},
		// Alone, nothing records it and the server does not have it.
		{"without them", []string{rules}, append(want[:len(want):len(want)], "lint.rules.yaml:35:15 live/series-missing ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := lint.Lint(tt.paths, nil, lint.Options{Checks: live.Checks(srv)})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Err(); err != nil {
				t.Fatal(err)
			}
			var got []string
			stamp := fmt.Sprintf("[prometheus %s at %s: ", prom.URL, at.UTC().Format(time.RFC3339))
			for _, d := range res.Diagnostics {
				got = append(got, fmt.Sprintf("%s:%d:%d %s %s", filepath.Base(d.Pos.File), d.Pos.Line, d.Pos.Column, d.Check, d.Fix))
				if !strings.Contains(d.Message, stamp) {
					t.Errorf("%s: message does not say which server answered when: %s", d.Pos, d.Message)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Without a server the live checks find nothing: they exist for explain
// and the docs, and lint never reaches a network unless asked.
func TestChecksWithoutServer(t *testing.T) {
	path := filepath.Join(repo, "testdata", "live", "lint.rules.yaml")
	res, err := lint.Lint([]string{path}, nil, lint.Options{Checks: live.Checks(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 0 {
		t.Errorf("got %d findings without a server, want none: %v", len(res.Diagnostics), res.Diagnostics)
	}
}
