package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A stream as `go test -json` writes it for a package with a passing, a
// failing and two skipped tests (one a subtest), and a package that does
// not build.
const stream = `{"Action":"start","Package":"github.com/agentalerts/agentalerts/pkg/a"}
{"Action":"run","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestOK"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestOK","Output":"    a_test.go:5: chatter\n"}
{"Action":"pass","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestOK"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestBad","Output":"=== RUN   TestBad\n"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestBad","Output":"    a_test.go:9: got 1, want 2\n"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestBad"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestTool","Output":"=== RUN   TestTool\n"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestTool","Output":"    tool.go:30: promtool not found on PATH\n"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestTool","Output":"--- SKIP: TestTool (0.00s)\n"}
{"Action":"skip","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestTool"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestB/sub","Output":"    b_test.go:3: promtool not found on PATH\n"}
{"Action":"skip","Package":"github.com/agentalerts/agentalerts/pkg/a","Test":"TestB/sub"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Output":"FAIL\n"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/a","Output":"FAIL\tgithub.com/agentalerts/agentalerts/pkg/a\t0.01s\n"}
{"Action":"fail","Package":"github.com/agentalerts/agentalerts/pkg/a"}
{"ImportPath":"github.com/agentalerts/agentalerts/pkg/b","Action":"build-output","Output":"pkg/b/b.go:3:1: syntax error\n"}
{"ImportPath":"github.com/agentalerts/agentalerts/pkg/b","Action":"build-fail"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/c","Output":"PASS\n"}
{"Action":"output","Package":"github.com/agentalerts/agentalerts/pkg/c","Output":"ok  \tgithub.com/agentalerts/agentalerts/pkg/c\t0.02s\n"}
go: warning: not an event
`

func TestReport(t *testing.T) {
	var out bytes.Buffer
	r := &report{out: &out, buf: map[key][]string{}}
	if err := r.read(strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	r.summary()
	want := `    a_test.go:9: got 1, want 2
--- FAIL: TestBad (0.00s)
FAIL
FAIL	github.com/agentalerts/agentalerts/pkg/a	0.01s
pkg/b/b.go:3:1: syntax error
ok  	github.com/agentalerts/agentalerts/pkg/c	0.02s
go: warning: not an event

skipped 2 tests:
  2 × promtool not found on PATH (pkg/a.TestB/sub, pkg/a.TestTool)

tests: 1 passed, 1 failed, 2 skipped
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if !r.broken || r.failed != 1 {
		t.Errorf("broken=%v failed=%d, want a failed package and one failed test", r.broken, r.failed)
	}
}

func TestReportAllPass(t *testing.T) {
	var out bytes.Buffer
	r := &report{out: &out, buf: map[key][]string{}}
	in := `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.01s\n"}
{"Action":"pass","Package":"p"}
`
	if err := r.read(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	r.summary()
	if diff := cmp.Diff("ok  \tp\t0.01s\n\ntests: 1 passed, 0 failed, 0 skipped\n", out.String()); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if r.broken || r.failed != 0 {
		t.Error("a passing run counted as failed")
	}
}
