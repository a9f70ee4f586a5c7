// Package images implements `civit images`: example images of a model or
// version with the parameters they were generated with.
package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/tableprinter"
	"github.com/civit/civit/internal/target"
)

// Options are the parsed flags of `civit images`.
type Options struct {
	Factory *cmdutil.Factory

	ModelID    int64
	VersionID  int64
	User       string
	Period     string
	Type       string
	BaseModels []string
	Limit      int
	NSFW       bool
	Sort       string
	JSON       bool
	Refresh    bool
	// FromURL: the argument was a URL or AIR, which says which number is
	// the model's and which the version's; TypedVersion: `--version` was
	// given (a number that may be a model id).
	FromURL, TypedVersion bool
}

var sorts = api.ImageSorts()

// NewCmdImages returns the images command. runF replaces the run in tests.
func NewCmdImages(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	var version, user, sort, period, typ []string
	cmd := &cobra.Command{
		Use:   "images {<model-id> | <url> | --version <id> | --user <name>} [flags]",
		Short: "List example images with their generation parameters",
		Long: strings.TrimSpace(`
List example images posted for a model or one of its versions, or by a user,
with the parameters they were made with where the poster shared them:
prompt, negative prompt, sampler, steps, CFG scale and seed.

Without --nsfw only images rated PG are listed; when that leaves nothing of
a model with no PG-rated content, civit says so and suggests --nsfw. A
model or version that does not exist is an error, as in 'civit show'.

--json prints the API's image objects as a JSON array.

EXIT STATUS
  0 listed (none found is not an error), 1 error (such as no such model),
  2 bad argument, 130 interrupted.`),
		Example: strings.TrimSpace(`
$ civit images 4201
$ civit images --version 130072 --limit 3
$ civit images 4201 --type video --period month --sort newest
$ civit images --user someartist --base-model "SDXL 1.0"
$ civit images "https://civitai.com/models/4201?modelVersionId=130072" --json`),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("nsfw") {
				// `--nsfw false`, `--nsfw X`: the value is left as an
				// argument, before or after the model id, or alone.
				for i, a := range args {
					_, isBool := strconv.ParseBool(a) // a second 1 or 0 is no id either
					if _, isLevel := api.NormalizeEnum(a, api.ImageNSFWLevels()); cmdutil.BoolWord(a) || isLevel || i > 0 && isBool == nil {
						read := "a second argument"
						switch {
						case len(args) == 1:
							read = "the model id or URL"
						case i == 0:
							read = "an argument"
						}
						return cmdutil.WithHint(cmdutil.FlagErrorf("`--nsfw` takes no value: %s was read as %s", cmdutil.Quote(a), read),
							"`--nsfw` alone lists images of every rating; `--nsfw=false` turns it off")
					}
				}
			}
			if len(args) > 1 {
				return cmdutil.FlagErrorf("expected one model id or URL, got %d arguments", len(args))
			}
			if err := cmdutil.RequireValues(cmd.Flags(), "version", "user", "sort", "period", "type", "base-model"); err != nil {
				return err
			}
			var urlVersion int64
			if len(args) == 1 {
				t, err := target.Parse(args[0], cmdutil.ConfigHost(f))
				if err != nil {
					return err
				}
				opts.ModelID, opts.VersionID, urlVersion = t.ModelID, t.VersionID, t.VersionID
				_, numErr := target.ParseID(args[0])
				opts.FromURL = numErr != nil
			}
			for _, v := range []struct {
				name string
				vals []string
				dst  *string
			}{{"version", version, nil}, {"user", user, &opts.User}, {"sort", sort, &opts.Sort},
				{"period", period, &opts.Period}, {"type", typ, &opts.Type}} {
				if len(v.vals) > 1 {
					return cmdutil.FlagErrorf("`--%s` can be given once (got %s)", v.name, cmdutil.QuoteList(v.vals))
				}
				if len(v.vals) == 1 && v.dst != nil {
					*v.dst = strings.TrimSpace(v.vals[0])
				}
			}
			if opts.User != "" {
				name, err := target.ParseUser(opts.User, cmdutil.ConfigHost(f))
				if err != nil {
					return cmdutil.FlagErrorf("`--user`: %v", err)
				}
				opts.User = name
			}
			if len(version) == 1 {
				id, err := target.ParseID(version[0])
				if err != nil {
					return cmdutil.FlagErrorf("`--version`: %v", err)
				}
				if urlVersion != 0 && urlVersion != id {
					return cmdutil.FlagErrorf("the URL names version %d but `--version` says %d", urlVersion, id)
				}
				opts.VersionID, opts.TypedVersion = id, true
			}
			if opts.ModelID == 0 && opts.VersionID == 0 && opts.User == "" {
				return cmdutil.FlagErrorf("missing a model id, URL, `--version` or `--user`")
			}
			if opts.Limit < 1 || opts.Limit > 200 {
				return cmdutil.FlagErrorf("`--limit` must be between 1 and 200, got %d", opts.Limit)
			}
			for _, e := range []struct {
				flag  string
				v     *string
				valid []string
			}{{"sort", &opts.Sort, sorts}, {"period", &opts.Period, api.Periods()}, {"type", &opts.Type, api.MediaTypes()}} {
				if *e.v == "" {
					continue
				}
				v, ok := api.NormalizeEnum(*e.v, e.valid)
				if !ok {
					return cmdutil.EnumError(e.flag, *e.v, e.valid)
				}
				*e.v = v
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&version, "version", nil, "images of this version `id`")
	fl.StringArrayVarP(&user, "user", "u", nil, "only images posted by this `user`: a name, @name or their civitai.com/user/ URL")
	fl.IntVarP(&opts.Limit, "limit", "n", 10, "maximum number of `images`, 1 to 200")
	fl.BoolVar(&opts.NSFW, "nsfw", false, "include NSFW images (takes no value)")
	fl.StringArrayVarP(&sort, "sort", "s", nil, "`order`: \"Most Reactions\", \"Most Comments\", \"Most Collected\", \"Newest\", \"Oldest\", \"Random\"")
	fl.StringArrayVarP(&period, "period", "p", nil, "time `window`: AllTime, Year, Month, Week, Day")
	fl.StringArrayVarP(&typ, "type", "t", nil, "only this `kind` of media: image, video, audio")
	fl.StringArrayVarP(&opts.BaseModels, "base-model", "b", nil, "only images made with this base `model` (repeatable), spelled loosely: \"SDXL 1.0\", sd15, Pony, ...")
	fl.BoolVar(&opts.JSON, "json", false, "print the API's image objects as JSON")
	fl.BoolVar(&opts.Refresh, "refresh", false, "ignore cached answers")
	_ = cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions(sorts, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("period", cobra.FixedCompletions(api.Periods(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(api.MediaTypes(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("base-model", cobra.FixedCompletions(api.BaseModels(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func run(ctx context.Context, o *Options) error {
	c, err := o.Factory.APIClient(o.Refresh)
	if err != nil {
		return err
	}
	bases, err := c.ResolveBaseModels(ctx, o.BaseModels)
	var unknown *api.UnknownBaseModelError
	if errors.As(err, &unknown) {
		hint := "base models are spelled as on civitai.com, e.g. \"SDXL 1.0\""
		if len(unknown.Suggestions) > 0 {
			hint = "did you mean " + cmdutil.QuoteList(unknown.Suggestions) + "?"
		}
		return cmdutil.WithHint(cmdutil.FlagErrorf("%v", unknown), hint)
	}
	if err != nil {
		return err
	}
	// A version named with its model must belong to it, as `civit show`
	// checks.
	var version *api.ModelVersion
	if o.ModelID != 0 && o.VersionID != 0 {
		if version, err = c.GetModelVersion(ctx, o.VersionID); err != nil {
			return notFound(err, fmt.Sprintf("version %d", o.VersionID), o.versionHint())
		}
		if version.ModelID != 0 && version.ModelID != o.ModelID {
			// Exit 2 without the usage: the flags are fine, the ids disagree.
			return &cmdutil.InputError{Err: cmdutil.WithHint(cmdutil.FlagErrorf("version %d belongs to model %d, not %d", o.VersionID, version.ModelID, o.ModelID),
				fmt.Sprintf("a version names its model: `civit images --version %d`", o.VersionID))}
		}
	}
	opts := &api.ImagesOptions{ModelID: o.ModelID, ModelVersionID: o.VersionID, Username: o.User, Limit: o.Limit,
		Sort: o.Sort, Period: o.Period, Type: o.Type, BaseModels: bases, WithMeta: true}
	if o.VersionID != 0 {
		opts.ModelID = 0
	}
	if o.NSFW {
		opts.NSFW = "X"
	}
	page, err := c.ListImages(ctx, opts)
	if err != nil {
		return err
	}
	imgs := page.Items
	if len(imgs) > o.Limit {
		imgs = imgs[:o.Limit]
	}
	ios := o.Factory.IOStreams
	if len(imgs) == 0 {
		// The images endpoint answers an empty list for ids that do not
		// exist: tell that apart, and a model hidden by the PG default.
		if err := o.explainEmpty(ctx, c, version); err != nil {
			return err
		}
	}
	if o.JSON {
		raw := make([]json.RawMessage, 0, len(imgs))
		for _, im := range imgs {
			raw = append(raw, im.Raw)
		}
		return cmdutil.WriteRawArray(ios.Out, raw)
	}
	if len(imgs) == 0 {
		if ios.IsStderrTTY() {
			fmt.Fprintln(ios.ErrOut, "no images found")
		}
		return nil
	}
	if !ios.IsStdoutTTY() {
		for _, im := range imgs {
			fmt.Fprintf(ios.Out, "%d\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", im.ID, oneLine(im.URL), im.Width, im.Height,
				oneLine(im.Sampler()), oneLine(im.Steps()), oneLine(im.CFGScale()), oneLine(im.Seed()), oneLine(im.Prompt()), oneLine(im.NegativePrompt()))
		}
		return nil
	}
	for i, im := range imgs {
		if i > 0 {
			fmt.Fprintln(ios.Out)
		}
		renderImage(ios.Out, im)
	}
	return nil
}

// explainEmpty runs when no image came back. A model or version that does
// not exist is an error; one rated NSFW, listed without --nsfw, gets a
// hint on stderr (printed whatever stdout is, since it explains an empty
// result rather than decorating one).
func (o *Options) explainEmpty(ctx context.Context, c *api.Client, version *api.ModelVersion) error {
	var (
		level int64
		nsfw  bool
		what  string
	)
	switch {
	case o.VersionID != 0:
		if version == nil {
			v, err := c.GetModelVersion(ctx, o.VersionID)
			if err != nil {
				return notFound(err, fmt.Sprintf("version %d", o.VersionID), o.versionHint())
			}
			version = v
		}
		level, what = version.NSFWLevel.Value, fmt.Sprintf("version %d", o.VersionID)
		if version.Model != nil {
			nsfw = bool(version.Model.NSFW)
		}
	case o.ModelID != 0:
		m, err := c.GetModel(ctx, o.ModelID)
		if err != nil {
			hint := cmdutil.HiddenModelHint
			if !o.FromURL {
				hint = "check the id (a model id and a version id are different numbers: use `--version` for a version id); " + hint
			}
			if errors.Is(err, api.ErrNotFound) {
				if v, verr := c.GetModelVersion(ctx, o.ModelID); verr == nil {
					hint = fmt.Sprintf("%d is version %s of model %d: `civit images --version %d`", v.ID, oneLine(v.Name), v.ModelID, v.ID)
				}
			}
			return notFound(err, fmt.Sprintf("model %d", o.ModelID), hint)
		}
		level, nsfw, what = m.NSFWLevel.Value, bool(m.NSFW), fmt.Sprintf("model %d", o.ModelID)
	default:
		return nil
	}
	// NSFW level bits: PG=1, PG13=2, R=4, X=8, XXX=16. Without --nsfw the
	// endpoint lists PG only, so content without the PG bit never shows.
	if !o.NSFW && (level != 0 && level&1 == 0 || level == 0 && nsfw) {
		fmt.Fprintf(o.Factory.IOStreams.ErrOut, "civit: hint: %s has no PG-rated content, and images above PG are listed only with `--nsfw`; try `--nsfw`\n", what)
	}
	return nil
}

// versionHint is the advice for a version CivitAI does not know. A URL or
// AIR says what its number is; a --version typed may be a model id.
func (o *Options) versionHint() string {
	if !o.TypedVersion {
		return cmdutil.HiddenModelHint
	}
	return "check the id (a model id and a version id are different numbers: a model id goes without `--version`: `civit images ID`); " + cmdutil.HiddenModelHint
}

// notFound is the error for an id CivitAI does not know, with hint.
func notFound(err error, what, hint string) error {
	if errors.Is(err, api.ErrNotFound) {
		return cmdutil.WithHint(fmt.Errorf("%s not found on CivitAI", what), hint)
	}
	return err
}

// oneLine makes s one line of a piped row or of the terminal listing:
// control characters (tabs, newlines, terminal escapes in a prompt, a URL
// or a sampler name) become spaces. Every server-supplied string printed
// goes through it or tableprinter.CleanText.
func oneLine(s string) string { return tableprinter.Clean(s) }

// valueIndent puts a continuation line under the value of "  prompt:    ".
const valueIndent = "             "

// indented is the text of a prompt cleaned (tableprinter.CleanText), its
// lines after the first under the first rather than at column 0, where
// they read as lines of the listing; trailing line breaks dropped.
func indented(s string) string {
	s = strings.TrimRight(tableprinter.CleanText(strings.ReplaceAll(s, "\r\n", "\n")), " \n")
	return strings.ReplaceAll(s, "\n", "\n"+valueIndent)
}

func renderImage(w io.Writer, im *api.Image) {
	fmt.Fprintf(w, "Image %d  %dx%d\n", im.ID, im.Width, im.Height)
	fmt.Fprintf(w, "  %s\n", oneLine(im.URL))
	if p := im.Prompt(); p != "" {
		fmt.Fprintf(w, "  prompt:    %s\n", indented(p))
	}
	if p := im.NegativePrompt(); p != "" {
		fmt.Fprintf(w, "  negative:  %s\n", indented(p))
	}
	var params []string
	for _, kv := range [][2]string{{"sampler", im.Sampler()}, {"steps", im.Steps()}, {"cfg", im.CFGScale()}, {"seed", im.Seed()}} {
		if kv[1] != "" {
			params = append(params, kv[0]+" "+oneLine(kv[1]))
		}
	}
	if len(params) > 0 {
		fmt.Fprintf(w, "  %s\n", strings.Join(params, "  "))
	}
	if im.Prompt() == "" && len(params) == 0 {
		fmt.Fprintln(w, "  (no generation parameters shared)")
	}
}
