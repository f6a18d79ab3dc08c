package format

import (
	"bytes"
	"encoding/json"
	"testing"
)

// referenceProblem is what appendProblem must write: encoding/json's
// bytes for p, indented as an item of the problems list.
func referenceProblem(t *testing.T, p jsonProblem) string {
	t.Helper()
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, bytes.TrimSuffix(raw.Bytes(), []byte("\n")), "    ", "  "); err != nil {
		t.Fatal(err)
	}
	return "    " + ind.String()
}

func TestAppendProblemMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `q"uote`, `back\slash`, "nl\ncr\rtab\t", "\b\f\x00\x1f\x7f", "<html>&", "é ü 日本",
		"\u2028\u2029", "bad\xffutf8", "\xed\xa0\x80", "\uFFFD", "{{ $labels.x }}",
	} {
		p := jsonProblem{Check: "c/" + s, Severity: "warning", File: s, Line: 1, Column: 22, EndLine: 333, EndColumn: -1,
			Group: s, Rule: s, Message: "m " + s, Fix: s + " f"}
		if got, want := string(appendProblem(nil, p)), referenceProblem(t, p); got != want {
			t.Errorf("%q:\n got %s\nwant %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"a", "\"\\", "\n\u2028", "\xff", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Skip(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	})
}
