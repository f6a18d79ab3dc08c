package checks

import (
	goast "go/ast"
	"go/parser"
	"go/token"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// TestLintReachesNoServer: lint opens no connection. The code of lint
// (pkg/lint, its checks and formats) imports no network package and calls
// no template expansion, except template/runtime's (template_runtime.go),
// whose query function answers from memory;
// os/exec only runs git, for --diff-base, which names a revision. Then a
// rule file whose annotations query and link to a loopback server, linted
// with every check and a proxy pointing at that server, never reaches it.
func TestLintReachesNoServer(t *testing.T) {
	forbiddenImports := map[string]bool{"net": true, "net/http": true, "net/rpc": true, "net/smtp": true, "crypto/tls": true}
	forbiddenCalls := map[string]bool{"Expand": true, "ExpandHTML": true, "Execute": true, "ExecuteTemplate": true, "Dial": true}
	fset := token.NewFileSet()
	for _, dir := range []string{"..", ".", filepath.Join("..", "format")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if forbiddenImports[p] || p == "os/exec" && filepath.Base(path) != "diffbase.go" {
					t.Errorf("%s imports %s", fset.Position(imp.Pos()), p)
				}
			}
			goast.Inspect(f, func(n goast.Node) bool {
				if call, ok := n.(*goast.CallExpr); ok {
					if sel, ok := call.Fun.(*goast.SelectorExpr); ok && forbiddenCalls[sel.Sel.Name] &&
						(sel.Sel.Name != "Expand" || filepath.Base(path) != "template_runtime.go") {
						t.Errorf("%s calls %s", fset.Position(call.Pos()), sel.Sel.Name)
					}
				}
				return true
			})
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	url := "http://" + ln.Addr().String()
	t.Setenv("HTTP_PROXY", url)
	t.Setenv("HTTPS_PROXY", url)
	src := `groups:
  - name: g
    rules:
      - alert: A
        expr: up == 0
        for: 5m
        labels: {severity: page}
        annotations:
          summary: '{{ with query "up" }}{{ . | first | value }}{{ end }} {{ externalURL }}'
          description: '{{ range query "sum(up)" }}{{ .Value }}{{ end }} {{ "up" | query | first | label "job" }}'
          runbook_url: ` + url + `/runbook
`
	res, err := lint.Lint([]string{"-"}, strings.NewReader(src), lint.Options{Checks: All()})
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	for _, d := range res.Diagnostics {
		t.Logf("%s", d)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("lint opened %d connections to %s", n, url)
	}
}
