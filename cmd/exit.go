package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Exit codes shared by every command.
const (
	ExitOK       = 0
	ExitFindings = 1 // lint findings at or above --fail-on; stale generated files; failing tests
	ExitUsage    = 2 // usage, I/O or input errors
)

// errPrefix starts every line an error puts on stderr, whichever command
// failed, so a CI log or a wrapper script tells agentalerts' complaints
// from the report on stdout and from other tools' output.
const errPrefix = "agentalerts: "

// ExitError carries an exit code out of a command. A nil Err means the
// command already printed what it had to say (with printError, as a
// command that reports a problem and goes on to the next input does).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageError is exit 2 for err: bad usage, or input that cannot be used.
func usageError(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// exitCode prints err and returns the process exit code for it: an
// ExitError's code, else ExitUsage, because an error no command classified
// is cobra's own (an unknown flag, a wrong number of arguments).
func exitCode(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	code := ExitUsage
	var ee *ExitError
	if errors.As(err, &ee) {
		code, err = ee.Code, ee.Err
	}
	printError(w, err)
	return code
}

// printError writes err to w, every line prefixed with errPrefix. A
// diag.List is one diagnostic per line (file:line:col: severity: message
// (id)), and errors.Join'ed errors are printed one after the other, so an
// error carrying many problems still reads one problem a line.
func printError(w io.Writer, err error) {
	if err == nil {
		return
	}
	var l diag.List
	if errors.As(err, &l) && err.Error() == l.Error() {
		for _, d := range l {
			printLines(w, withFlag(d).String())
		}
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			printError(w, e)
		}
		return
	}
	printLines(w, withLimitFlag(err))
}

func printLines(w io.Writer, msg string) {
	for line := range strings.SplitSeq(msg, "\n") {
		fmt.Fprintln(w, errPrefix+line)
	}
}
