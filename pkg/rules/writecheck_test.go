package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCheckOutputs: an output that is an input, or another output, is
// refused however it is spelled: another relative form, a symlink, a hard
// link, a symlinked directory. Every problem is reported.
func TestCheckOutputs(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	spec := filepath.Join(root, "a.spec.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(spec, filepath.Join(root, "link.yaml")); err != nil {
		t.Skip(err)
	}
	if err := os.Link(spec, filepath.Join(root, "hard.yaml")); err != nil {
		t.Skip(err)
	}
	if err := os.Mkdir(filepath.Join(root, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(root, "alias")); err != nil {
		t.Fatal(err)
	}
	out := func(flag, path string) Output { return Output{Path: path, Flag: flag} }
	tests := []struct {
		name   string
		inputs []string
		outs   []Output
		want   string
	}{
		{name: "distinct", inputs: []string{"a.spec.yaml"}, outs: []Output{out("-o", "r.yaml"), out("--tests", "real/t.yaml"), out("--alertmanager", "am.yml")}},
		{name: "the spec", inputs: []string{"a.spec.yaml"}, outs: []Output{out("-o", "a.spec.yaml")},
			want: "-o a.spec.yaml is the input a.spec.yaml: generate would overwrite what it reads"},
		{name: "the spec by another path", inputs: []string{spec}, outs: []Output{out("--tests", "./real/../a.spec.yaml")},
			want: "--tests ./real/../a.spec.yaml is the input " + spec + ": generate would overwrite what it reads"},
		{name: "a symlink to the spec", inputs: []string{"a.spec.yaml"}, outs: []Output{out("-o", "link.yaml")},
			want: "-o link.yaml is the input a.spec.yaml: generate would overwrite what it reads"},
		{name: "a hard link to the spec", inputs: []string{"a.spec.yaml"}, outs: []Output{out("--alertmanager", "hard.yaml")},
			want: "--alertmanager hard.yaml is the input a.spec.yaml: generate would overwrite what it reads"},
		{name: "two outputs", outs: []Output{out("-o", "x.yaml"), out("--tests", "x.yaml")},
			want: "-o x.yaml and --tests x.yaml are the same file: each output needs a path of its own"},
		{name: "two outputs through a symlinked directory", outs: []Output{out("-o", "real/x.yaml"), out("--alertmanager", "alias/x.yaml")},
			want: "-o real/x.yaml and --alertmanager alias/x.yaml are the same file: each output needs a path of its own"},
		{name: "every problem", inputs: []string{"a.spec.yaml"}, outs: []Output{out("-o", "a.spec.yaml"), out("--tests", "/dev/null"), out("--alertmanager", "./a.spec.yaml")},
			want: "--tests /dev/null is a character device, not a regular file: generate writes only regular files\n" +
				"-o a.spec.yaml is the input a.spec.yaml: generate would overwrite what it reads\n" +
				"--alertmanager ./a.spec.yaml is the input a.spec.yaml: generate would overwrite what it reads\n" +
				"-o a.spec.yaml and --alertmanager ./a.spec.yaml are the same file: each output needs a path of its own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := CheckOutputs(tt.inputs, tt.outs); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
