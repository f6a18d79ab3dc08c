package cmd

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run this test binary as the agentalerts
// command, so scripts exercise the real process: arguments, stdin, stdout,
// stderr, working directory and exit status.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"agentalerts": func() { os.Exit(Execute()) },
	})
}

// TestScript runs the end-to-end CLI scripts in testdata/script. Besides
// testscript's own commands they may use
//
//	exits CODE command [args...]
//
// which runs command like exec and fails unless it exits with CODE, since
// `! exec` cannot tell findings (1) from usage errors (2).
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "../testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": cmdExits,
		},
		Setup: func(env *testscript.Env) error {
			// Never inherit the developer's colour or CI settings.
			env.Setenv("NO_COLOR", "")
			env.Setenv("CI", "")
			env.Setenv("GITHUB_WORKSPACE", "")
			env.Setenv("CI_PROJECT_DIR", "")
			return nil
		},
	})
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
