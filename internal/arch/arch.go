// Package arch holds no code: its test enforces the import layers that
// docs/architecture.md describes, so the table there stays true.
package arch
