// Package config implements `civit config`: read and change settings such
// as the API key and the base URL.
package config

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/cmdutil"
	cfgpkg "github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
)

// Options are the parsed arguments of `civit config`.
type Options struct {
	Factory *cmdutil.Factory

	Action string // get, set, unset, list, path
	Key    string
	Value  string
	Show   bool // get: print a secret unmasked
}

// NewCmdConfig returns the config command with its subcommands.
func NewCmdConfig(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Read and change civit's settings",
		Long: strings.TrimSpace(`
Read and change settings stored in civit's config file, readable by you
only: $XDG_CONFIG_HOME/civit/config.json, on Windows
%AppData%\civit\config.json ('civit config path' prints it). Environment
variables (CIVITAI_API_KEY, CIVITAI_BASE_URL) win over the file. In the
folder settings (output_dir, root, roots) a leading ~ stands for your home
folder, in a file edited by hand too. A hand-edited value civit cannot use
is an error where a command reads it; an unknown key is a warning; 'civit
config list' marks both.

Keys:
` + keyHelp()),
		Example: strings.TrimSpace(`
# store the API key (read from stdin so it stays out of the shell history)
$ civit config set api_key -
$ civit config set base_url https://civitai.red
$ civit config set output_dir "~/models"
$ civit config list`),
	}
	run := func(opts *Options) func(*cobra.Command, []string) error {
		return func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Key = args[0]
				// unset also removes an unknown key the file has: the
				// file decides, in runConfig.
				if _, ok := cfgpkg.LookupKey(opts.Key); !ok && opts.Action != "unset" {
					return unknownKey(opts.Key)
				}
			}
			if len(args) > 1 {
				opts.Value = args[1]
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runConfig(c.Context(), opts)
		}
	}
	get := &Options{Factory: f, Action: "get"}
	getCmd := &cobra.Command{Use: "get <key>", Short: "Print a setting", Args: cmdutil.ExactArgs(1, "a key"), RunE: run(get),
		Long: strings.TrimSpace(`
Print the value of a setting as civit uses it: from the environment when
it sets it (CIVITAI_API_KEY, CIVITAI_BASE_URL), else from the config file.
The API key is masked unless --show-secret is given.

EXIT STATUS
  0 printed, 1 not set (nothing is printed), 2 unknown key.`)}
	getCmd.Flags().BoolVar(&get.Show, "show-secret", false, "print secrets (the API key, a base URL's password) unmasked")
	set := &Options{Factory: f, Action: "set"}
	setCmd := &cobra.Command{Use: "set <key> {<value> | -}", Short: "Change a setting (- reads the value from stdin)", Args: cmdutil.ExactArgs(2, "a key and a value"), RunE: run(set)}
	unsetCmd := &cobra.Command{Use: "unset <key>", Short: "Remove a setting", Args: cmdutil.ExactArgs(1, "a key"), RunE: run(&Options{Factory: f, Action: "unset"})}
	listCmd := &cobra.Command{Use: "list", Short: "Print every setting and where it comes from", Args: cmdutil.NoArgs, RunE: run(&Options{Factory: f, Action: "list"})}
	pathCmd := &cobra.Command{Use: "path", Short: "Print the config file's path", Args: cmdutil.NoArgs, RunE: run(&Options{Factory: f, Action: "path"})}
	keys := cobra.FixedCompletions(cfgpkg.KeyNames(), cobra.ShellCompDirectiveNoFileComp)
	getCmd.ValidArgsFunction, setCmd.ValidArgsFunction, unsetCmd.ValidArgsFunction = keys, keys, keys
	cmd.AddCommand(getCmd, setCmd, unsetCmd, listCmd, pathCmd)
	return cmd
}

func keyHelp() string {
	var b strings.Builder
	width := 0
	for _, k := range cfgpkg.Keys {
		width = max(width, len(k.Name))
	}
	indent := strings.Repeat(" ", width+3)
	for _, k := range cfgpkg.Keys {
		// Wrapped for an 80-column terminal, continued under the text.
		lines := wrapWords(k.Help, 78-len(indent))
		fmt.Fprintf(&b, "  %-*s %s\n", width, k.Name, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(&b, "%s%s\n", indent, l)
		}
	}
	return b.String()
}

// unknownKey is the usage error for a key civit does not know (and, for
// unset, the file does not have), with the key meant when one is close.
func unknownKey(key string) error {
	err := cmdutil.FlagErrorf("unknown config key %q: valid keys are %s", key, strings.Join(cfgpkg.KeyNames(), ", "))
	if s := cfgpkg.Suggest(key); s != "" {
		return cmdutil.WithHint(err, fmt.Sprintf("did you mean %s?", s))
	}
	return err
}

