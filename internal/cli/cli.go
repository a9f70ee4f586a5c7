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
	"strings"
	"syscall"

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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first Ctrl-C cancels ctx and civit winds down (saving resume
	// state); from then on the signals have their default effect, so a
	// second Ctrl-C ends a process that does not stop. Every write civit
	// makes survives that (the same as kill -9).
	go func() { <-ctx.Done(); stop() }()
	ios := iostreams.System()
	f := NewFactory(ios, version(), os.Getenv)
	return Run(ctx, f, os.Args[1:])
}

// Run executes the command line args with the factory f.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
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
	// cobra's own "unknown command" is a usage error too.
	if err != nil && strings.HasPrefix(err.Error(), "unknown command ") {
		err = cmdutil.WithHint(&cmdutil.FlagError{Err: err}, "run `civit --help` for the list of commands")
		cmd = nil
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("%w: %v", context.Canceled, err)
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

// flagErrorFunc makes cobra's own flag parsing failures usage errors.
func flagErrorFunc(_ *cobra.Command, err error) error {
	return &cmdutil.FlagError{Err: err}
}
