package rules

import (
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