func runConfig(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	cfg, err := o.Factory.Config()
	var fileErr *cfgpkg.FileError
	switch {
	case errors.As(err, &fileErr) && o.Action == "path":
		// Where the broken file is, is what one needs to fix it.
		fmt.Fprintln(ios.Out, fileErr.Path)
		return nil
	case err != nil:
		return err // a *FileError carries its hint
	}
	switch o.Action {
	case "path":
		if err := cfg.Err(); err != nil {
			return err
		}
		fmt.Fprintln(ios.Out, cfg.Path())
	case "get":
		v := effective(o.Factory, cfg, o.Key)
		if !o.Show {
			v = masked(o.Key, v)
		}
		if v == "" {
			return cmdutil.ErrSilent
		}
		fmt.Fprintln(ios.Out, v)
	case "set":
		value := o.Value
		if value == "-" {
			if value, err = readValue(ctx, ios, o.Key); err != nil {
				return err
			}
		}
		if strings.TrimSpace(value) == "" {
			return cmdutil.FlagErrorf("empty value for %s (use `civit config unset %s` to remove it)", o.Key, o.Key)
		}
		if err := cfg.Set(o.Key, value); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		if err := cfg.Save(); err != nil {
			return err
		}
		if ios.IsStderrTTY() {
			fmt.Fprintf(ios.ErrOut, "✓ set %s in %s\n", o.Key, cfg.Path())
		}
		warnEnvWins(o.Factory, cfg, o.Key)
	case "unset":
		if err := cfg.Unset(o.Key); err != nil {
			if _, known := cfgpkg.LookupKey(o.Key); !known {
				return unknownKey(o.Key)
			}
			return &cmdutil.FlagError{Err: err}
		}
		if err := cfg.Save(); err != nil {
			return err
		}
		warnEnvWins(o.Factory, cfg, o.Key)
	case "list":
		for _, k := range cfgpkg.Keys {
			v, src := effectiveSource(o.Factory, cfg, k.Name)
			if v == "" {
				continue
			}
			v = masked(k.Name, v)
			if why := invalid(o.Factory, cfg, k.Name); why != "" {
				src += ", invalid: " + why
			}
			fmt.Fprintf(ios.Out, "%s=%s\t(%s)\n", k.Name, v, src)
		}
		// Unknown keys without their values ("apikey" holds a key).
		for _, k := range cfg.Unknown() {
			note := "config file, unknown key: ignored"
			if s := cfgpkg.Suggest(k); s != "" {
				note += fmt.Sprintf("; did you mean %s?", s)
			}
			fmt.Fprintf(ios.Out, "%s\t(%s)\n", k, note)
		}
	}
	return nil
}

// readValue reads the value of `config set KEY -` from stdin. On a
// terminal it asks for it on stderr ("API key: "), not to look hung, and
// reads a secret without echo, so the key stays off the screen and out of
// the scrollback as well as out of the shell history. Piped, it takes the
// first line.
func readValue(ctx context.Context, ios *iostreams.IOStreams, key string) (string, error) {
	k, _ := cfgpkg.LookupKey(key)
	if ios.IsStdinTTY() {
		prompt := key
		if key == "api_key" {
			prompt = "API key"
		}
		fmt.Fprintf(ios.ErrOut, "%s: ", prompt)
	}
	var value string
	var err error
	if k.Secret && ios.IsStdinTTY() {
		value, err = ios.ReadSecret(ctx)
	} else {
		sc := bufio.NewScanner(ios.In)
		sc.Buffer(make([]byte, 4096), 1<<20)
		if sc.Scan() {
			value = sc.Text()
		} else if err = sc.Err(); err == nil {
			err = io.EOF
		}
	}
	switch {
	case errors.Is(err, io.EOF):
		return "", cmdutil.FlagErrorf("no value on standard input for %s", key)
	case err != nil:
		return "", err
	}
	return value, nil
}

// invalid says why the value of key civit would use is not valid ("" when
// it is), so that `config list` does not show it as in effect.
func invalid(f *cmdutil.Factory, cfg *cfgpkg.Config, key string) string {
	var err error
	switch key {
	case "api_key":
		_, err = cfg.ValidAPIKey(f.Getenv)
	case "base_url":
		if _, src := cfg.BaseURL(f.Getenv); src == cfgpkg.SourceFile {
			err = cfg.Check(key)
		}
	default:
		err = cfg.Check(key)
	}
	var ke *cfgpkg.KeyError
	var ve *cfgpkg.ValueError
	switch {
	case errors.As(err, &ke):
		return ke.Err.Error()
	case errors.As(err, &ve):
		return ve.Err.Error()
	case err != nil:
		return err.Error()
	}
	return ""
}

// masked is the value of key as it may be shown: the API key masked, the
// user name and password of a base URL (set in the environment, where
// nothing checks it) hidden.
func masked(key, v string) string {
	if k, _ := cfgpkg.LookupKey(key); k.Secret {
		return cfgpkg.Mask(v)
	}
	if key == "base_url" {
		return cfgpkg.RedactURL(v)
	}
	return v
}

// warnEnvWins says when the environment overrides the key just changed in
// the file, so the change has no effect yet.
func warnEnvWins(f *cmdutil.Factory, cfg *cfgpkg.Config, key string) {
	if f.Getenv == nil {
		return
	}
	var from string
	switch key {
	case "api_key":
		_, src, name := cfg.APIKey(f.Getenv)
		if src == cfgpkg.SourceEnv {
			from = name
		}
	case "base_url":
		if _, src := cfg.BaseURL(f.Getenv); src == cfgpkg.SourceEnv {
			from = cfgpkg.EnvBaseURL
		}
	}
	if from != "" {
		fmt.Fprintf(f.IOStreams.ErrOut, "civit: warning: %s is set in the environment and wins over the config file's %s\n", from, key)
	}
}

func effective(f *cmdutil.Factory, cfg *cfgpkg.Config, key string) string {
	v, _ := effectiveSource(f, cfg, key)
	return v
}

func effectiveSource(f *cmdutil.Factory, cfg *cfgpkg.Config, key string) (string, string) {
	switch key {
	case "api_key":
		v, src, from := cfg.APIKey(f.Getenv)
		if src == cfgpkg.SourceEnv {
			return v, "environment " + from
		}
		return v, string(src)
	case "base_url":
		v, src := cfg.BaseURL(f.Getenv)
		return v, string(src)
	}
	return cfg.Get(key), string(cfgpkg.SourceFile)
}

// wrapWords splits s into lines of at most width characters, at spaces
// (a longer word gets a line of its own).
func wrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return append(lines, line)
}
