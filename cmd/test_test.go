package cmd

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/internal/golden"
)

// TestTestGolden runs `agentalerts test` on each testdata/unittest/*.test.yaml
// and compares exit code, stdout and stderr with the .golden file beside it.
func TestTestGolden(t *testing.T) {
	// Paths in the output are the ones given on the command line, so run
	// from the testdata directory to keep goldens free of ../.. prefixes.
	t.Chdir("../testdata/unittest")
	files, err := filepath.Glob("*.test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/unittest/*.test.yaml")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".test.yaml"), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run([]string{"test", f}, &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			got := fmt.Sprintf("exit %d\n-- stdout --\n%s-- stderr --\n%s", code, out.String(), errOut.String())
			golden.Check(t, strings.TrimSuffix(f, ".test.yaml")+".golden", []byte(got))
		})
	}
}

// corpusDir holds the promtool unit-test corpus; tests skip without it.
const corpusDir = "../../shared/corpus"

// badInputInCorpus are corpus files promtool fails with exit 1 that we
// reject as bad input (exit 2): the test file or a rule file it references
// is malformed, so no case could run. Both tools refuse them; we say why
// with a position instead of calling it a test failure.
var badInputInCorpus = map[string]string{
	"unittests/prometheus/cmd/promtool/testdata/bad-input-series.yml":      "input series does not parse",
	"unittests/prometheus/cmd/promtool/testdata/bad-rules-syntax-test.yml": "rule file has a PromQL syntax error",
	"unittests/prometheus/cmd/promtool/testdata/rules_run_extrafields.yml": "rule file has unknown fields (needs --ignore-unknown-fields)",
}

// TestTestCorpus runs every unit-test file of the corpus and compares our
// exit code with promtool 3.14's (unittest-results.tsv).
func TestTestCorpus(t *testing.T) {
	tsv := filepath.Join(corpusDir, "unittest-results.tsv")
	f, err := os.Open(tsv)
	if os.IsNotExist(err) {
		t.Skipf("corpus not present: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	type row struct {
		file string
		args []string
		want int
		why  string
	}
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 {
			t.Fatalf("%s: short row %q", tsv, sc.Text())
		}
		want, err := strconv.Atoi(cols[2]) // promtool_3.14_exit
		if err != nil {
			t.Fatalf("%s: bad exit %q", tsv, cols[2])
		}
		why := cols[4]
		if reason, ok := badInputInCorpus[cols[0]]; ok {
			if want != 1 {
				t.Fatalf("%s: promtool passes %s, yet it is listed as bad input", tsv, cols[0])
			}
			want, why = ExitUsage, reason
		}
		rows = append(rows, row{file: cols[0], want: want, why: why})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// The rules_run* files are meant for promtool's flags; the results
	// with them are in the README notes of the corpus (verified with 3.14).
	const dir = "unittests/prometheus/cmd/promtool/testdata/"
	rows = append(rows,
		row{file: dir + "rules_run.yml", args: []string{"--run", "correct"}, want: 0, why: "--run correct"},
		row{file: dir + "rules_run_fuzzy.yml", args: []string{"--run", "correct"}, want: 0, why: "fuzzy_compare within one ULP"},
		row{file: dir + "rules_run_fuzzy.yml", args: []string{"--run", "wrong"}, want: 1, why: "fuzzy_compare beyond one ULP"},
		row{file: dir + "rules_run_extrafields.yml", args: []string{"--ignore-unknown-fields"}, want: 0, why: "--ignore-unknown-fields"},
	)
	if len(rows) < 35 {
		t.Fatalf("%s has %d rows, want at least 35", tsv, len(rows))
	}
	for _, r := range rows {
		name := strings.TrimPrefix(r.file, "unittests/") + strings.Join(r.args, " ")
		t.Run(name, func(t *testing.T) {
			t.Parallel() // a few files evaluate days of samples; overlap them
			var out, errOut bytes.Buffer
			args := append(append([]string{"test"}, r.args...), filepath.Join(corpusDir, r.file))
			if code := Run(args, &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}); code != r.want {
				t.Errorf("exit %d, want %d (%s)\nstdout:\n%s\nstderr:\n%s", code, r.want, r.why, out.String(), errOut.String())
			}
		})
	}
}
