package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/suggest"
)

// newHelpCmd replaces cobra's help command, which answers an unknown topic
// with its usage on stdout and exit 0: here it is a usage error, as an
// unknown command is.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [<command>...]",
		Short: "Help about any command or topic",
		Long: strings.TrimSpace(`
Print the help of a command ('civit help search', 'civit help config set')
or of a topic ('civit help environment', 'civit help exit-codes',
'civit help layouts').`),
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			target, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range target.Commands() {
				if (sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand()) && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || target == nil || len(rest) > 0 {
				// The error says what to do; no usage after it (as for an
				// unknown command).
				c.SetUsageFunc(func(*cobra.Command) error { return nil })
				hint := "run `civit --help` for the list of commands and help topics"
				if sug := helpSuggestions(c.Root(), args); len(sug) > 0 {
					hint = fmt.Sprintf("did you mean %s? (%s)", strings.Join(sug, " or "), hint)
				}
				return cmdutil.WithHint(cmdutil.FlagErrorf("unknown help topic %q", strings.Join(args, " ")), hint)
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

// helpSuggestions names the help pages meant by args, whose last known
// command is followed by an unknown word (`civit help serch`, `civit help
// config sett`): the commands and topics under it that start with the word
// or are one edit from it (else two), as `civit help WORD...`.
func helpSuggestions(root *cobra.Command, args []string) []string {
	parent, i := root, 0
	for ; i < len(args); i++ {
		next := (*cobra.Command)(nil)
		for _, sub := range parent.Commands() {
			if sub.Name() == args[i] || sub.HasAlias(args[i]) {
				next = sub
			}
		}
		if next == nil {
			break
		}
		parent = next
	}
	if i != len(args)-1 {
		return nil // all known, or more than one unknown word
	}
	word := strings.ToLower(args[i])
	path := strings.Join(append([]string{"civit", "help"}, args[:i]...), " ")
	var out []string
	for d := 1; d <= 2 && d < len(word) && len(out) == 0; d++ {
		for _, sub := range parent.Commands() {
			if !sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() || sub.Name() == "help" {
				continue
			}
			name := sub.Name()
			if len(word) >= 2 && strings.HasPrefix(name, word) || suggest.Distance(word, name) <= d {
				out = append(out, "`"+path+" "+name+"`")
			}
		}
	}
	return out
}

func helpTopic(name, short, long string) *cobra.Command {
	// No Run: cobra lists it under "Additional help topics" and
	// `civit help NAME` prints it.
	return &cobra.Command{
		Use:   name,
		Short: short,
		Long:  strings.TrimSpace(dropHTMLComments(long)),
	}
}

// dropHTMLComments removes the lines that are HTML comments (the
// "generated, do not edit" note of a Markdown text) from a help text read
// in a terminal.
func dropHTMLComments(s string) string {
	lines := strings.SplitAfter(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "<!--") && strings.HasSuffix(t, "-->") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "")
}

const environmentHelp = `
CIVITAI_API_KEY      API key for downloads that need an account and for
                     early-access or private models. Create one at
                     https://civitai.com/user/account. CIVITAI_TOKEN and
                     CIVITAI_API_TOKEN are accepted too. Whitespace and
                     newlines around the key, and a "Bearer " before it, are
                     ignored. The key is sent only as "Authorization: Bearer"
                     to the API host, never to file storage, and never
                     printed.
CIVITAI_BASE_URL     API base URL (default https://civitai.com;
                     https://civitai.red works the same; a fake server such
                     as http://127.0.0.1:8787).
HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
                     proxies for the API, downloads and previews alike:
                     HTTPS_PROXY for https:// addresses, HTTP_PROXY for
                     http:// ones, ALL_PROXY for either when its own is
                     unset (as in curl), none for hosts in NO_PROXY or on
                     loopback. A proxy URL may be http://, https://,
                     socks5:// or socks5h://, with user:password@ for a
                     proxy that asks for one; without a scheme it is
                     http://. A value civit cannot use is an error, never
                     a direct connection.
XDG_CONFIG_HOME      config file: $XDG_CONFIG_HOME/civit/config.json
                     (default ~/.config/civit/config.json). macOS and
                     Windows do not read it: there the file is in
                     ~/Library/Application Support/civit and %AppData%\civit
                     ('civit config path' prints where).
XDG_CACHE_HOME       response cache: $XDG_CACHE_HOME/civit/http (default
                     ~/.cache; macOS ~/Library/Caches, Windows %LocalAppData%).
XDG_DATA_HOME        the library database: $XDG_DATA_HOME/civit/library.db
                     (default ~/.local/share, on Windows %LocalAppData%).
NO_COLOR, CLICOLOR=0 no colour. On a terminal civit prints table headers in
                     bold, "civit: error:" in red and "civit: hint:" in
                     cyan; that is all the colour there is.
CLICOLOR_FORCE=1     colour even when the output is not a terminal.
TERM=dumb            a terminal that prints escape sequences as text (Emacs's
                     shell): no colour, and download progress as lines.
CIVIT_FORCE_TTY      behave as on a terminal (aligned tables, relative times,
                     questions answered on stdin), without colour; a number
                     sets the width.

The environment wins over the config file ('civit config').`

const exitCodesHelp = `
0    success
1    error (not found, server error, network error, bad file...), also
     when every one of several items failed
2    usage error: bad flag or argument (the usage is printed), or bad
     input: a target list, a folder that is a file, a --root in a models
     folder (one line and its hint, no usage)
3    partial failure: some, not all, of several items failed (each is
     listed)
4    authentication needed or refused: set CIVITAI_API_KEY, or the model is
     in early access (also when every one of several items failed so)
130  interrupted (Ctrl-C, SIGTERM, or SIGHUP: the terminal was closed);
     resume state is saved, run the same command again to resume
141  the results' reader quit (a closed pipe: 'civit ls | head -1');
     civit stops as for Ctrl-C, saving resume state, and says nothing`
