package main

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/lint"
)

// floorResult is what the parse floor did: enough to check it saw the
// same corpus as the linters.
type floorResult struct {
	Files, Exprs, ExprErrors, YAMLErrors int
}

// parseFloor does the least any linter built on yaml.v3 and the PromQL
// parser must do: find the rule files under paths as lint does, read each
// once, decode every document into yaml.v3 nodes and parse every
// groups[].rules[].expr, on workers goroutines. No checks, no output.
func parseFloor(paths []string, workers int) (floorResult, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return floorResult{}, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if ext := filepath.Ext(path); ext == ".yml" || ext == ".yaml" {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return floorResult{}, err
		}
	}

	work := make(chan string)
	results := make([]floorResult, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(res *floorResult, errp *error) {
			defer wg.Done()
			p := parser.NewParser(parser.Options{})
			for path := range work {
				src, err := os.ReadFile(path)
				if err != nil {
					if *errp == nil {
						*errp = err
					}
					continue
				}
				res.Files++
				parseFile(p, src, res)
			}
		}(&results[w], &errs[w])
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()

	var total floorResult
	for i, r := range results {
		if errs[i] != nil {
			return total, errs[i]
		}
		total.Files += r.Files
		total.Exprs += r.Exprs
		total.ExprErrors += r.ExprErrors
		total.YAMLErrors += r.YAMLErrors
	}
	return total, nil
}

func parseFile(p parser.Parser, src []byte, res *floorResult) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if !errors.Is(err, io.EOF) {
				res.YAMLErrors++
			}
			return
		}
		for _, rule := range ruleNodes(&doc) {
			expr := lint.MapGet(rule, "expr")
			if expr == nil || expr.Kind != yaml.ScalarNode {
				continue
			}
			res.Exprs++
			if _, err := p.ParseExpr(expr.Value); err != nil {
				res.ExprErrors++
			}
		}
	}
}
