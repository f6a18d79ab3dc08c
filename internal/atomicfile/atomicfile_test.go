package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// tree lists every file under root (hidden ones too) with its content, so
// a test sees what a write left, staging directories included.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.IsDir():
			got[rel+"/"] = ""
		case d.Type()&fs.ModeSymlink != 0:
			dest, _ := os.Readlink(p)
			got[rel] = "-> " + dest
		case d.Type().IsRegular():
			b, _ := os.ReadFile(p)
			got[rel] = string(b)
		default:
			got[rel] = d.Type().String()
		}
		return nil
	})
	return got
}

func mustWrite(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// TestWriteFiles: every file is written with its own content, in any
// number of directories; a file already holding its content is left alone,
// modification time included; no staging directory is left.
func TestWriteFiles(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	sub := filepath.Join(root, "sub")
	files := map[string][]byte{}
	var order []string
	want := map[string]string{"out/": "", "sub/": ""}
	for i := 0; i < 40; i++ {
		d, rel := dir, "out/"
		if i%2 == 1 {
			d, rel = sub, "sub/"
		}
		name := fmt.Sprintf("svc-%02d.rules.yaml", i)
		p := filepath.Join(d, name)
		files[p] = []byte(fmt.Sprintf("groups: [] # %d\n", i))
		order = append(order, p)
		want[rel+name] = string(files[p])
	}
	same := order[7]
	mustWrite(t, same, string(files[same]), 0o644)
	// Same size, other bytes: rewritten.
	mustWrite(t, order[9], strings.Replace(string(files[order[9]]), "9", "x", 1), 0o644)
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(same, old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFiles(order, files, Options{Program: "generate", OutputDirs: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if fi, _ := os.Stat(same); !fi.ModTime().Equal(old) {
		t.Errorf("unchanged file rewritten: mtime %v", fi.ModTime())
	}
}

// TestWriteFilesAllOrNothing: when some files cannot be written (a full
// disk), none of the set changes, every failing file is named, and no
// staging directory is left, beside the output directory or in it.
func TestWriteFilesAllOrNothing(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "rules")
	other := filepath.Join(root, "tests.yaml")
	files := map[string][]byte{other: []byte("new tests\n")}
	order := []string{other}
	want := map[string]string{"rules/": "", "tests.yaml": "old tests\n"}
	mustWrite(t, other, "old tests\n", 0o644)
	for i := 0; i < 50; i++ {
		name := fmt.Sprintf("svc-%02d.rules.yaml", i)
		p := filepath.Join(dir, name)
		files[p] = []byte("new\n")
		order = append(order, p)
		if i%2 == 0 {
			mustWrite(t, p, "old\n", 0o644)
			want["rules/"+name] = "old\n"
		}
	}
	sort.Strings(order)
	full := errors.New("no space left on device")
	defer func(w func(*os.File, []byte) error) { writeData = w }(writeData)
	writeData = func(f *os.File, data []byte) error {
		if n := filepath.Base(f.Name()); n == "svc-24.rules.yaml.new" || n == "svc-31.rules.yaml.new" {
			return full
		}
		_, err := f.Write(data)
		return err
	}
	err := WriteFiles(order, files, Options{Program: "generate", OutputDirs: []string{dir}})
	if !errors.Is(err, full) {
		t.Fatalf("error %v, want %v", err, full)
	}
	wantErr := "writing " + filepath.Join(dir, "svc-24.rules.yaml") + ": no space left on device\n" +
		"writing " + filepath.Join(dir, "svc-31.rules.yaml") + ": no space left on device\n" +
		"nothing was written: 2 of 51 file(s) failed"
	if diff := cmp.Diff(wantErr, err.Error()); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("files mismatch (-want +got):\n%s", diff)
	}
}

// TestWriteFilesRollback: a rename failing half way puts back the files
// already renamed (old content, or no file where there was none).
func TestWriteFilesRollback(t *testing.T) {
	root := t.TempDir()
	a, b, c := filepath.Join(root, "a.yaml"), filepath.Join(root, "b.yaml"), filepath.Join(root, "c.yaml")
	mustWrite(t, a, "old a\n", 0o600)
	mustWrite(t, c, "old c\n", 0o644)
	boom := errors.New("rename failed")
	defer func(r func(string, string) error) { rename = r }(rename)
	rename = func(from, to string) error {
		if to == c {
			return boom
		}
		return os.Rename(from, to)
	}
	err := WriteFiles([]string{a, b, c}, map[string][]byte{a: []byte("new a\n"), b: []byte("new b\n"), c: []byte("new c\n")}, Options{Program: "generate"})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	if diff := cmp.Diff("writing "+c+": rename failed\nthe 2 file(s) renamed were put back: nothing was written", err.Error()); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
	want := map[string]string{"a.yaml": "old a\n", "c.yaml": "old c\n"}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if fi, _ := os.Stat(a); fi.Mode().Perm() != 0o600 {
		t.Errorf("rolled-back file has mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestWriteFilesModes: a new file is 0644 whatever the umask; a replaced
// regular file keeps its mode; a symlink is replaced by a 0644 file, not
// written through and without its target's mode.
func TestWriteFilesModes(t *testing.T) {
	root := t.TempDir()
	fresh, kept, link, target := filepath.Join(root, "new.yaml"), filepath.Join(root, "kept.yaml"), filepath.Join(root, "link.yaml"), filepath.Join(root, "target.yaml")
	mustWrite(t, kept, "old\n", 0o600)
	mustWrite(t, target, "precious\n", 0o755)
	if err := os.Chmod(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	files := map[string][]byte{fresh: []byte("n\n"), kept: []byte("k\n"), link: []byte("l\n")}
	if err := WriteFiles([]string{fresh, kept, link}, files, Options{Program: "generate"}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range []string{fresh, kept, link, target} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		got[filepath.Base(p)] = fmt.Sprintf("%v %q", fi.Mode(), b)
	}
	want := map[string]string{
		"new.yaml":    `-rw-r--r-- "n\n"`,
		"kept.yaml":   `-rw------- "k\n"`,
		"link.yaml":   `-rw-r--r-- "l\n"`,
		"target.yaml": `-rwxr-xr-x "precious\n"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestWriteFilesRefusesNonRegular: a target that is a device, FIFO,
// socket or directory, or a symlink to one, is refused, left as it is, and
// nothing else of the set is written.
func TestWriteFilesRefusesNonRegular(t *testing.T) {
	root := t.TempDir()
	fifo := filepath.Join(root, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sock := filepath.Join(root, "sock.yaml")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix socket: %v", err)
	}
	defer l.Close()
	dir := filepath.Join(root, "dir.yaml")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	devLink := filepath.Join(root, "null.yaml")
	if err := os.Symlink("/dev/null", devLink); err != nil {
		t.Fatal(err)
	}
	fifoLink := filepath.Join(root, "fifolink.yaml")
	if err := os.Symlink(fifo, fifoLink); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(root, "good.yaml")
	tests := []struct{ path, want string }{
		{fifo, fifo + " is a FIFO, not a regular file: generate writes only regular files"},
		{sock, sock + " is a socket, not a regular file: generate writes only regular files"},
		{dir, dir + " is a directory, not a regular file: generate writes only regular files"},
		{devLink, devLink + " is a character device, not a regular file: generate writes only regular files"},
		{fifoLink, fifoLink + " is a FIFO, not a regular file: generate writes only regular files"},
	}
	dev := filepath.Join(root, "dev.yaml")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err == nil { // 1,3 is /dev/null
		tests = append(tests, struct{ path, want string }{dev, dev + " is a character device, not a regular file: generate writes only regular files"})
	} else {
		t.Logf("mknod: %v; the device case is covered by the symlink to /dev/null only", err)
	}
	before := tree(t, root)
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			err := WriteFiles([]string{good, tt.path}, map[string][]byte{good: []byte("x\n"), tt.path: []byte("y\n")}, Options{Program: "generate"})
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tree(t, root)); diff != "" {
				t.Errorf("files changed (-want +got):\n%s", diff)
			}
		})
	}
	if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v %v", fi, err)
	}
}

// TestWriteFilesStaging: an output directory's files are staged beside
// it, never in it (a DIR/* glob must not load them); staging directories
// of killed runs are removed, those of a live run kept.
func TestWriteFilesStaging(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "rules")
	mustWrite(t, filepath.Join(root, ".agentalerts-tmp-rules-111", "a.rules.yaml.new"), "killed\n", 0o644)
	mustWrite(t, filepath.Join(dir, ".agentalerts-tmp-222", "b.rules.yaml.new"), "killed\n", 0o644)
	live := filepath.Join(root, ".agentalerts-tmp-rules-333")
	mustWrite(t, filepath.Join(live, "c.rules.yaml.new"), "live\n", 0o644)
	unlock := lockDir(live)
	defer unlock()
	mustWrite(t, filepath.Join(root, ".agentalerts-keep"), "not ours\n", 0o644)
	// Temp files of earlier versions named after a target are removed;
	// other hidden files are not.
	mustWrite(t, filepath.Join(dir, ".a.rules.yaml.tmp-12345"), "killed\n", 0o644)
	mustWrite(t, filepath.Join(dir, ".b.rules.yaml.tmp-12345"), "not a target\n", 0o644)
	mustWrite(t, filepath.Join(dir, ".a.rules.yaml.tmp-mine"), "not a temp name\n", 0o644)

	p := filepath.Join(dir, "a.rules.yaml")
	var stagedIn []string
	defer func(w func(*os.File, []byte) error) { writeData = w }(writeData)
	writeData = func(f *os.File, data []byte) error {
		rel, _ := filepath.Rel(root, filepath.Dir(f.Name()))
		stagedIn = append(stagedIn, strings.TrimRight(rel, "0123456789"))
		if m, _ := filepath.Glob(filepath.Join(dir, "*.yaml")); len(m) != 0 {
			t.Errorf("while writing, rules/*.yaml matches %v", m)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, stagePrefix+"*")); len(m) != 0 {
			t.Errorf("while writing, staging in rules/: %v", m)
		}
		_, err := f.Write(data)
		return err
	}
	if err := WriteFiles([]string{p}, map[string][]byte{p: []byte("new\n")}, Options{Program: "generate", OutputDirs: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{".agentalerts-tmp-rules-"}, stagedIn); diff != "" {
		t.Errorf("staged in mismatch (-want +got):\n%s", diff)
	}
	want := map[string]string{
		".agentalerts-keep":                           "not ours\n",
		".agentalerts-tmp-rules-333/":                 "",
		".agentalerts-tmp-rules-333/c.rules.yaml.new": "live\n",
		"rules/":                        "",
		"rules/a.rules.yaml":            "new\n",
		"rules/.b.rules.yaml.tmp-12345": "not a target\n",
		"rules/.a.rules.yaml.tmp-mine":  "not a temp name\n",
	}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestWriteFilesCrossDevice: when a rename from beside an output
// directory fails because it crosses mounts (a bind mount the device
// numbers do not show), the set is staged again inside the directory and
// written.
func TestWriteFilesCrossDevice(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "rules")
	a, b := filepath.Join(dir, "a.rules.yaml"), filepath.Join(dir, "b.rules.yaml")
	mustWrite(t, a, "old\n", 0o644)
	var stagedIn []string
	defer func(w func(*os.File, []byte) error, r func(string, string) error) { writeData, rename = w, r }(writeData, rename)
	writeData = func(f *os.File, data []byte) error {
		rel, _ := filepath.Rel(root, filepath.Dir(f.Name()))
		stagedIn = append(stagedIn, strings.TrimRight(rel, "0123456789"))
		_, err := f.Write(data)
		return err
	}
	rename = func(from, to string) error {
		if filepath.Dir(filepath.Dir(from)) == root {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EXDEV}
		}
		return os.Rename(from, to)
	}
	files := map[string][]byte{a: []byte("new a\n"), b: []byte("new b\n")}
	if err := WriteFiles([]string{a, b}, files, Options{Program: "generate", OutputDirs: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(stagedIn)
	want := []string{".agentalerts-tmp-rules-", ".agentalerts-tmp-rules-", "rules/.agentalerts-tmp-", "rules/.agentalerts-tmp-"}
	if diff := cmp.Diff(want, stagedIn); diff != "" {
		t.Errorf("staged in mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"rules/": "", "rules/a.rules.yaml": "new a\n", "rules/b.rules.yaml": "new b\n"}, tree(t, root)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// BenchmarkWriteFiles writes a set of 1,000 rule files of 7.5 KB (a
// thousand services with -o DIR/), every one changed, as one transaction.
func BenchmarkWriteFiles(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "rules")
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	order := make([]string, 1000)
	files := map[string][]byte{}
	body := strings.Repeat("x", 7500)
	n := 0
	for b.Loop() {
		n++
		for i := range order {
			order[i] = filepath.Join(dir, fmt.Sprintf("svc-%04d.rules.yaml", i))
			files[order[i]] = []byte(fmt.Sprintf("# %d\n%s", n, body))
		}
		if err := WriteFiles(order, files, Options{Program: "generate", OutputDirs: []string{dir}}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWriteFilesExclusive checks the race init guards against: a file that
// appears between the existence check and the write is kept, and nothing
// of the set is written.
func TestWriteFilesExclusive(t *testing.T) {
	dir := t.TempDir()
	f, g := filepath.Join(dir, "f.yaml"), filepath.Join(dir, "g.yaml")
	mustWrite(t, f, "theirs", 0o644)
	ours := map[string][]byte{f: []byte("ours"), g: []byte("ours")}
	err := WriteFiles([]string{f, g}, ours, Options{Exclusive: true})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("exclusive write over an existing file: %v, want fs.ErrExist", err)
	}
	want := map[string]string{"f.yaml": "theirs"} // and no staging left behind
	if diff := cmp.Diff(want, tree(t, dir)); diff != "" {
		t.Errorf("directory mismatch (-want +got):\n%s", diff)
	}
	// The file appears after the check, while the set is staged.
	defer func(w func(*os.File, []byte) error) { writeData = w }(writeData)
	writeData = func(fd *os.File, data []byte) error {
		if _, err := os.Lstat(g); err != nil {
			mustWrite(t, g, "theirs", 0o644)
		}
		_, err := fd.Write(data)
		return err
	}
	if err := WriteFile(g, []byte("ours"), Options{Exclusive: true}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("exclusive write over a file that appeared: %v, want fs.ErrExist", err)
	}
	want["g.yaml"] = "theirs"
	if diff := cmp.Diff(want, tree(t, dir)); diff != "" {
		t.Errorf("directory after the race mismatch (-want +got):\n%s", diff)
	}
	writeData = func(fd *os.File, data []byte) error { _, err := fd.Write(data); return err }
	if err := WriteFiles([]string{f, g}, ours, Options{}); err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"f.yaml": "ours", "g.yaml": "ours"}
	if diff := cmp.Diff(want, tree(t, dir)); diff != "" {
		t.Errorf("directory after overwrite mismatch (-want +got):\n%s", diff)
	}
}
