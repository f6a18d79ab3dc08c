package cmd

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1048576", 1 << 20, false},
		{"100B", 100, false},
		{"512KiB", 512 << 10, false},
		{"64MiB", 64 << 20, false},
		{"64mb", 64 << 20, false},
		{"1G", 1 << 30, false},
		{" 2 MiB ", 2 << 20, false},
		{"0", 0, true},
		{"-1", 0, true},
		{"lots", 0, true},
		{"MiB", 0, true},
		{"99999999999GiB", 0, true},
	}
	for _, tt := range tests {
		got, err := parseByteSize(tt.in)
		if diff := cmp.Diff([]any{tt.want, tt.wantErr}, []any{got, err != nil}); diff != "" {
			t.Errorf("parseByteSize(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	startProgress(&buf, false, 0, "linting rules/")()
	if buf.Len() != 0 {
		t.Errorf("disabled progress wrote %q", buf.String())
	}
	stop := startProgress(&buf, true, 0, "linting rules/")
	stop()
	out := buf.String()
	if !regexp.MustCompile(`^\r\x1b\[Kagentalerts: linting rules/ \(\d+s\)`).MatchString(out) || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("progress wrote %q: want a line redrawn in place and erased at the end", out)
	}
	// A run shorter than the delay prints nothing.
	buf.Reset()
	startProgress(&buf, true, time.Hour, "linting rules/")()
	if buf.Len() != 0 {
		t.Errorf("a short run wrote %q", buf.String())
	}
}
