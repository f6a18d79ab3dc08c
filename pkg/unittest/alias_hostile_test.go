package unittest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// TestParseRefusesAliasBomb: a test file whose aliases expand
// exponentially is refused as a limit, at the alias, before the decoder
// walks the expansion.
func TestParseRefusesAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	b.WriteString("tests: *a11\n")
	start := time.Now()
	_, err := Parse("t.yaml", []byte(b.String()))
	if time.Since(start) > 2*time.Second {
		t.Errorf("Parse took %v, want it refused at once", time.Since(start))
	}
	ds, _ := err.(diag.List)
	if len(ds) != 1 || ds[0].Check != CheckLimit || !strings.Contains(ds[0].Message, "an alias bomb?") || ds[0].Pos.Line == 0 {
		t.Fatalf("Parse error = %v, want one positioned %s alias bomb", err, CheckLimit)
	}
}
