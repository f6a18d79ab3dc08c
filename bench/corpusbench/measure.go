package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// sample is one run of one child process.
type sample struct {
	Wall, CPU time.Duration
	MaxRSS    int64 // bytes; 0 when the platform does not say
	Exit      int
	// Output, only when captured.
	Stdout []byte
	Stderr string
}

// runChild runs argv in dir and measures it: wall time from start to
// exit, and the CPU time and peak RSS the kernel accounted to the child.
// Stdout is kept only when capture is set (it is read all the same, so a
// tool never blocks on a full pipe); stderr is kept for error messages.
//
// The tool is started by a launcher, this very program re-executed as
// "corpusbench exec", not by the benchmark itself: Linux starts children
// with vfork and, at exec, charges the peak RSS of the parent's address
// space to the child's ru_maxrss, so every tool would seem to use at least
// the memory the benchmark ever used. The launcher is small and does
// nothing but start, wait and report.
func runChild(dir string, capture bool, argv ...string) (sample, string, error) {
	self, err := os.Executable()
	if err != nil {
		return sample{}, "", err
	}
	report, err := os.CreateTemp("", "corpusbench-usage-")
	if err != nil {
		return sample{}, "", err
	}
	report.Close()
	defer os.Remove(report.Name())

	cmd := exec.Command(self, append([]string{launcherArg, report.Name()}, argv...)...)
	cmd.Dir = dir
	var out countingBuffer
	out.keep = capture
	var stderr bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return sample{}, stderr.String(), fmt.Errorf("%s: %w", argv[0], err)
	}
	b, err := os.ReadFile(report.Name())
	if err != nil {
		return sample{}, stderr.String(), err
	}
	var u launchReport
	if len(b) == 0 || json.Unmarshal(b, &u) != nil {
		return sample{}, stderr.String(), fmt.Errorf("%s: %s", argv[0], lastLines(stderr.String(), 5))
	}
	s := sample{Wall: u.Wall, CPU: u.CPU, MaxRSS: u.MaxRSS, Exit: u.Exit, Stdout: out.buf.Bytes()}
	if capture {
		s.Stderr = stderr.String()
	}
	return s, stderr.String(), nil
}

// launcherArg is the first argument that makes this program the launcher.
const launcherArg = "exec"

// launchReport is what the launcher hands back, in the file it is given.
type launchReport struct {
	Wall, CPU time.Duration
	MaxRSS    int64
	Exit      int
}

// launch is the launcher: launch REPORT ARGV... runs ARGV with this
// process's stdout and stderr, and writes its measurements to REPORT. A
// tool that cannot be started leaves REPORT empty.
func launch(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: corpusbench exec REPORT PROGRAM [ARG...]")
		return 2
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	u := launchReport{Wall: wall, Exit: cmd.ProcessState.ExitCode()}
	u.CPU, u.MaxRSS, _ = usage(cmd.ProcessState)
	b, _ := json.Marshal(u)
	if err := os.WriteFile(args[0], b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// countingBuffer drains a child's output, keeping it only when asked, so
// a 30 MB report costs the benchmark no memory it does not need.
type countingBuffer struct {
	keep bool
	n    int64
	buf  bytes.Buffer
}

func (c *countingBuffer) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if c.keep {
		c.buf.Write(p)
	}
	return len(p), nil
}

// series summarises the runs of one tool on one input.
type series struct {
	samples []sample
}

// Wall is the median wall time: robust to one run disturbed by the rest
// of the machine, and still a time a user would see.
func (s *series) Wall() time.Duration {
	return median(s.samples, func(x sample) time.Duration { return x.Wall })
}

// CPU is the median user+system time, which load on the machine disturbs
// much less than wall time.
func (s *series) CPU() time.Duration {
	return median(s.samples, func(x sample) time.Duration { return x.CPU })
}

// Fastest is the shortest wall time: on a busy machine, the run least
// disturbed by the rest.
func (s *series) Fastest() time.Duration {
	var m time.Duration
	for i, x := range s.samples {
		if i == 0 || x.Wall < m {
			m = x.Wall
		}
	}
	return m
}

// MaxRSS is the highest peak RSS of any run.
func (s *series) MaxRSS() int64 {
	var m int64
	for _, x := range s.samples {
		m = max(m, x.MaxRSS)
	}
	return m
}

func median(samples []sample, f func(sample) time.Duration) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	v := make([]time.Duration, len(samples))
	for i, s := range samples {
		v[i] = f(s)
	}
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// tool is one program measured on an input.
type tool struct {
	name    string
	argv    []string
	okExit  func(int) bool
	capture bool // keep the first run's stdout, to check what it saw
}

// measureAll runs every tool runs times, interleaved (a, b, c, a, b, c,
// ...), so a burst of load elsewhere on the machine falls on all of them
// alike rather than on whichever ran during it.
func measureAll(dir string, runs int, tools []tool) ([]*series, error) {
	out := make([]*series, len(tools))
	for i := range out {
		out[i] = &series{}
	}
	for r := 0; r < runs; r++ {
		for i, t := range tools {
			s, stderr, err := runChild(dir, t.capture && r == 0, t.argv...)
			if err != nil {
				return nil, err
			}
			if !t.okExit(s.Exit) {
				return nil, fmt.Errorf("%s exited with status %d:\n%s", t.name, s.Exit, lastLines(stderr, 10))
			}
			out[i].samples = append(out[i].samples, s)
		}
	}
	return out, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func exitIs(codes ...int) func(int) bool {
	return func(c int) bool {
		for _, x := range codes {
			if c == x {
				return true
			}
		}
		return false
	}
}
