package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWriteFiles: every file is written with its own content, in any
// number of directories; a file already holding its content is left alone;
// and a failure is reported for the first failing file in order, without
// stopping the others.
func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var order []string
	for i := 0; i < 40; i++ {
		d := dir
		if i%2 == 1 {
			d = sub
		}
		p := filepath.Join(d, fmt.Sprintf("svc-%02d.rules.yaml", i))
		files[p] = []byte(fmt.Sprintf("groups: [] # %d\n", i))
		order = append(order, p)
	}
	same := order[7]
	if err := os.WriteFile(same, files[same], 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(same, old, old); err != nil {
		t.Fatal(err)
	}
	if err := WriteFiles(order, files); err != nil {
		t.Fatal(err)
	}
	for _, p := range order {
		if b, err := os.ReadFile(p); err != nil || string(b) != string(files[p]) {
			t.Errorf("%s holds %q (%v), want %q", p, b, err, files[p])
		}
	}
	if fi, _ := os.Stat(same); !fi.ModTime().Equal(old) {
		t.Errorf("unchanged file rewritten: mtime %v", fi.ModTime())
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(tmps) > 0 {
		t.Errorf("temp files left behind: %v", tmps)
	}

	missing1 := filepath.Join(dir, "no-such-dir", "a.yaml")
	missing2 := filepath.Join(dir, "no-such-dir", "b.yaml")
	good := filepath.Join(dir, "late.yaml")
	files = map[string][]byte{missing1: []byte("a\n"), missing2: []byte("b\n"), good: []byte("c\n")}
	err := WriteFiles([]string{good, missing1, missing2}, files)
	if err == nil || !strings.Contains(err.Error(), "writing "+missing1+":") {
		t.Fatalf("error %v, want one naming %s", err, missing1)
	}
	if b, _ := os.ReadFile(good); string(b) != "c\n" {
		t.Errorf("a failure elsewhere stopped %s from being written: %q", good, b)
	}
}

// TestWriteKeepsOldFileOnFailure: a failed rename leaves the old file and
// no temp file; a write keeps the old file's mode.
func TestWriteKeepsOldFileOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("rename failed")
	err := writeAtomic(path, []byte("new content\n"), func(string, string) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("writeAtomic error = %v, want %v", err, boom)
	}
	if got, _ := os.ReadFile(path); string(got) != "old\n" {
		t.Errorf("old file changed to %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temp file left behind: %v", entries)
	}

	if err := WriteFiles([]string{path}, map[string][]byte{path: []byte("new\n")}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(got) != "new\n" || fi.Mode().Perm() != 0o600 {
		t.Errorf("after the write: content %q mode %v, want %q and the old mode 0600", got, fi.Mode().Perm(), "new\n")
	}
}

// TestWriteOnlyWhatChanged: identical content leaves the file alone (its
// modification time too); different content, a different size or a
// symlink is written.
func TestWriteOnlyWhatChanged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.yaml")
	write := func(p, content string) {
		t.Helper()
		if err := WriteFiles([]string{p}, map[string][]byte{p: []byte(content)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, []byte("groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	write(path, "groups: []\n")
	if fi, _ := os.Stat(path); !fi.ModTime().Equal(old) {
		t.Errorf("same content: mtime changed to %v", fi.ModTime())
	}
	for _, content := range []string{"groups: [ ]\n", "groups: []\n\n"} {
		write(path, content)
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("file holds %q, want %q", b, content)
		}
	}
	target := filepath.Join(dir, "target.yaml")
	link := filepath.Join(dir, "link.yaml")
	if err := os.WriteFile(target, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	write(link, "x\n")
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink != 0 {
		t.Errorf("symlink was not replaced by a file")
	}
}
