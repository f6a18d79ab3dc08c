package main

import (
	"bytes"
	"errors"
	"fmt"
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
func runChild(dir string, capture bool, argv ...string) (sample, string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	var out countingBuffer
	out.keep = capture
	var stderr bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return sample{}, stderr.String(), fmt.Errorf("%s: %w", argv[0], err)
	}
	s := sample{Wall: wall, Exit: cmd.ProcessState.ExitCode(), Stdout: out.buf.Bytes()}
	if capture {
		s.Stderr = stderr.String()
	}
	s.CPU, s.MaxRSS, _ = usage(cmd.ProcessState)
	return s, stderr.String(), nil
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
