package cli

import (
	"strings"

	"github.com/spf13/cobra"

	configcmd "github.com/civit/civit/internal/cmd/config"
	downloadcmd "github.com/civit/civit/internal/cmd/download"
	dupescmd "github.com/civit/civit/internal/cmd/dupes"
	hashcmd "github.com/civit/civit/internal/cmd/hash"
	imagescmd "github.com/civit/civit/internal/cmd/images"
	lscmd "github.com/civit/civit/internal/cmd/ls"
	outdatedcmd "github.com/civit/civit/internal/cmd/outdated"
	scancmd "github.com/civit/civit/internal/cmd/scan"
	searchcmd "github.com/civit/civit/internal/cmd/search"
	showcmd "github.com/civit/civit/internal/cmd/show"
	updatecmd "github.com/civit/civit/internal/cmd/update"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/layout"
)

// NewRootCmd builds the civit command tree.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "civit <command> [flags]",
		Short: "Find, download and keep CivitAI models",
		Long: strings.TrimSpace(`
civit searches CivitAI, shows models and versions, identifies local files by
hash, and downloads models fast, resumably and verified into the folders your
UI (ComfyUI, A1111/Forge, SwarmUI, InvokeAI) expects.

Results go to stdout; progress, warnings and errors go to stderr.
See 'civit help environment' for settings and 'civit help exit-codes'.`),
		Example: strings.TrimSpace(`
# find SDXL LoRAs about pixel art
$ civit search "pixel art" --type lora --base-model "SDXL 1.0"

# show a model and the files of its latest version
$ civit show https://civitai.com/models/4201

# which model is this file?
$ civit hash ~/ComfyUI/models/loras/mystery.safetensors`),
		Version:       f.AppVersion,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("civit {{.Version}}\n")
	root.SetHelpCommand(newHelpCmd())
	root.SetFlagErrorFunc(flagErrorFunc)
	root.AddCommand(
		searchcmd.NewCmdSearch(f, nil),
		showcmd.NewCmdShow(f, nil),
		hashcmd.NewCmdHash(f, nil),
		imagescmd.NewCmdImages(f, nil),
		downloadcmd.NewCmdDownload(f, nil),
		scancmd.NewCmdScan(f, nil),
		lscmd.NewCmdLs(f, nil),
		outdatedcmd.NewCmdOutdated(f, nil),
		updatecmd.NewCmdUpdate(f, nil),
		dupescmd.NewCmdDupes(f, nil),
		configcmd.NewCmdConfig(f, nil),
		helpTopic("environment", "Environment variables civit reads", environmentHelp),
		helpTopic("exit-codes", "What civit's exit codes mean", exitCodesHelp),
		helpTopic("layouts", "Where `--layout` puts each kind of model", layout.MarkdownAll()),
	)
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(flagErrorFunc)
	}
	return root
}
