// Package outdated implements `civit outdated`: the models of the library
// that have a newer version on CivitAI than the one on disk.
package outdated

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/civit/civit/internal/cmd/ls"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
	"github.com/civit/civit/internal/tableprinter"
)

// Options are the parsed flags of `civit outdated`.
type Options struct {
	Factory *cmdutil.Factory

	Types   []string
	JSON    bool
	Offline bool
	Refresh bool
	AnyBase bool
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
the command that downloads it next to the old file. Files deleted since
they were recorded (or on a drive that is not mounted) are left out, with
a warning: they are not a version you have.

A newer version counts only when it is for the same base model as the
version on disk: a LoRA's SDXL version is not an update of its SD 1.5 one.
A newer version for another base is shown beside (or alone, without a
command, counted apart); --any-base makes it the update. A model kept for
two base models is two lines, each with its own row when both have a newer
version.

A newer version still in early access is shown as such (with its end date)
and is not what 'civit update' downloads: a model whose only newer versions
are in early access is listed without a command, and counted apart.

--type keeps only models of these types (repeatable or comma-separated;
the spellings of 'civit ls' and 'civit search': lora, checkpoint,
embedding, ...); an unknown type is refused with the valid ones.

CivitAI is asked for the models 100 at a time (a model the list does not
return, such as one deleted from CivitAI, is then asked for alone), at most
3 requests at once and --rate requests per second; the answers are kept for
an hour in the library (and in the response cache), so running it again is
instant. --refresh asks again; --offline uses what was fetched before and
asks nothing.

--json prints an array with one object per model that has a newer version:
  modelId, model, modelType
  current      {id, name}: the newest version on disk
  latest       {id, name, baseModel, publishedAt, ...}: the newest version
               newer than current that can be downloaded; null when only
               early-access versions are newer
  earlyAccess  the newest version when it is still in early access (with
               earlyAccessEndsAt); absent otherwise
  baseModel    the base model of current
  otherBase    the newest newer version for another base model, when
               there is one and --any-base is not given
  paths        the files on disk of the current version
  dir, dirs    the folder of the first of them, and every folder that holds
               one (update puts the new version in each)
  files        [{path, old, new, note}]: each file on disk paired with the
               file of latest that 'civit update' puts in its place (new is
               null, with a note, when there is none); absent offline or
               when latest is null. old and new are {id, name, type,
               format, fp, sizeType (full or pruned), quantType, sha256}
  command      the 'civit update' command; absent when latest is null

EXIT STATUS
  0 done (also when everything is up to date), 1 error, 2 bad flags,
  3 some models could not be checked (each is listed).`),
		Example: strings.TrimSpace(`
$ civit outdated
$ civit outdated --type lora,locon --json`),
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
	fl.StringSliceVarP(&opts.Types, "type", "t", nil, "only models of this `type` (repeatable or comma-separated): lora, checkpoint, ...")
	fl.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	fl.BoolVar(&opts.Offline, "offline", false, "use only what was fetched before")
	fl.BoolVar(&opts.Refresh, "refresh", false, "ask CivitAI again even if recently asked")
	fl.BoolVar(&opts.AnyBase, "any-base", false, "count newer versions for another base model (SD 1.5 -> SDXL) as updates")
	fl.Float64Var(&opts.Rate, "rate", 2, "at most `N` CivitAI requests per second")
	return cmd
}

// Check runs the comparison the way `civit outdated` does; `civit update`
// uses it too. types keeps only the models of those types, spelled as the
// library has them (ResolveTypes; nil: all).
func Check(ctx context.Context, f *cmdutil.Factory, types []string, modelIDs []int64, offline, refresh, anyBase bool, rps float64) (*library.OutdatedResult, error) {
	return check(ctx, f, types, modelIDs, offline, refresh, anyBase, rps)
}

// ResolveTypes turns the values of a --type flag (lora, checkpoint, ...)
// into the model types of the library, as `civit ls` does; an unknown type
// is a usage error naming the valid ones. No values: nil (all types).
func ResolveTypes(ctx context.Context, f *cmdutil.Factory, values []string) ([]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	st, err := f.StoreToRead(ctx)
	if err != nil {
		return nil, err
	}
	return ls.ResolveTypes(values, func() ([]*store.File, error) { return st.List(ctx, store.Filter{}) })
}

// check is Check for model types already spelled as the library has them
// (ls.ResolveTypes).
//
// It only reads the library (the versions it keeps are kept only where it
// can be written): a library the user may not write is read as it is.
// `civit update`, which writes, opened it for writing first.
func check(ctx context.Context, f *cmdutil.Factory, types []string, modelIDs []int64, offline, refresh, anyBase bool, rps float64) (*library.OutdatedResult, error) {
	st, err := f.StoreToRead(ctx)
	if err != nil {
		return nil, err
	}
	o := library.OutdatedOptions{Store: st, ModelIDs: modelIDs, ModelTypes: types, MaxAge: library.DefaultVersionsMaxAge, AnyBase: anyBase,
		Limiter: rate.NewLimiter(rate.Limit(rps), max(1, min(4, int(rps*2))))}
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
	types, err := ResolveTypes(ctx, o.Factory, o.Types)
	if err != nil {
		return err
	}
	res, err := check(ctx, o.Factory, types, nil, o.Offline, o.Refresh, o.AnyBase, o.Rate)
	if err != nil {
		return err
	}
	fails := cmdutil.NewFailures(o.Factory) // their hints come at the end
	// Models not asked because an answer stopped the check (rate
	// limiting, an outage, a server that is not the API) are one line,
	// not one each: 27 times the same 404 says nothing more.
	var stopped error
	notAsked, said := 0, map[string]bool{}
	for _, e := range res.Errors {
		name := e.Model
		if name == "" {
			name = "?"
		}
		if e.Gone {
			fmt.Fprintf(ios.ErrOut, "civit: warning: model %d (%s) is no longer on CivitAI\n", e.ModelID, tableprinter.Clean(name))
			continue
		}
		cause := e.Cause
		if cause == nil {
			cause = errors.New(e.Err)
		}
		if na := (*library.NotAskedError)(nil); errors.As(cause, &na) {
			notAsked++
			stopped = na.Err
			continue
		}
		said[cause.Error()] = true
		fails.Add(fmt.Sprintf("model %d (%s)", e.ModelID, name), cause)
	}
	if notAsked > 0 {
		models := "1 model"
		if notAsked > 1 {
			models = fmt.Sprintf("%d models", notAsked)
		}
		if said[stopped.Error()] {
			fails.Add("", fmt.Errorf("%s more not asked after that answer", models))
		} else {
			fails.Add("", fmt.Errorf("%s not checked: %w", models, stopped))
		}
	}
	if n := len(res.Missing); n > 0 {
		what := "1 file of the library is"
		if n > 1 {
			what = fmt.Sprintf("%d files of the library are", n)
		}
		fmt.Fprintf(ios.ErrOut, "civit: warning: %s no longer on disk and not checked; `civit scan` on a folder above them forgets deleted files\n", what)
	}
	if o.JSON {
		if err := cmdutil.WriteJSON(ios.Out, res.Outdated); err != nil {
			return err
		}
	} else if len(res.Outdated) > 0 {
		tty := ios.IsStdoutTTY()
		now := time.Now()
		tp := tableprinter.New(ios.Out, tty, ios.TerminalWidth(), "model", "type", "current", "latest", "published", "update")
		tp.SetHeaderStyle(ios.ColorScheme().Bold)
		tp.SetMaxWidth(0, 36)
		tp.SetWhole(5)           // the command to copy, with the model's id
		lines := map[int64]int{} // a model kept for two base models has a row for each
		for _, u := range res.Outdated {
			lines[u.ModelID]++
		}
		for _, u := range res.Outdated {
			latest, published, cmd := "-", "-", u.Command
			if u.Latest != nil {
				latest = fmt.Sprintf("%s (%d)", u.Latest.Name, u.Latest.ID)
				published = tableprinter.Time(u.Latest.PublishedAt, tty, now)
			} else {
				cmd = "-"
			}
			var notes []string
			if ea := u.EarlyAccess; ea != nil {
				note := fmt.Sprintf("%s (%d) in early access", ea.Name, ea.ID)
				if !ea.EarlyAccessEndsAt.IsZero() {
					note += " until " + ea.EarlyAccessEndsAt.UTC().Format("2006-01-02")
				}
				notes = append(notes, note)
			}
			if ob := u.OtherBase; ob != nil {
				notes = append(notes, fmt.Sprintf("%s (%d) for %s", ob.Name, ob.ID, ob.BaseModel))
			}
			if len(notes) > 0 {
				if u.Latest == nil {
					latest = strings.Join(notes, "; ")
				} else {
					latest += "; " + strings.Join(notes, "; ")
				}
			}
			current := fmt.Sprintf("%s (%d)", u.Current.Name, u.Current.ID)
			if lines[u.ModelID] > 1 && u.BaseModel != "" {
				current += " for " + u.BaseModel
			}
			tp.AddRow(fmt.Sprintf("%s (%d)", u.Model, u.ModelID), u.ModelType, current, latest, published, cmd)
		}
		if err := tp.Render(); err != nil {
			return err
		}
	}
	// Counted by model: one kept for two base models may have two rows.
	kind := map[int64]int{} // 3 updatable, 2 early access, 1 another base only
	for _, u := range res.Outdated {
		k := 1
		switch {
		case u.Latest != nil:
			k = 3
		case u.EarlyAccess != nil:
			k = 2
		}
		kind[u.ModelID] = max(kind[u.ModelID], k)
	}
	updatable, ea, other := 0, 0, 0
	for _, k := range kind {
		switch k {
		case 3:
			updatable++
		case 2:
			ea++
		default:
			other++
		}
	}
	failed := 0
	for _, e := range res.Errors {
		if !e.Gone {
			failed++
		}
	}
	summary := fmt.Sprintf("%d of %d models have a newer version", updatable, res.Checked+failed)
	switch ea {
	case 0:
	case 1:
		summary += "; 1 more has one in early access"
	default:
		summary += fmt.Sprintf("; %d more have one in early access", ea)
	}
	switch other {
	case 0:
	case 1:
		summary += "; 1 more has one for another base model only (--any-base)"
	default:
		summary += fmt.Sprintf("; %d more have one for another base model only (--any-base)", other)
	}
	// A model whose newest version is on disk may still have a folder at
	// an older one (kept for another UI, an update cut short): `update
	// --all` brings it up, so the summary says so rather than "0 of N".
	listed := map[int64]bool{}
	for _, u := range res.Outdated {
		listed[u.ModelID] = true
	}
	if st, err := o.Factory.StoreToRead(ctx); err == nil {
		if ids, err := library.BehindModels(ctx, st, listed, types, o.AnyBase); err == nil && len(ids) > 0 {
			what := "1 more has a folder"
			if len(ids) > 1 {
				what = fmt.Sprintf("%d more have a folder", len(ids))
			}
			summary += fmt.Sprintf("; %s at an older version than its newest on disk (`civit update --all` brings it up)", what)
		}
	}
	if failed > 0 {
		// "0 of 0 models have a newer version" alone reads as all is well.
		summary += fmt.Sprintf("; %d could not be checked", failed)
	}
	fmt.Fprintln(ios.ErrOut, summary)
	return fails.Err(failed, res.Checked+len(res.Errors), "model checks")
}
