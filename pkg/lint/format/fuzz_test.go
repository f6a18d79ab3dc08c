package format

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// FuzzFormats feeds arbitrary messages, paths, positions and sources to
// every format: none may panic, the JSON formats must stay valid JSON,
// checkstyle valid XML, and github one workflow command per finding.
func FuzzFormats(f *testing.F) {
	f.Add("rules.yaml", "groups:\n\t- x\n", 2, 3, 2, 9, "msg: a, b%\r\nc", "fix\nline", "a/b")
	f.Add("<stdin>", "", 0, 0, 0, 0, "", "", "")
	f.Add("dir/ü.yaml", "ü\tä x", 1, 40, 0, 0, "<x> & \"y\"", "", "x/y")
	f.Add("a.yaml", "a\nb\nc", 1, 2, 3, 1, "]]>", "\x00", "id")
	f.Fuzz(func(t *testing.T, file, src string, line, col, endLine, endCol int, msg, fix, check string) {
		d := diag.Diagnostic{
			Pos: diag.Pos{File: file, Line: line % 1000, Column: col % 1000}, End: diag.Pos{File: file, Line: endLine % 1000, Column: endCol % 1000},
			Check: check, Severity: diag.Severity(1 + abs(line)%3), Message: msg, Fix: fix, Group: "g", Rule: "r",
		}
		r := &Report{Diagnostics: []diag.Diagnostic{d, d}, Files: 1, Rules: 1, Source: func(string) []byte { return []byte(src) }, Root: "/repo", WorkDir: "/repo/sub"}
		for _, name := range Names() {
			for _, color := range []bool{false, true} {
				fm, _ := New(name, Options{Color: color})
				var buf bytes.Buffer
				if err := fm.Format(&buf, r); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				switch name {
				case "json", "sarif", "gitlab":
					if !json.Valid(buf.Bytes()) {
						t.Fatalf("%s: invalid JSON:\n%s", name, buf.String())
					}
				case "checkstyle":
					dec := xml.NewDecoder(&buf)
					for {
						_, err := dec.Token()
						if err != nil {
							if err.Error() != "EOF" {
								t.Fatalf("checkstyle: invalid XML: %v", err)
							}
							break
						}
					}
				case "github":
					if n := strings.Count(buf.String(), "\n"); n != 2 {
						t.Fatalf("github: %d lines for 2 findings:\n%q", n, buf.String())
					}
				}
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
