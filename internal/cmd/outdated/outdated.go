// Package outdated implements `civit outdated`: the models of the library
// that have a newer version on CivitAI than the one on disk.
package outdated

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/tableprinter"
)

// Options are the parsed flags of `civit outdated`.
type Options struct {
	Factory *cmdutil.Factory

	Type    string
	JSON    bool
	Offline bool
	Refresh bool
	Rate    float64
}

// NewCmdOutdated returns the outdated command. runF replaces the run in tests.
func NewCmdOutdated(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "outdated [flags]",
		Short: "List models with a newer version than the one on disk",
		Long: strings.TrimSpace(`
Compare each identified model of the library (see 'civit scan') with its
versions on CivitAI and list those with a newer published version than the
newest one on disk: current -> latest, when the latest was published, and
the command that downloads it next to the old file.

A newer version still in early access is shown as such (with its end date)
and is not what 'civit update' downloads.

CivitAI is asked once per model, at most 3 requests at once and --rate
requests per second; the answers are kept for an hour in the library (and
in the response cache), so running it again is instant. --refresh asks
again; --offline uses what was fetched before and asks nothing.

--json prints [{modelId, model, modelType, current{id,name}, latest{id,
name, publishedAt, ...} or null, earlyAccess, paths, dir, dirs, files[{path,
old, new or null, note}], command}]: files pairs each file on
disk with the file of the latest version that 'civit update' puts in its
place.

EXIT STATUS
  0 done (also when everything is up to date), 1 error, 2 bad flags,
  3 some models could not be checked (each is listed).`),
		Example: strings.TrimSpace(`
$ civit outdated
$ civit outdated --type lora --json`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckRate(opts.Rate); err != nil {
				return err
			}
			if opts.Offline && opts.Refresh {
				return cmdutil.FlagErrorf("give either `--offline` or `--refresh`")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Type, "type", "t", "", "only models of this `type` (lora, checkpoint, ...)")
	fl.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	fl.BoolVar(&opts.Offline, "offline", false, "use only what was fetched before")
	fl.BoolVar(&opts.Refresh, "refresh", false, "ask CivitAI again even if recently asked")
	fl.Float64Var(&opts.Rate, "rate", 2, "at most `N` CivitAI requests per second")
	return cmd
}

// Check runs the comparison the way `civit outdated` does; `civit update`
// uses it too.
func Check(ctx context.Context, f *cmdutil.Factory, modelType string, modelIDs []int64, offline, refresh bool, rps float64) (*library.OutdatedResult, error) {
	st, err := f.Store()
	if err != nil {
		return nil, err
	}
	o := library.OutdatedOptions{Store: st, ModelIDs: modelIDs, MaxAge: library.DefaultVersionsMaxAge,
		Limiter: rate.NewLimiter(rate.Limit(rps), max(1, min(4, int(rps*2))))}
	if modelType != "" {
		o.ModelType = string(api.ParseModelType(modelType))
	}
	if refresh {
		o.MaxAge = 0
	}
	if !offline {
		c, err := f.APIClient(refresh)
		if err != nil {
			return nil, err
		}
		o.Client = c
	}
	return library.Outdated(ctx, o)
}

func run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	res, err := Check(ctx, o.Factory, o.Type, nil, o.Offline, o.Refresh, o.Rate)
	if err != nil {
		return err
	}
	for _, e := range res.Errors {
		name := e.Model
		if name == "" {
			name = "?"
		}
		if e.Gone {
			fmt.Fprintf(ios.ErrOut, "civit: warning: model %d (%s) is no longer on CivitAI\n", e.ModelID, name)
			continue
		}
		fmt.Fprintf(ios.ErrOut, "civit: error: model %d (%s): %s\n", e.ModelID, name, e.Err)
	}
	if o.JSON {
		if err := cmdutil.WriteJSON(ios.Out, res.Outdated); err != nil {
			return err
		}
	} else if len(res.Outdated) > 0 {
		tty := ios.IsStdoutTTY()
		now := time.Now()
		tp := tableprinter.New(ios.Out, tty, ios.TerminalWidth(), "model", "type", "current", "latest", "published", "update")
		tp.SetMaxWidth(0, 36)
		for _, u := range res.Outdated {
			latest, published, cmd := "-", "-", u.Command
			if u.Latest != nil {
				latest = fmt.Sprintf("%s (%d)", u.Latest.Name, u.Latest.ID)
				published = tableprinter.Time(u.Latest.PublishedAt, tty, now)
			} else {
				cmd = "-"
			}
			if ea := u.EarlyAccess; ea != nil {
				note := fmt.Sprintf("%s (%d) in early access", ea.Name, ea.ID)
				if !ea.EarlyAccessEndsAt.IsZero() {
					note += " until " + ea.EarlyAccessEndsAt.UTC().Format("2006-01-02")
				}
				if u.Latest == nil {
					latest = note
				} else {
					latest += "; " + note
				}
			}
			tp.AddRow(fmt.Sprintf("%s (%d)", u.Model, u.ModelID), u.ModelType, fmt.Sprintf("%s (%d)", u.Current.Name, u.Current.ID), latest, published, cmd)
		}
		if err := tp.Render(); err != nil {
			return err
		}
	}
	fmt.Fprintf(ios.ErrOut, "%d of %d models have a newer version\n", len(res.Outdated), res.Checked)
	failed := 0
	for _, e := range res.Errors {
		if !e.Gone {
			failed++
		}
	}
	if failed > 0 {
		return &cmdutil.PartialError{Failed: failed, Total: res.Checked + len(res.Errors), What: "model checks"}
	}
	return nil
}
