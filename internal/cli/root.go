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

func helpTopic(name, short, long string) *cobra.Command {
	// No Run: cobra lists it under "Additional help topics" and
	// `civit help NAME` prints it.
	return &cobra.Command{
		Use:   name,
		Short: short,
		Long:  strings.TrimSpace(long),
	}
}

const environmentHelp = `
CIVITAI_API_KEY      API key for downloads that need an account and for
                     early-access or private models. Create one at
                     https://civitai.com/user/account. CIVITAI_TOKEN and
                     CIVITAI_API_TOKEN are accepted too. Whitespace and
                     newlines around the key are ignored. The key is sent only
                     as "Authorization: Bearer" to the API host, never to file
                     storage, and never printed.
CIVITAI_BASE_URL     API base URL (default https://civitai.com; https://civitai.red
                     works the same; a fake server such as http://127.0.0.1:8787).
HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
                     proxies, as in any Go program (http://, https:// and
                     socks5:// URLs).
XDG_CONFIG_HOME      config file: $XDG_CONFIG_HOME/civit/config.json
                     (default ~/.config/civit/config.json).
XDG_CACHE_HOME       response cache: $XDG_CACHE_HOME/civit/http (default ~/.cache).
XDG_DATA_HOME        the library database: $XDG_DATA_HOME/civit/library.db
                     (default ~/.local/share).
NO_COLOR, CLICOLOR=0 disable colours; CLICOLOR_FORCE=1 forces them.
CIVIT_FORCE_TTY      behave as on a terminal (aligned tables, relative times,
                     questions answered on stdin); a number sets the width.

The environment wins over the config file ('civit config').`

const exitCodesHelp = `
0    success
1    error (not found, server error, network error, bad file...)
2    usage error: bad flag or argument; the usage is printed
3    partial failure: some of several items failed (each is listed)
4    authentication needed or refused: set CIVITAI_API_KEY, or the model is
     in early access
130  interrupted (Ctrl-C or SIGTERM)`
