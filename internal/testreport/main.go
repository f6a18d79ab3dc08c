// Command testreport reads `go test -json` on standard input and prints
// what plain `go test` prints (package results, the output of failing
// tests, build errors), then what plain `go test` hides: which tests were
// skipped and why, grouped by reason, and a closing count. `make test`
// pipes into it so that a workstation run without promtool says so instead
// of passing quietly.
//
// It exits 1 when a test, a package or a build failed, so that the pipe
// fails even where pipefail is off.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json's TestEvent).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output and build-fail events
}

type key struct{ pkg, test string }

type skip struct {
	test   string // package.TestName/sub
	reason string
}

type report struct {
	out                    io.Writer
	buf                    map[key][]string
	skips                  []skip
	passed, failed, skipno int
	broken                 bool // a package or build failed outside a test
}

func main() {
	r := &report{out: os.Stdout, buf: map[key][]string{}}
	if err := r.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	r.summary()
	if r.failed > 0 || r.broken {
		os.Exit(1)
	}
}

func (r *report) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// Not an event (go vet output, a crash of go itself): pass it on.
			fmt.Fprintf(r.out, "%s\n", line)
			continue
		}
		r.event(e)
	}
	return sc.Err()
}

func (r *report) event(e event) {
	k := key{e.Package, e.Test}
	switch e.Action {
	case "build-output":
		fmt.Fprint(r.out, e.Output)
	case "build-fail":
		r.broken = true
	case "output":
		if e.Test == "" {
			// Package lines: "ok  pkg 1.2s", "FAIL pkg", "? pkg [no test
			// files]", panics outside a test. "PASS" is what -v adds.
			if e.Output != "PASS\n" {
				fmt.Fprint(r.out, e.Output)
			}
			return
		}
		r.buf[k] = append(r.buf[k], e.Output)
	case "pass":
		if e.Test != "" {
			r.passed++
		}
		delete(r.buf, k)
	case "skip":
		if e.Test != "" {
			r.skipno++
			r.skips = append(r.skips, skip{test: shortPkg(e.Package) + "." + e.Test, reason: skipReason(r.buf[k])})
		}
		delete(r.buf, k)
	case "fail":
		if e.Test == "" {
			r.broken = true
			return
		}
		r.failed++
		for _, l := range r.buf[k] {
			if !strings.HasPrefix(l, "=== ") {
				fmt.Fprint(r.out, l)
			}
		}
		delete(r.buf, k)
	}
}

// logPrefix is what t.Skip's output starts with: "    file_test.go:12: ".
var logPrefix = regexp.MustCompile(`^\s+\S+\.go:\d+: `)

// skipReason is the last line the test logged before "--- SKIP", without
// its file:line, so that one reason given by many tests groups together.
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimRight(lines[i], "\n")
		if strings.HasPrefix(strings.TrimSpace(l), "--- ") || strings.HasPrefix(l, "=== ") || strings.TrimSpace(l) == "" {
			continue
		}
		return strings.TrimSpace(logPrefix.ReplaceAllString(l, ""))
	}
	return "(no reason given)"
}

func shortPkg(p string) string {
	const mod = "github.com/agentalerts/agentalerts/"
	return strings.TrimPrefix(p, mod)
}

func (r *report) summary() {
	if len(r.skips) > 0 {
		by := map[string][]string{}
		for _, s := range r.skips {
			by[s.reason] = append(by[s.reason], s.test)
		}
		reasons := make([]string, 0, len(by))
		for reason := range by {
			reasons = append(reasons, reason)
		}
		sort.Slice(reasons, func(i, j int) bool {
			if len(by[reasons[i]]) != len(by[reasons[j]]) {
				return len(by[reasons[i]]) > len(by[reasons[j]])
			}
			return reasons[i] < reasons[j]
		})
		fmt.Fprintf(r.out, "\nskipped %d tests:\n", len(r.skips))
		for _, reason := range reasons {
			tests := by[reason]
			sort.Strings(tests)
			more := ""
			if len(tests) > 3 {
				more = fmt.Sprintf(", +%d more", len(tests)-3)
				tests = tests[:3]
			}
			fmt.Fprintf(r.out, "  %d × %s (%s%s)\n", len(by[reason]), reason, strings.Join(tests, ", "), more)
		}
	}
	fmt.Fprintf(r.out, "\ntests: %d passed, %d failed, %d skipped\n", r.passed, r.failed, r.skipno)
}
