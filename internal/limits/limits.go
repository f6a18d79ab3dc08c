// Package limits holds the bounds on untrusted input that more than one
// command enforces, so lint and test refuse the same hostile input.
package limits

import (
	"fmt"

	"github.com/prometheus/prometheus/promql/parser"
)

// MaxExprOperators is the most operators, parentheses and set keywords
// one PromQL expression may have. Prometheus's parser takes time
// quadratic in them (10,000 additions take seconds), so an expression
// over the limit is not parsed.
const MaxExprOperators = 4096

// ExprOperators counts the operators, opening parentheses and set
// keywords (and, or, unless) of a PromQL expression outside its string
// literals: what the parser's running time grows with, squared. It is a
// scan of bytes, linear however hostile the input.
func ExprOperators(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'', '`':
			for i++; i < len(s) && s[i] != c; i++ {
				if s[i] == '\\' && c != '`' {
					i++
				}
			}
		case '+', '-', '*', '/', '%', '^', '(', '<', '>':
			n++
		case '=', '!':
			if i+1 < len(s) && s[i+1] == '=' { // == and !=, not a matcher's =
				n++
				i++
			}
		case 'a', 'o', 'u':
			if i > 0 && isWordByte(s[i-1]) {
				continue
			}
			for _, kw := range [...]string{"and", "or", "unless"} {
				if len(s)-i >= len(kw) && s[i:i+len(kw)] == kw && (i+len(kw) == len(s) || !isWordByte(s[i+len(kw)])) {
					n++
					i += len(kw) - 1
					break
				}
			}
		}
	}
	return n
}

func isWordByte(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ExprError is the error for an expression over MaxExprOperators.
func ExprError(ops int) error {
	return fmt.Errorf("expression with %d operators and parentheses, over the limit of %d: not parsed", ops, MaxExprOperators)
}

// Parser is a PromQL parser that refuses, without parsing, an expression
// over MaxExprOperators; everything else goes to the parser it wraps.
type Parser struct {
	parser.Parser
}

// ParseExpr parses input unless it is over the limit.
func (p Parser) ParseExpr(input string) (parser.Expr, error) {
	if ops := ExprOperators(input); ops > MaxExprOperators {
		return nil, ExprError(ops)
	}
	return p.Parser.ParseExpr(input)
}
