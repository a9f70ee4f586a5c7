// Package cli is civit's entry point: it builds the root command and the
// Factory, handles signals, and maps every error to a message and an exit
// code in one place (report).
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
)

// Version is set at link time with -ldflags "-X github.com/civit/civit/internal/cli.Version=v1.2.3".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Main runs civit with os.Args and returns the exit code.
func Main() int {
	catchSIGPIPE()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	notifyStop(ctx, cancel)
	ios := iostreams.System()
	// Results nobody reads any more (`civit ls | head -1`) stop the
	// command as Ctrl-C does: a listing is not worth finishing, and a
	// download winds down saving its state; Run exits 141 then.
	ios.OnBrokenOut(cancel)
	f := NewFactory(ios, version(), os.Getenv)
	return Run(ctx, f, os.Args[1:])
}

// notifyStop calls cancel at the first stop signal (Ctrl-C, SIGTERM,
// SIGHUP), and civit winds down (saving resume state); from then on
// Ctrl-C and SIGTERM have their default effect, so a second one ends a
// process that does not stop. Every write civit makes survives that (the
// same as kill -9). A hang-up stays caught (lastingSignals). The
// watcher ends when ctx is done.
func notifyStop(ctx context.Context, cancel func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals...)
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
			return
		}
		cancel()
		var reset []os.Signal
		for _, s := range stopSignals {
			if !slices.Contains(lastingSignals, s) {
				reset = append(reset, s)
			}
		}
		signal.Reset(reset...)
	}()
}

// Run executes the command line args with the factory f.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	// cobra adds these on Execute; the unknown command check needs them,
	// and the completion command takes its output stream when made.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd(args...)
	if err := unknownCommand(root, args); err != nil {
		return report(f.IOStreams.ErrOut, f.IOStreams.ErrColorScheme(), err, "", secrets(f)...)
	}
	cmd, err := root.ExecuteContextC(ctx)
	if werr := f.IOStreams.OutErr(); err == nil && werr != nil {
		// A result lost to a full disk or a closed pipe is a failure.
		err = fmt.Errorf("write the results: %w", werr)
	}
	if f.Close != nil {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close the library: %w", cerr)
		}
	}
	// cobra's own "unknown command" (which unknownCommand should have
	// caught first) is a usage error too, its suggestions left out.
	if err != nil && strings.HasPrefix(err.Error(), "unknown command ") {
		first, _, _ := strings.Cut(err.Error(), "\n")
		err = cmdutil.WithHint(&cmdutil.FlagError{Err: errors.New(first)}, "run `civit --help` for the list of commands")
		cmd = nil
	}
	if f.IOStreams.OutBroken() && (err == nil || ctx.Err() != nil || errors.Is(err, context.Canceled) || iostreams.IsBrokenPipe(err)) {
		// The reader of the results quit (`civit ls | head -1`): what a
		// program killed by SIGPIPE ends with, as civit did before it
		// caught the signal, and no message (nobody asked for more; the
		// shell's pipefail sees 141). What the command itself printed
		// on stderr stands (an interrupted download's summary).
		return ExitBrokenPipe
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("%w: %v", context.Canceled, err)
	}
	if err == nil {
		return ExitOK // (secrets would read the config file, which may warn)
	}
	usage := ""
	if cmd != nil {
		usage = cmd.UsageString()
	}
	return report(f.IOStreams.ErrOut, f.IOStreams.ErrColorScheme(), err, usage, secrets(f)...)
}

// secrets are the API keys civit may know, to be kept out of its messages:
// cleaned as civit uses them (a value with a trailing newline is never
// found whole in a message).
func secrets(f *cmdutil.Factory) []string {
	var out []string
	if f.Getenv != nil {
		for _, k := range []string{"CIVITAI_API_KEY", "CIVITAI_TOKEN", "CIVITAI_API_TOKEN"} {
			out = append(out, config.CleanKey(f.Getenv(k)))
		}
	}
	if f.Config != nil {
		if c, cerr := f.Config(); cerr == nil {
			out = append(out, config.CleanKey(c.Get("api_key")))
		}
	}
	return out
}

// unknownCommand is the usage error for a command line naming a command
// that does not exist: at the top (`civit serch`) or under a command that
// only groups others (`civit config st`, `civit completion zhs`), which
// cobra answers with the group's help and exit 0. The hint suggests the
// command meant and lists the valid ones.
func unknownCommand(root *cobra.Command, args []string) error {
	cmd, rest, err := root.Find(args)
	if err != nil { // cobra refuses an unknown top-level command so
		cmd, rest = root, args
	}
	if cmd.Runnable() || !cmd.HasAvailableSubCommands() {
		return nil
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" || a == "-v" || a == "--version" {
			return nil // `civit --help search`: cobra shows the help asked for
		}
	}
	// Only a word where the command's name goes: after a flag (`civit --foo
	// search`) cobra's own "unknown flag" is the better message.
	if len(rest) == 0 || strings.HasPrefix(rest[0], "-") || strings.HasPrefix(rest[0], "__") { // __: cobra's completion requests
		return nil
	}
	name := rest[0]
	var valid []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			valid = append(valid, c.Name())
		}
	}
	hint := fmt.Sprintf("the commands of `%s` are %s", cmd.CommandPath(), strings.Join(valid, ", "))
	if !cmd.HasParent() {
		hint = "run `civit --help` for the list of commands"
	}
	// The closest commands only: "st" is one edit from set, two from get
	// and list.
	var sug []string
	for d := 1; d <= 2 && len(sug) == 0; d++ {
		cmd.SuggestionsMinimumDistance = d
		sug = cmd.SuggestionsFor(name)
	}
	if len(sug) > 0 {
		for i, s := range sug {
			sug[i] = "`" + cmd.CommandPath() + " " + s + "`"
		}
		hint = fmt.Sprintf("did you mean %s? (%s)", strings.Join(sug, " or "), hint)
	}
	return cmdutil.WithHint(cmdutil.FlagErrorf("unknown command %q for %q", name, cmd.CommandPath()), hint)
}

// flagErrorFunc makes cobra's own flag parsing failures usage errors.
func flagErrorFunc(_ *cobra.Command, err error) error {
	return &cmdutil.FlagError{Err: err}
}
