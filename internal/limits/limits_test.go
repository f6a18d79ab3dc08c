package limits

import (
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

func TestParserRefusesOnlyOverTheLimit(t *testing.T) {
	p := Parser{Parser: parser.NewParser(parser.Options{})}
	if _, err := p.ParseExpr(strings.Repeat("up + ", MaxExprOperators) + "up"); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	_, err := p.ParseExpr(strings.Repeat("up + ", MaxExprOperators+1) + "up")
	want := "expression with 4097 operators and parentheses, over the limit of 4096: not parsed"
	if err == nil || err.Error() != want {
		t.Errorf("over the limit: error %v, want %q", err, want)
	}
	if _, err := p.ParseMetric(`up{job="a"}`); err != nil {
		t.Errorf("ParseMetric is not passed through: %v", err)
	}
}
