package cmd

import (
	"bytes"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildInfoFrom(t *testing.T) {
	const mod = "github.com/agentalerts/agentalerts"
	platform := runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		name      string
		bi        *debug.BuildInfo
		override  string
		want      BuildInfo
		wantShort string
	}{
		{
			name: "go install module@version",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: mod, Version: "v1.4.0"},
				Settings: []debug.BuildSetting{{Key: "-buildmode", Value: "exe"}}},
			want: BuildInfo{Version: "v1.4.0", Module: mod, Revision: unknown, Time: unknown,
				Modified: unknown, GoVersion: "go1.26.8", Platform: platform},
			wantShort: "agentalerts v1.4.0",
		},
		{
			name: "go build in a dirty checkout",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: mod, Version: "(devel)"},
				Settings: []debug.BuildSetting{
					{Key: "vcs", Value: "git"},
					{Key: "vcs.revision", Value: "0e837c7a1b2c3d4e5f60718293a4b5c6d7e8f901"},
					{Key: "vcs.time", Value: "2026-11-26T16:30:00Z"},
					{Key: "vcs.modified", Value: "true"},
				}},
			want: BuildInfo{Version: "(devel)", Module: mod, Revision: "0e837c7a1b2c3d4e5f60718293a4b5c6d7e8f901",
				Time: "2026-11-26T16:30:00Z", Modified: "true", GoVersion: "go1.26.8", Platform: platform},
			wantShort: "agentalerts (devel) (0e837c7a1b2c, modified)",
		},
		{
			name: "go build with -buildvcs=false",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: mod, Version: "(devel)"}},
			want: BuildInfo{Version: "(devel)", Module: mod, Revision: unknown, Time: unknown,
				Modified: unknown, GoVersion: "go1.26.8", Platform: platform},
			wantShort: "agentalerts (devel)",
		},
		{
			name: "ldflags override wins over module version",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: mod, Version: "(devel)"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}},
			override: "v2.0.0-rc.1",
			want: BuildInfo{Version: "v2.0.0-rc.1", Module: mod, Revision: "abc", Time: unknown,
				Modified: "false", GoVersion: "go1.26.8", Platform: platform},
			wantShort: "agentalerts v2.0.0-rc.1",
		},
		{
			name: "no build info at all",
			bi:   nil,
			want: BuildInfo{Version: unknown, Module: unknown, Revision: unknown, Time: unknown,
				Modified: unknown, GoVersion: runtime.Version(), Platform: platform},
			wantShort: "agentalerts unknown",
		},
		{
			name: "garbled modified flag stays unknown",
			bi: &debug.BuildInfo{Main: debug.Module{Path: mod, Version: "(devel)"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "maybe"}}},
			want: BuildInfo{Version: "(devel)", Module: mod, Revision: "abc", Time: unknown,
				Modified: unknown, GoVersion: runtime.Version(), Platform: platform},
			wantShort: "agentalerts (devel) (abc)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := buildInfoFrom(tt.bi, tt.override)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("buildInfoFrom mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantShort, got.Short()); diff != "" {
				t.Errorf("Short mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	want := ReadBuildInfo()

	var out, errOut bytes.Buffer
	if code := Run([]string{"version", "--json"}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
		t.Fatalf("version --json exit %d, stderr: %s", code, errOut.String())
	}
	var got BuildInfo
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("version --json printed invalid JSON: %v\n%s", err, out.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("version --json mismatch (-want +got):\n%s", diff)
	}

	out.Reset()
	if code := Run([]string{"version"}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
		t.Fatalf("version exit %d, stderr: %s", code, errOut.String())
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	if diff := cmp.Diff(want.Short(), first); diff != "" {
		t.Errorf("version first line mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(out.String(), "revision: "+want.Revision+"\n") {
		t.Errorf("version output lacks the revision %q:\n%s", want.Revision, out.String())
	}

	if code := Run([]string{"version", "extra"}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitUsage {
		t.Errorf("version with an argument: exit %d, want %d", code, ExitUsage)
	}
}

// TestVersionFlag: -v and --version print the same one line as the first
// line of `agentalerts version`, naming the program once.
func TestVersionFlag(t *testing.T) {
	want := ReadBuildInfo().Short() + "\n"
	for _, flag := range []string{"-v", "--version"} {
		var out, errOut bytes.Buffer
		if code := Run([]string{flag}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
			t.Fatalf("%s: exit %d, stderr: %s", flag, code, errOut.String())
		}
		if diff := cmp.Diff(want, out.String()); diff != "" {
			t.Errorf("%s: mismatch (-want +got):\n%s", flag, diff)
		}
		if strings.Count(out.String(), "agentalerts") != 1 {
			t.Errorf("%s names the program more than once: %q", flag, out.String())
		}
	}
}
