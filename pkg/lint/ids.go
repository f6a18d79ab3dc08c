package lint

import (
	"slices"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Ids of the findings the reader and the engine produce themselves, while
// decoding a file or applying directives, rather than from a check's Run
// function. Each is still registered as a Check (pkg/lint/checks) so it has
// documentation, test data, and can be disabled or re-graded in config.
const (
	IDYAMLSyntax          = "yaml/syntax"
	IDYAMLDuplicateKey    = "yaml/duplicate-key"
	IDSchemaUnknownField  = "schema/unknown-field"
	IDSchemaWrongType     = "schema/wrong-type"
	IDSchemaMissingField  = "schema/missing-field"
	IDSchemaAlertRecord   = "schema/alert-and-record"
	IDSchemaBareList      = "schema/bare-list"
	IDSchemaNotRules      = "schema/not-rules"
	IDSchemaMultiDocument = "schema/multi-document"
	IDSchemaFieldValue    = "schema/field-value"

	IDDirectiveSyntax       = "directive/syntax"
	IDDirectiveUnknownCheck = "directive/unknown-check"
	IDDirectiveUnused       = "directive/unused"

	// IDRead is an unreadable path or file. It is not a check: it cannot be
	// disabled, and the command exits 2 when it occurs.
	IDRead = "io/read"

	// IDPanic is a check that crashed on some input: a bug in agentalerts,
	// reported where it happened so the rest of the run still counts.
	IDPanic = "internal/panic"
)

// Incomplete reports whether ds hold an IDRead finding: some input lint was
// given could not be read, so the run judged less than it was asked to.
// Callers must not treat such a run as a pass whatever else it found (the
// CLI exits 2), which is why this lives next to IDRead rather than in
// every caller.
func Incomplete(ds []diag.Diagnostic) bool {
	return slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Check == IDRead })
}
