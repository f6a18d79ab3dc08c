package limits

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(small, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	devLink := filepath.Join(dir, "zero.yaml")
	if err := os.Symlink("/dev/zero", devLink); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		max        int64
		want       string
		wantErr    string
	}{
		{name: "regular", path: small, want: "groups: []\n"},
		{name: "symlink to regular", path: link, want: "groups: []\n"},
		{name: "at the limit", path: small, max: 11, want: "groups: []\n"},
		{name: "over the limit", path: small, max: 10, wantErr: "small.yaml is larger than 10 bytes"},
		{name: "directory", path: dir, wantErr: "is a directory, not a regular file"},
		{name: "fifo does not block", path: fifo, wantErr: "fifo is a FIFO, not a regular file"},
		{name: "device", path: "/dev/null", wantErr: "/dev/null is a character device, not a regular file"},
		{name: "symlink to device", path: devLink, wantErr: "zero.yaml is a character device, not a regular file"},
		{name: "missing", path: filepath.Join(dir, "nope"), wantErr: "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var got []byte
			var err error
			go func() { got, err = ReadFile(tt.path, tt.max); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("ReadFile blocked")
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadFileLyingSize(t *testing.T) {
	// /proc files report size 0 and yield more: the bytes read are counted.
	if _, err := os.Stat("/proc/self/maps"); err != nil {
		t.Skip("no /proc")
	}
	_, err := ReadFile("/proc/self/maps", 16)
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("error = %v, want a TooLargeError", err)
	}
	if !IsLimit(err) {
		t.Error("IsLimit = false for a TooLargeError")
	}
}

func TestReadAll(t *testing.T) {
	got, err := ReadAll(strings.NewReader("abc"), "<stdin>", 3)
	if err != nil || string(got) != "abc" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	_, err = ReadAll(strings.NewReader("abcd"), "<stdin>", 3)
	if err == nil || err.Error() != "<stdin> is larger than 3 bytes" {
		t.Fatalf("error = %v", err)
	}
	if IsLimit(&fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}) {
		t.Error("IsLimit = true for an I/O error")
	}
}
