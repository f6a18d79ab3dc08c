package cmd

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/internal/testtool"
	"github.com/google/go-cmp/cmp"
)

func TestCompletionScripts(t *testing.T) {
	// Each marker is the line by which the shell registers the completer for
	// our binary name; a script without it completes nothing.
	tests := []struct {
		shell, marker string
	}{
		{"bash", "-F __start_agentalerts agentalerts"},
		{"zsh", "compdef _agentalerts agentalerts"},
		{"fish", "complete -c agentalerts "},
		{"powershell", "Register-ArgumentCompleter -CommandName 'agentalerts'"},
	}
	for _, tt := range tests {
		for _, noDesc := range []bool{false, true} {
			args := []string{"completion", tt.shell}
			if noDesc {
				args = append(args, "--no-descriptions")
			}
			t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
				var out, errOut bytes.Buffer
				if code := Run(args, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
					t.Fatalf("exit %d, stderr: %s", code, errOut.String())
				}
				if !strings.Contains(out.String(), tt.marker) {
					t.Errorf("%s script lacks %q", tt.shell, tt.marker)
				}
				if errOut.Len() != 0 {
					t.Errorf("unexpected stderr: %s", errOut.String())
				}
			})
		}
	}
}

func TestCompletionNeedsAKnownShell(t *testing.T) {
	for _, args := range [][]string{{"completion", "tcsh"}, {"completion"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Run(args, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if out.Len() != 0 {
				t.Errorf("printed on stdout without a known shell:\n%s", out.String())
			}
			if errOut.Len() == 0 {
				t.Errorf("no error on stderr")
			}
		})
	}
}

// TestCompletionBashLoads sources the script in a real bash and asks bash
// which completer it registered, so a script bash cannot parse fails here.
func TestCompletionBashLoads(t *testing.T) {
	bash := testtool.Need(t, "bash")
	var script, errOut bytes.Buffer
	if code := Run([]string{"completion", "bash"}, &IOStreams{Out: &script, ErrOut: &errOut}); code != ExitOK {
		t.Fatalf("exit %d, stderr: %s", code, errOut.String())
	}
	c := exec.Command(bash, "--norc", "--noprofile", "-c", "source /dev/stdin && complete -p agentalerts")
	c.Stdin = &script
	got, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("bash could not load the script: %v\n%s", err, got)
	}
	if diff := cmp.Diff("complete -o default -F __start_agentalerts agentalerts\n", string(got)); diff != "" {
		t.Errorf("registered completer mismatch (-want +got):\n%s", diff)
	}
}

// TestCompletionCandidates asks the hidden __complete command, which every
// shell script calls, for candidates the way a shell would.
func TestCompletionCandidates(t *testing.T) {
	tests := []struct {
		args []string
		want []string // candidates, descriptions stripped
	}{
		{args: []string{"completion", ""}, want: []string{"bash", "fish", "powershell", "zsh"}},
		{args: []string{"completion", "z"}, want: []string{"zsh"}},
		{args: []string{"vers"}, want: []string{"version"}},
		{args: []string{"version", "--j"}, want: []string{"--json"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Run(append([]string{"__complete"}, tt.args...), &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
				t.Fatalf("exit %d, stderr: %s", code, errOut.String())
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if strings.HasPrefix(line, ":") { // the directive line ends the list
					break
				}
				name, _, _ := strings.Cut(line, "\t")
				got = append(got, name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("candidates mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPresetsShowCompletesNames drives cobra's __complete entry point, which
// every shell's completion script calls, so what a user sees on TAB after
// "presets show" is tested without a shell.
func TestPresetsShowCompletesNames(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"all names", []string{"__complete", "presets", "show", ""},
			"default\ncelery\nlitellm\notel-genai\ntgi\nvllm\n:4\n"},
		{"prefix", []string{"__complete", "presets", "show", "v"}, "vllm\n:4\n"},
		{"one name only", []string{"__complete", "presets", "show", "vllm", ""}, ":4\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Run(tt.args, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
				t.Fatalf("exit %d, stderr: %s", code, errOut.String())
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
