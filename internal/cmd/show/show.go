// Package show implements `civit show`: one model with its versions and
// the files of one version.
package show

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/target"
)

// Options are the parsed flags of `civit show`.
type Options struct {
	Factory *cmdutil.Factory

	Target    target.Target
	VersionID int64
	JSON      bool
	Refresh   bool
}

// NewCmdShow returns the show command. runF replaces the run in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	var version string
	cmd := &cobra.Command{
		Use:   "show {<model-id> | <url> | <air>} [flags]",
		Short: "Show a model, its versions and files",
		Long: strings.TrimSpace(`
Show a CivitAI model: type, creator, base model, tags, license, stats, every
version, and for one version (the latest, or the one a URL's modelVersionId,
an AIR's @VERSION or --version names) its trigger words and files with size,
format, precision and SHA-256.

The argument is a model id, a civitai.com or civitai.red URL (model page,
version page or download link) or an AIR (urn:air:sdxl:lora:civitai:ID@VER).

--json prints the API's object unchanged: the model, or the version when one
was named.

EXIT STATUS
  0 shown, 1 not found or other error, 2 bad argument, 130 interrupted.`),
		Example: strings.TrimSpace(`
$ civit show 4201
$ civit show "https://civitai.com/models/4201/realistic-vision?modelVersionId=130072"
$ civit show urn:air:sdxl:lora:civitai:328553@368189 --json
$ civit show 4201 --version 130072`),
		Args: cmdutil.ExactArgs(1, "a model id, CivitAI URL or AIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := parseTarget(f, args[0])
			if err != nil {
				return err
			}
			opts.Target = t
			if version != "" {
				id, err := target.ParseID(version)
				if err != nil {
					return cmdutil.FlagErrorf("`--version`: %v", err)
				}
				if t.VersionID != 0 && t.VersionID != id {
					return cmdutil.FlagErrorf("the URL names version %d but `--version` says %d", t.VersionID, id)
				}
				opts.VersionID = id
			} else {
				opts.VersionID = t.VersionID
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&version, "version", "", "show this version `id` of the model")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the API object as JSON")
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "ignore cached answers")
	return cmd
}

// parseTarget parses a target, accepting the configured API host as a
// CivitAI host too.
func parseTarget(f *cmdutil.Factory, s string) (target.Target, error) {
	return target.Parse(s, cmdutil.ConfigHost(f))
}

func run(ctx context.Context, o *Options) error {
	c, err := o.Factory.APIClient(o.Refresh)
	if err != nil {
		return err
	}
	var (
		model   *api.Model
		version *api.ModelVersion
	)
	if o.VersionID != 0 {
		version, err = c.GetModelVersion(ctx, o.VersionID)
		if err != nil {
			return notFound(err, fmt.Sprintf("version %d", o.VersionID))
		}
		if o.Target.ModelID != 0 && version.ModelID != 0 && version.ModelID != o.Target.ModelID {
			return cmdutil.FlagErrorf("version %d belongs to model %d, not %d", o.VersionID, version.ModelID, o.Target.ModelID)
		}
		if o.JSON {
			return cmdutil.WriteJSON(o.Factory.IOStreams.Out, version.Raw)
		}
	}
	modelID := o.Target.ModelID
	if modelID == 0 && version != nil {
		modelID = version.ModelID
	}
	if modelID != 0 {
		model, err = c.GetModel(ctx, modelID)
		if err != nil {
			if version == nil || !errors.Is(err, api.ErrNotFound) {
				return notFound(err, fmt.Sprintf("model %d", modelID))
			}
			// The model endpoint is known to 404 for fresh models whose
			// versions resolve fine (civitai-api.md §2.2): show the version.
			fmt.Fprintf(o.Factory.IOStreams.ErrOut, "civit: warning: model %d is not served by the API right now; showing version %d only\n", modelID, version.ID)
		}
	}
	if o.JSON {
		return cmdutil.WriteJSON(o.Factory.IOStreams.Out, model.Raw)
	}
	return render(o.Factory.IOStreams, model, version, o.VersionID)
}

func notFound(err error, what string) error {
	if errors.Is(err, api.ErrNotFound) {
		return cmdutil.WithHint(fmt.Errorf("%s not found on CivitAI", what),
			"check the id; a model id and a version id are different numbers (use `--version` for a version id)")
	}
	return err
}
