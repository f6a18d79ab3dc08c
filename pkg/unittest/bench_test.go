package unittest

import (
	"testing"
)

// BenchmarkRunFile runs the passing testdata file end to end: parse,
// validate, load rules, evaluate and compare.
func BenchmarkRunFile(b *testing.B) {
	for b.Loop() {
		res, err := RunFile("../../testdata/unittest/pass.test.yaml", Options{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Failed() {
			b.Fatal("pass.test.yaml failed")
		}
	}
}
