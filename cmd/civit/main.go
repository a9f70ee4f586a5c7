// Command civit is a command-line tool for CivitAI: search, show, identify
// and download models. All of its logic lives in internal/cli.
package main

import (
	"os"

	"github.com/civit/civit/internal/cli"
)

func main() { os.Exit(cli.Main()) }
