package cmd

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Run beside every hostile test file: its passing line proves the run
// went on after the hostile file was refused.
const (
	okRules = "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n"
	okTest  = "rule_files: [ok-rules.yaml]\ntests:\n  - input_series: [{series: up, values: '0'}]\n    alert_rule_test: [{eval_time: 0, alertname: Down, exp_alerts: [{}]}]\n"
	okLine  = "ok   ok.test.yaml (1 groups, 1 cases)\n"
)

// doubling is a template that doubles a 16-byte string 20 times: a tiny
// rule file whose annotation expands to 16 MiB.
var doubling = `{{ $a := "aaaaaaaaaaaaaaaa" }}` + strings.Repeat(`{{ $a = printf "%s%s" $a $a }}`, 20) + `{{ $a }}`

// TestTestHostileInput: every kind of hostile or broken test input is
// refused with a message naming the file (and line), before the work it
// would cost; the exit code is 2 and ok.test.yaml, run after it, passes.
func TestTestHostileInput(t *testing.T) {
	group := func(body string) string {
		return "tests:\n  - input_series:\n      - series: up\n        values: '1'\n" + body
	}
	tests := []struct {
		name  string
		files map[string]string // written to the working directory; "FIFO" and "ZERO" make a FIFO and a link to /dev/zero
		flags []string
		want  string // stderr
		// The want is only the start of stderr: the rest is Prometheus's
		// panic, whose wording is not ours.
		prefix bool
	}{
		{name: "test file is a FIFO", files: map[string]string{"bad.test.yaml": "FIFO"},
			want: "agentalerts: bad.test.yaml: error: bad.test.yaml is a FIFO, not a regular file: expected a YAML file (unittest/read-error)\n"},
		{name: "test file is /dev/zero", files: map[string]string{"bad.test.yaml": "ZERO"},
			want: "agentalerts: bad.test.yaml: error: bad.test.yaml is a character device, not a regular file: expected a YAML file (unittest/read-error)\n"},
		{name: "test file over --max-file-size", files: map[string]string{"bad.test.yaml": group(strings.Repeat("# comment\n", 200))},
			flags: []string{"--max-file-size", "1KiB"},
			want:  "agentalerts: bad.test.yaml: error: bad.test.yaml is larger than 1024 bytes (--max-file-size) (unittest/read-error)\n"},
		{name: "rule file is a FIFO", files: map[string]string{"fifo.yaml": "FIFO", "bad.test.yaml": "rule_files: [fifo.yaml]\n" + group("")},
			want: "agentalerts: bad.test.yaml:1:14: error: rule file fifo.yaml is a FIFO, not a regular file: expected a YAML file (unittest/read-error)\n"},
		{name: "rule file is /dev/zero", files: map[string]string{"zero.yaml": "ZERO", "bad.test.yaml": "rule_files:\n  - zero.yaml\n" + group("")},
			want: "agentalerts: bad.test.yaml:2:5: error: rule file zero.yaml is a character device, not a regular file: expected a YAML file (unittest/read-error)\n"},
		{name: "rule_files matching too many files", files: map[string]string{
			"x1.yaml": okRules, "x2.yaml": okRules, "x3.yaml": okRules, "x4.yaml": okRules, "x5.yaml": okRules, "x6.yaml": okRules,
			"bad.test.yaml": "rule_files: [x1.yaml, 'x*.yaml']\n" + group("")},
			flags: []string{"--max-rule-files", "5"},
			// Counted before any is read: a pattern such as /*/*/* would
			// otherwise read the whole disk.
			want: "agentalerts: bad.test.yaml:1:23: error: rule_files pattern \"x*.yaml\" brings the rule files of this test file to 6, over the limit of 5 (--max-rule-files) (unittest/limit)\n"},
		{name: "a rule file that is not YAML", files: map[string]string{
			"rules.yaml":    "groups:\n  - name: g\n    rules: [\n",
			"bad.test.yaml": "rule_files: [rules.yaml]\n" + group("")},
			// Once, as lint reports it: the file is read through
			// internal/yamlx before rulefmt, which would return it twice.
			want: "agentalerts: rules.yaml:3:5: error: YAML syntax: did not find expected node content (yaml/syntax)\n"},
		{name: "empty test file", files: map[string]string{"bad.test.yaml": ""},
			want: "agentalerts: bad.test.yaml: error: no test groups: the file is empty or has no tests: list, so nothing would be tested (unittest/empty)\n"},
		{name: "test file of comments", files: map[string]string{"bad.test.yaml": "# tests: to come\n"},
			want: "agentalerts: bad.test.yaml: error: no test groups: the file is empty or has no tests: list, so nothing would be tested (unittest/empty)\n"},
		{name: "series of 10^8 samples", files: map[string]string{"bad.test.yaml": "tests:\n  - input_series:\n      - series: up\n        values: 1+2x100000000\n"},
			want: "agentalerts: bad.test.yaml:4:17: error: input series up expands to 100000001 samples, over the limit of 1000000 per series (--max-series-samples) (unittest/limit)\n"},
		{name: "gaps beyond 2^64", files: map[string]string{"bad.test.yaml": "tests:\n  - input_series:\n      - series: up\n        values: '1 _x100000000000000000000'\n"},
			want: "agentalerts: bad.test.yaml:4:18: error: input series up expands to more than 2^64 samples, over the limit of 1000000 per series (--max-series-samples) (unittest/limit)\n"},
		{name: "series over a lowered --max-series-samples", files: map[string]string{"bad.test.yaml": "tests:\n  - input_series:\n      - series: up\n        values: 0+1x20\n"},
			flags: []string{"--max-series-samples", "20"},
			want:  "agentalerts: bad.test.yaml:4:17: error: input series up expands to 21 samples, over the limit of 20 per series (--max-series-samples) (unittest/limit)\n"},
		{name: "samples of a file over --max-samples", files: map[string]string{"bad.test.yaml": "tests:\n  - input_series:\n      - {series: a, values: 0x5}\n  - input_series:\n      - {series: b, values: 0x5}\n      - {series: c, values: 0x5}\n"},
			flags: []string{"--max-samples", "15"},
			want:  "agentalerts: bad.test.yaml:6:29: error: the input series of this file expand to 18 samples up to here, over the limit of 15 per file (--max-samples) (unittest/limit)\n"},
		{name: "histogram expected sample repeated", files: map[string]string{"bad.test.yaml": group("    promql_expr_test:\n      - expr: up\n        exp_samples:\n          - histogram: '{{count:1}}x100000000000'\n")},
			want: "agentalerts: bad.test.yaml:8:13: error: invalid histogram \"{{count:1}}x100000000000\" in expected sample: expands to 100000000001 values (unittest/series)\n"},
		{name: "1ms evaluations over thousands of hours", files: map[string]string{"bad.test.yaml": "evaluation_interval: 1ms\n" + group("    alert_rule_test:\n      - eval_time: 5000h\n        alertname: A\n")},
			want: "agentalerts: bad.test.yaml:7:9: error: eval_time 208d8h at evaluation_interval 1ms takes 18000000001 rule evaluations, over the limit of 1000000 per test file (--max-eval-steps) (unittest/limit)\n"},
		{name: "evaluations of a file over --max-eval-steps", files: map[string]string{"bad.test.yaml": group("    promql_expr_test: [{expr: up, eval_time: 10m}]\n") +
			"  - promql_expr_test: [{expr: up, eval_time: 10m}]\n"},
			flags: []string{"--max-eval-steps", "15"},
			want:  "agentalerts: bad.test.yaml:6:24: error: this test group brings the rule evaluations of the file to 22, over the limit of 15 per test file (--max-eval-steps) (unittest/limit)\n"},
		{name: "100,000 cases", files: map[string]string{"bad.test.yaml": group("    promql_expr_test:\n" + strings.Repeat("      - {expr: up}\n", 100000))},
			want: "agentalerts: bad.test.yaml:2:5: error: this test group brings the alert_rule_test and promql_expr_test cases of the file to 100000, over the limit of 10000 per test file (--max-cases) (unittest/limit)\n"},
		{name: "thousands of empty test groups", files: map[string]string{"bad.test.yaml": "tests:\n" + strings.Repeat("  - {}\n", 20000)},
			want: "agentalerts: bad.test.yaml:5002:5: error: test group number 5001, over the limit of 5000 test groups per file (--max-groups) (unittest/limit)\n"},
		{name: "subquery in promql_expr_test", files: map[string]string{"bad.test.yaml": group("    promql_expr_test:\n      - expr: max_over_time(up[10000d:1ms])\n        eval_time: 1m\n")},
			want: "agentalerts: bad.test.yaml:6:9: error: expr \"max_over_time(up[10000d:1ms])\" evaluates 864000000001 subquery steps, over the limit of 1000000 (--max-subquery-steps) (unittest/limit)\n"},
		{name: "nested subqueries in a rule file", files: map[string]string{
			"rules.yaml":    "groups:\n  - name: g\n    rules:\n      - record: x\n        expr: max_over_time(max_over_time(up[1d:1s])[1d:])\n",
			"bad.test.yaml": "rule_files: [rules.yaml]\n" + group("")},
			want: "agentalerts: rules.yaml:5:15: error: group \"g\", rule \"x\": expr evaluates 124503841 subquery steps, over the limit of 1000000 (--max-subquery-steps) (unittest/limit)\n"},
		{name: "label value over 16 MiB", files: map[string]string{"bad.test.yaml": "tests:\n  - input_series:\n      - series: 'up{a=\"" + strings.Repeat("a", 17<<20) + "\"}'\n        values: '1'\n"},
			want: "agentalerts: bad.test.yaml:3:18: error: input series up{a=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa... has a label name or value over 1048576 bytes (--max-label-size) (unittest/limit)\n"},
		{name: "label value over --max-label-size", files: map[string]string{"bad.test.yaml": "tests:\n  - input_series:\n      - series: 'up{a=\"" + strings.Repeat("a", 2000) + "\"}'\n        values: '1'\n"},
			flags: []string{"--max-label-size", "1KiB"},
			want:  "agentalerts: bad.test.yaml:3:18: error: input series label \"a\" has a value of 2000 bytes, over the limit of 1024 (--max-label-size) (unittest/limit)\n"},
		{name: "expected labels and annotations over --max-label-size", files: map[string]string{"bad.test.yaml": group(
			"    external_labels: {e: " + strings.Repeat("e", 2000) + "}\n" +
				"    alert_rule_test:\n      - eval_time: 0\n        alertname: A\n        exp_alerts:\n          - exp_annotations: {d: " + strings.Repeat("d", 2000) + "}\n" +
				"    promql_expr_test:\n      - expr: up\n        exp_samples:\n          - labels: 'up{l=\"" + strings.Repeat("l", 2000) + "\"}'\n")},
			flags: []string{"--max-label-size", "1KiB"},
			want: "agentalerts: bad.test.yaml:2:5: error: external_labels \"e\" has a value of 2000 bytes, over the limit of 1024 (--max-label-size) (unittest/limit)\n" +
				"agentalerts: bad.test.yaml:7:9: error: exp_annotations \"d\" has a value of 2000 bytes, over the limit of 1024 (--max-label-size) (unittest/limit)\n" +
				"agentalerts: bad.test.yaml:14:22: error: expected sample label \"l\" has a value of 2000 bytes, over the limit of 1024 (--max-label-size) (unittest/limit)\n"},
		{name: "rule annotation over --max-label-size", files: map[string]string{
			"rules.yaml":    "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations: {d: " + strings.Repeat("d", 2000) + "}\n",
			"bad.test.yaml": "rule_files: [rules.yaml]\n" + group("")},
			flags: []string{"--max-label-size", "1KiB"},
			want:  "agentalerts: rules.yaml:5:15: error: group \"g\", rule \"A\": annotation \"d\" has a value of 2000 bytes, over the limit of 1024 (--max-label-size) (unittest/limit)\n"},
		{name: "template expanding to 16 MiB", files: map[string]string{
			"rules.yaml":    "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations:\n          d: '" + doubling + "'\n",
			"bad.test.yaml": "rule_files: [rules.yaml]\n" + group("    alert_rule_test: [{eval_time: 0, alertname: A}]\n")},
			// Prometheus's rule evaluation panics on the expanded annotation;
			// the panic is this file's error.
			want: "agentalerts: bad.test.yaml: error: internal error while running this file (please report it): test group \"unnamed#0\": ", prefix: true},
		{name: "a broken rule file matched by two patterns", files: map[string]string{
			"rules.yaml":    "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n",
			"bad.test.yaml": "rule_files: [rules.yaml, 'rule*.yaml']\n" + group("")},
			// Once, not once per pattern.
			want: "agentalerts: rules.yaml:5:19: error: PromQL: unexpected end of input (promql/syntax)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			files := map[string]string{"ok.test.yaml": okTest, "ok-rules.yaml": okRules}
			for k, v := range tt.files {
				files[k] = v
			}
			for name, content := range files {
				var err error
				switch content {
				case "FIFO":
					err = syscall.Mkfifo(name, 0o644)
				case "ZERO":
					err = os.Symlink("/dev/zero", name)
				default:
					err = os.WriteFile(name, []byte(content), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			var out, errOut bytes.Buffer
			args := append(append([]string{"test"}, tt.flags...), "bad.test.yaml", "ok.test.yaml")
			code := Run(args, &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			// The report of the files that ran; the bad file's error is
			// on stderr only.
			if diff := cmp.Diff(okLine, out.String()); diff != "" {
				t.Errorf("stdout mismatch (-want +got):\n%s", diff)
			}
			got := errOut.String()
			if tt.prefix && strings.HasPrefix(got, tt.want) && strings.HasSuffix(got, " (unittest/panic)\n") {
				got = tt.want
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("stderr mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTestBudgetBoundaries: each budget flag admits a file that asks for
// exactly the budget and refuses it at one less, so the count the check
// makes is the work the run would do.
func TestTestBudgetBoundaries(t *testing.T) {
	label := strings.Repeat("v", 100)
	small := "tests:\n  - input_series: [{series: up, values: '1'}]\n# pad\n"
	tests := []struct {
		flag string
		at   int // what the file asks for
		file string
	}{
		{"--max-series-samples", 21, "tests:\n  - input_series: [{series: up, values: '0+1x20'}]\n"},
		{"--max-samples", 18, "tests:\n  - input_series: [{series: a, values: 0x5}, {series: b, values: 0x5}]\n  - input_series: [{series: c, values: 0x5}]\n"},
		{"--max-eval-steps", 11, "tests:\n  - input_series: [{series: up, values: '1'}]\n    promql_expr_test: [{expr: vector(1), eval_time: 10m, exp_samples: [{value: 1}]}]\n"},
		{"--max-groups", 3, "tests:\n  - {}\n  - {}\n  - {}\n"},
		// ok-rules.yaml and ok-rules2.yaml, written beside; the first
		// pattern's file is not counted again.
		{"--max-rule-files", 2, "rule_files: [ok-rules.yaml, 'ok-*.yaml']\ntests:\n  - {}\n"},
		{"--max-cases", 3, "tests:\n  - promql_expr_test: [{expr: up}, {expr: up}]\n  - alert_rule_test: [{alertname: A}]\n"},
		{"--max-subquery-steps", 11 * 6, "tests:\n  - input_series: [{series: up, values: '1'}]\n    promql_expr_test: [{expr: 'max_over_time(max_over_time(up[10m:1m])[5m:])', exp_samples: [{value: 1}]}]\n"},
		{"--max-label-size", len(label), "tests:\n  - input_series: [{series: 'up{l=\"" + label + "\"}', values: '1'}]\n"},
		{"--max-file-size", len(small), small},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			t.Chdir(t.TempDir())
			for name, content := range map[string]string{"b.test.yaml": tt.file, "ok-rules.yaml": okRules, "ok-rules2.yaml": okRules} {
				if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range []struct{ limit, want int }{{tt.at, ExitOK}, {tt.at - 1, ExitUsage}} {
				var out, errOut bytes.Buffer
				args := []string{"test", tt.flag, strconv.Itoa(c.limit), "b.test.yaml"}
				if got := Run(args, &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}); got != c.want {
					t.Errorf("%s %d: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.flag, c.limit, got, c.want, out.String(), errOut.String())
				}
				if c.want == ExitUsage && !strings.Contains(errOut.String(), tt.flag) {
					t.Errorf("%s %d: the refusal does not name the flag:\n%s", tt.flag, c.limit, errOut.String())
				}
			}
		})
	}
}

// TestTestUsageErrors: bad budget values and standard input are usage
// errors, before any file runs.
func TestTestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--max-label-size", "17MiB", "x.test.yaml"}, "agentalerts: --max-label-size: 17MiB is over 16MiB, the most Prometheus's labels can hold\n"},
		{[]string{"--max-eval-steps", "0", "x.test.yaml"}, "agentalerts: --max-eval-steps must be positive\n"},
		{[]string{"--max-file-size", "lots", "x.test.yaml"}, ""},
		{[]string{"-"}, "agentalerts: test files are read from paths, not standard input: rule_files are relative to the test file\n"},
		{[]string{"--run", "(", "x.test.yaml"}, "agentalerts: invalid --run pattern: error parsing regexp: missing closing ): `(`\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run(append([]string{"test"}, tt.args...), &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if tt.want != "" {
				if diff := cmp.Diff(tt.want, errOut.String()); diff != "" {
					t.Errorf("stderr mismatch (-want +got):\n%s", diff)
				}
			} else if !strings.Contains(errOut.String(), tt.args[0]) {
				t.Errorf("stderr does not name %s: %q", tt.args[0], errOut.String())
			}
			if out.Len() > 0 {
				t.Errorf("stdout %q, want nothing: no file may run", out.String())
			}
		})
	}
}
