package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTableCells(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{"| a | b |", []string{" a ", " b "}},
		// kube-state-metrics' pod-metrics.md: the escaped pipes belong to
		// the labels cell, and uid comes after them.
		{"| kube_pod_status_phase | Gauge | `pod`=&lt;pod-name&gt; <br> `phase`=&lt;Pending\\|Running&gt; <br> `uid`=&lt;pod-uid&gt; | STABLE |",
			[]string{" kube_pod_status_phase ", " Gauge ", " `pod`=&lt;pod-name&gt; <br> `phase`=&lt;Pending|Running&gt; <br> `uid`=&lt;pod-uid&gt; ", " STABLE "}},
		{"a|b", []string{"a", "b"}},
	} {
		if d := cmp.Diff(c.want, tableCells(c.line)); d != "" {
			t.Errorf("tableCells(%q) (-want +got):\n%s", c.line, d)
		}
	}
}
