// Package images implements `civit images`: example images of a model or
// version with the parameters they were generated with.
package images

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/target"
)

// Options are the parsed flags of `civit images`.
type Options struct {
	Factory *cmdutil.Factory

	ModelID   int64
	VersionID int64
	Limit     int
	NSFW      bool
	Sort      string
	JSON      bool
	Refresh   bool
}

var sorts = []string{"Most Reactions", "Most Comments", "Most Collected", "Newest", "Oldest"}

// NewCmdImages returns the images command. runF replaces the run in tests.
func NewCmdImages(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	var version string
	cmd := &cobra.Command{
		Use:   "images {<model-id> | <url> | --version <id>} [flags]",
		Short: "List example images with their generation parameters",
		Long: strings.TrimSpace(`
List example images posted for a model or one of its versions, with the
parameters they were made with where the poster shared them: prompt, negative
prompt, sampler, steps, CFG scale and seed.

--json prints the API's image objects as a JSON array.

EXIT STATUS
  0 listed (none found is not an error), 1 error, 2 bad argument, 130 interrupted.`),
		Example: strings.TrimSpace(`
$ civit images 4201
$ civit images --version 130072 --limit 3
$ civit images "https://civitai.com/models/4201?modelVersionId=130072" --json`),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.FlagErrorf("expected one model id or URL, got %d arguments", len(args))
			}
			if len(args) == 1 {
				t, err := target.Parse(args[0], cmdutil.ConfigHost(f))
				if err != nil {
					return err
				}
				opts.ModelID, opts.VersionID = t.ModelID, t.VersionID
			}
			if version != "" {
				id, err := target.ParseID(version)
				if err != nil {
					return cmdutil.FlagErrorf("`--version`: %v", err)
				}
				opts.VersionID = id
			}
			if opts.ModelID == 0 && opts.VersionID == 0 {
				return cmdutil.FlagErrorf("missing a model id, URL or `--version`")
			}
			if opts.Limit < 1 || opts.Limit > 200 {
				return cmdutil.FlagErrorf("`--limit` must be between 1 and 200, got %d", opts.Limit)
			}
			if opts.Sort != "" {
				s, ok := api.NormalizeEnum(opts.Sort, sorts)
				if !ok {
					return cmdutil.EnumError("sort", opts.Sort, sorts)
				}
				opts.Sort = s
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&version, "version", "", "images of this version `id`")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "n", 10, "maximum number of `images`")
	cmd.Flags().BoolVar(&opts.NSFW, "nsfw", false, "include NSFW images")
	cmd.Flags().StringVarP(&opts.Sort, "sort", "s", "", "`order`: \"Most Reactions\", \"Most Comments\", \"Most Collected\", \"Newest\", \"Oldest\"")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the API's image objects as JSON")
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "ignore cached answers")
	return cmd
}

func run(ctx context.Context, o *Options) error {
	c, err := o.Factory.APIClient(o.Refresh)
	if err != nil {
		return err
	}
	opts := &api.ImagesOptions{ModelID: o.ModelID, ModelVersionID: o.VersionID, Limit: o.Limit, Sort: o.Sort, WithMeta: true}
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
			fmt.Fprintf(ios.Out, "%d\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", im.ID, im.URL, im.Width, im.Height,
				im.Sampler(), im.Steps(), im.CFGScale(), im.Seed(), oneLine(im.Prompt()), oneLine(im.NegativePrompt()))
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

func oneLine(s string) string {
	return strings.NewReplacer("\t", " ", "\r", " ", "\n", " ").Replace(s)
}

func renderImage(w io.Writer, im *api.Image) {
	fmt.Fprintf(w, "Image %d  %dx%d\n", im.ID, im.Width, im.Height)
	fmt.Fprintf(w, "  %s\n", im.URL)
	if p := im.Prompt(); p != "" {
		fmt.Fprintf(w, "  prompt:    %s\n", p)
	}
	if p := im.NegativePrompt(); p != "" {
		fmt.Fprintf(w, "  negative:  %s\n", p)
	}
	var params []string
	for _, kv := range [][2]string{{"sampler", im.Sampler()}, {"steps", im.Steps()}, {"cfg", im.CFGScale()}, {"seed", im.Seed()}} {
		if kv[1] != "" {
			params = append(params, kv[0]+" "+kv[1])
		}
	}
	if len(params) > 0 {
		fmt.Fprintf(w, "  %s\n", strings.Join(params, "  "))
	}
	if im.Prompt() == "" && len(params) == 0 {
		fmt.Fprintln(w, "  (no generation parameters shared)")
	}
}
