package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/spf13/cobra"
)

func init() { register(newVersionCmd) }

// version is set by release builds that cannot rely on module information,
// e.g. -ldflags "-X github.com/agentalerts/agentalerts/cmd.version=v1.2.3".
// When empty, the module version from the build info is used.
var version = ""

// unknown marks build facts the binary does not carry, e.g. the VCS
// revision of a build made with -buildvcs=false or outside a repository.
const unknown = "unknown"

// BuildInfo describes the running binary. It is what `agentalerts version`
// prints, and what bug reports should quote.
type BuildInfo struct {
	Version   string `json:"version"`  // module version, "(devel)" for a local build
	Module    string `json:"module"`   // main module path
	Revision  string `json:"revision"` // VCS commit, or "unknown"
	Time      string `json:"time"`     // VCS commit time (RFC 3339), or "unknown"
	Modified  string `json:"modified"` // "true" when built from a dirty tree, "false", or "unknown"
	GoVersion string `json:"go"`
	Platform  string `json:"platform"`
}

// ReadBuildInfo returns the running binary's BuildInfo.
func ReadBuildInfo() BuildInfo {
	bi, _ := debug.ReadBuildInfo()
	return buildInfoFrom(bi, version)
}

// buildInfoFrom is ReadBuildInfo with its inputs passed in, so every shape of
// build info (go install, go build with and without VCS stamping, no build
// info at all) can be tested.
func buildInfoFrom(bi *debug.BuildInfo, override string) BuildInfo {
	info := BuildInfo{
		Version:   unknown,
		Module:    unknown,
		Revision:  unknown,
		Time:      unknown,
		Modified:  unknown,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi != nil {
		if bi.Main.Path != "" {
			info.Module = bi.Main.Path
		}
		if bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				// Normalise so the JSON field only ever holds three values.
				if b, err := strconv.ParseBool(s.Value); err == nil {
					info.Modified = strconv.FormatBool(b)
				}
			}
		}
	}
	if override != "" {
		info.Version = override
	}
	return info
}

// Short is the one-line form: the version, plus the revision when the
// version alone does not identify the source (a local "(devel)" build).
func (b BuildInfo) Short() string {
	s := "agentalerts " + b.Version
	if b.Version == "(devel)" || b.Version == unknown {
		if b.Revision != unknown {
			rev := b.Revision
			if len(rev) > 12 {
				rev = rev[:12]
			}
			s += " (" + rev
			if b.Modified == "true" {
				s += ", modified"
			}
			s += ")"
		}
	}
	return s
}

type versionOptions struct {
	json bool
}

func newVersionCmd(s *IOStreams) *cobra.Command {
	var o versionOptions
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and Go version of this binary",
		Long: `Print the module version and the VCS revision, commit time and dirty flag
recorded in the binary's build information.

A binary installed with "go install module@version" reports that version. A
binary built in a git checkout reports a pseudo-version naming the commit,
with "+dirty" when the tree had uncommitted changes; built with
-buildvcs=false it reports "(devel)". Facts the binary does not carry are
printed as "unknown".`,
		Example: `  # Quote this in bug reports
  agentalerts version

  # Machine-readable, e.g. to pin the version in CI logs
  agentalerts version --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVersion(s.Out, o, ReadBuildInfo())
		},
	}
	c.Flags().BoolVar(&o.json, "json", false, "print the build information as a JSON object")
	return c
}

func runVersion(w io.Writer, o versionOptions, info BuildInfo) error {
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	_, err := fmt.Fprintf(w, `%s
  module:   %s
  revision: %s
  time:     %s
  modified: %s
  go:       %s %s
`, info.Short(), info.Module, info.Revision, info.Time, info.Modified, info.GoVersion, info.Platform)
	return err
}
