// Command agentalerts generates and lints Prometheus alerting rules for
// services that run LLM agents.
package main

import (
	"os"

	"github.com/agentalerts/agentalerts/cmd"
)

func main() { os.Exit(cmd.Execute()) }
