package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/agentalerts/agentalerts/internal/golden"
)

// readTree returns every regular file under dir by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestInitGolden compares what init writes, and what it prints, with
// testdata/init/<case>.golden.txtar: one archive per case holding stdout
// and every file.
func TestInitGolden(t *testing.T) {
	tests := []struct {
		name  string
		build BuildInfo
		dir   string
	}{
		{name: "devel", build: BuildInfo{Version: "(devel)", Revision: "0e837c7a1b2c3d4e5f60718293a4b5c6d7e8f901"}, dir: "."},
		{name: "release", build: BuildInfo{Version: "v1.2.3"}, dir: "monitoring"},
		{name: "pseudo-version", build: BuildInfo{Version: "v0.0.0-20261126163000-0e837c7a1b2c"}, dir: "."},
		{name: "commit", build: BuildInfo{Version: "v0.0.0-20261126163000-0e837c7a1b2c", Revision: "0e837c7a1b2c3d4e5f60718293a4b5c6d7e8f901", Modified: "false"}, dir: "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			t.Chdir(root)
			var out, errOut bytes.Buffer
			if err := runInit(&IOStreams{Out: &out, ErrOut: &errOut}, initOptions{dir: tt.dir, build: tt.build}); err != nil {
				t.Fatalf("runInit: %v", err)
			}
			ar := &txtar.Archive{Comment: []byte("agentalerts init " + tt.dir + " with version " + tt.build.Version + "\n")}
			ar.Files = append(ar.Files, txtar.File{Name: "stdout", Data: out.Bytes()})
			files := readTree(t, root)
			names := make([]string, 0, len(files))
			for n := range files {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				ar.Files = append(ar.Files, txtar.File{Name: n, Data: []byte(files[n])})
			}
			got := txtar.Format(ar)

			golden.Check(t, filepath.Join(repoRootDir, "testdata", "init", tt.name+".golden.txtar"), got)
			if errOut.Len() != 0 {
				t.Errorf("unexpected stderr: %s", errOut.String())
			}
		})
	}
}

// repoRootDir is the repository root, made absolute before any test
// changes directory.
var repoRootDir = func() string { d, _ := filepath.Abs(".."); return d }()

// TestInitRefusesToOverwrite checks that an existing file stops init before
// it writes anything, names the file, and that --force replaces all three.
func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	mine := "# my own pre-commit config\nrepos: []\n"
	if err := os.WriteFile(filepath.Join(dir, initPreCommitFile), []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	code := Run([]string{"init", dir}, &IOStreams{Out: &out, ErrOut: &errOut})
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	wantErr := "agentalerts: " + filepath.Join(dir, initPreCommitFile) + " already exists; use --force to overwrite it\n"
	if diff := cmp.Diff(wantErr, errOut.String()); diff != "" {
		t.Errorf("stderr mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{initPreCommitFile: mine}, readTree(t, dir)); diff != "" {
		t.Errorf("init wrote despite refusing: mismatch (-want +got):\n%s", diff)
	}

	out.Reset()
	errOut.Reset()
	if code := Run([]string{"init", "--force", dir}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitOK {
		t.Fatalf("init --force: exit %d, stderr: %s", code, errOut.String())
	}
	got := readTree(t, dir)
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	if diff := cmp.Diff([]string{initConfigFile, initPreCommitFile, initSpecFile}, names); diff != "" {
		t.Errorf("files after --force mismatch (-want +got):\n%s", diff)
	}
	if got[initPreCommitFile] == mine {
		t.Errorf("--force kept the old %s", initPreCommitFile)
	}
}

func TestInitWriteErrors(t *testing.T) {
	dir := t.TempDir()
	// DIR is a file: nothing can be created in it.
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Run([]string{"init", notDir}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitUsage {
		t.Errorf("init into a file: exit %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(errOut.String(), notDir) {
		t.Errorf("error does not name %s: %s", notDir, errOut.String())
	}
	if code := Run([]string{"init", "a", "b"}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitUsage {
		t.Errorf("init with two dirs: exit %d, want %d", code, ExitUsage)
	}
}

func TestInitNamesEveryExistingFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{initSpecFile, initConfigFile} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if code := Run([]string{"init", dir}, &IOStreams{Out: &out, ErrOut: &errOut}); code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	want := "agentalerts: " + filepath.Join(dir, initSpecFile) + ", " + filepath.Join(dir, initConfigFile) +
		" already exist; use --force to overwrite them\n"
	if diff := cmp.Diff(want, errOut.String()); diff != "" {
		t.Errorf("stderr mismatch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, initPreCommitFile)); err == nil {
		t.Errorf("init wrote %s although it refused", initPreCommitFile)
	}
}

// TestStarterSpecNamesInitFiles: the header of the example names the
// command to run; init's copy must name the files init lays out, so the
// text it replaces must still be in the example.
func TestStarterSpecNamesInitFiles(t *testing.T) {
	want := "agentalerts generate " + initSpecFile + " -o " + initRulesFile
	if !bytes.Contains(starterSpec(), []byte(want)) {
		t.Errorf("starter spec lacks %q: the example's header changed without init", want)
	}
}
