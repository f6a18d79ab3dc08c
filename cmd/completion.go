package cmd

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func init() { register(newCompletionCmd) }

// newCompletionCmd replaces cobra's default completion command (cobra skips
// its own when one named "completion" exists) so that every shell has an
// Example in --help and in docs/cli, and so that the generated reference does
// not depend on whether cobra added its command lazily at Execute time.
func newCompletionCmd(s *IOStreams) *cobra.Command {
	var noDesc bool
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print a script that teaches your shell to complete agentalerts commands,
flags, flag values such as lint's --format, and check ids for explain. Load
it once in the current shell, or install it where your shell looks for
completions (see the help of each shell's subcommand).`,
		Example: `  # Try it in the current bash session
  source <(agentalerts completion bash)

  # Install for zsh (needs "autoload -U compinit; compinit" in ~/.zshrc)
  agentalerts completion zsh > "${fpath[1]}/_agentalerts"`,
		// NoArgs makes cobra reject an unknown shell as an unknown command;
		// RunE makes the bare command a usage error instead of a silent help.
		Args:                  cobra.NoArgs,
		DisableFlagsInUseLine: true,
		ValidArgsFunction:     cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("completion: name a shell: bash, zsh, fish or powershell")}
		},
	}
	c.PersistentFlags().BoolVar(&noDesc, "no-descriptions", false, "leave out the description shown beside each candidate")

	shells := []struct {
		name, long, example string
		gen                 func(root *cobra.Command, w io.Writer, desc bool) error
	}{
		{
			name: "bash",
			long: `Print the bash completion script. It needs the bash-completion package
(version 2.x); check with "type _init_completion".`,
			example: `  # Current session only
  source <(agentalerts completion bash)

  # Every new session, for your user
  mkdir -p ~/.local/share/bash-completion/completions
  agentalerts completion bash > ~/.local/share/bash-completion/completions/agentalerts`,
			gen: func(root *cobra.Command, w io.Writer, desc bool) error {
				return root.GenBashCompletionV2(w, desc)
			},
		},
		{
			name: "zsh",
			long: `Print the zsh completion script. Completion must be enabled in zsh: put
"autoload -U compinit; compinit" in ~/.zshrc if it is not already there.`,
			example: `  # Current session only
  source <(agentalerts completion zsh)

  # Every new session: write it to a directory on $fpath, then start a new shell
  agentalerts completion zsh > "${fpath[1]}/_agentalerts"`,
			gen: func(root *cobra.Command, w io.Writer, desc bool) error {
				if desc {
					return root.GenZshCompletion(w)
				}
				return root.GenZshCompletionNoDesc(w)
			},
		},
		{
			name: "fish",
			long: `Print the fish completion script.`,
			example: `  # Current session only
  agentalerts completion fish | source

  # Every new session
  agentalerts completion fish > ~/.config/fish/completions/agentalerts.fish`,
			gen: func(root *cobra.Command, w io.Writer, desc bool) error {
				return root.GenFishCompletion(w, desc)
			},
		},
		{
			name: "powershell",
			long: `Print the PowerShell completion script.`,
			example: `  # Current session only
  agentalerts completion powershell | Out-String | Invoke-Expression

  # Every new session: add the line above to your PowerShell profile ($PROFILE)`,
			gen: func(root *cobra.Command, w io.Writer, desc bool) error {
				if desc {
					return root.GenPowerShellCompletionWithDesc(w)
				}
				return root.GenPowerShellCompletion(w)
			},
		},
	}
	for _, sh := range shells {
		gen := sh.gen
		c.AddCommand(&cobra.Command{
			Use:                   sh.name,
			Short:                 fmt.Sprintf("Print the %s completion script", sh.name),
			Long:                  sh.long,
			Example:               sh.example,
			Args:                  cobra.NoArgs,
			DisableFlagsInUseLine: true,
			ValidArgsFunction:     cobra.NoFileCompletions,
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := gen(cmd.Root(), s.Out, !noDesc); err != nil {
					return &ExitError{Code: ExitUsage, Err: fmt.Errorf("writing completion script: %w", err)}
				}
				return nil
			},
		})
	}
	return c
}
