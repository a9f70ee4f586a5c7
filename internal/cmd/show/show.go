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
		Use:   "show {<model-id> | <url> | <air> | --version <version-id>} [flags]",
		Short: "Show a model, its versions and files",
		Long: strings.TrimSpace(`
Show a CivitAI model: type, creator, base model, tags, license, stats, every
version, and for one version (the latest, or the one a URL's modelVersionId,
an AIR's @VERSION or --version names) its status (early access, downloads
disabled by the creator), trigger words and files with size, format,
precision and SHA-256.

The argument is a model id, a civitai.com or civitai.red URL (model page,
version page or download link) or an AIR (urn:air:sdxl:lora:civitai:ID@VER).
--version alone is enough: a version names its model. A number that is no
model's id but a version's is shown as that version, with a warning (with
--json it is an error naming the command to run, so that a script never
gets a version's object where it asked for a model's).

--json prints the API's object unchanged: the model, or the version when one
was named.

EXIT STATUS
  0 shown, 1 not found or other error, 2 bad argument, 130 interrupted.`),
		Example: strings.TrimSpace(`
$ civit show 4201
$ civit show "https://civitai.com/models/4201/realistic-vision?modelVersionId=130072"
$ civit show urn:air:sdxl:lora:civitai:328553@368189 --json
$ civit show --version 130072`),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && cmd.Flags().Changed("version") {
				return nil
			}
			return cmdutil.ExactArgs(1, "a model id, CivitAI URL or AIR (or `--version`)")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var t target.Target
			if len(args) > 0 {
				var err error
				if t, err = parseTarget(f, args[0]); err != nil {
					return err
				}
			}
			opts.Target = t
			if cmd.Flags().Changed("version") {
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
	cmd.Flags().StringVar(&version, "version", "", "show this version `id` (of the model given, or alone)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the API object as JSON")
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "ignore cached answers")
	return cmd
}

// parseTarget parses a target, accepting the configured API host as a
// CivitAI host too.
func parseTarget(f *cmdutil.Factory, s string) (target.Target, error) {
	return target.Parse(s, cmdutil.ConfigHost(f))
}

// bareID reports whether the target was typed as a plain number, which
// users also take from a version's page: a URL or AIR says what it names.
func bareID(t target.Target) bool {
	_, err := target.ParseID(t.Input)
	return err == nil
}

func run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	c, err := o.Factory.APIClient(o.Refresh)
	if err != nil {
		return err
	}
	var (
		model   *api.Model
		version *api.ModelVersion
	)
	versionID := o.VersionID
	if versionID != 0 {
		version, err = c.GetModelVersion(ctx, versionID)
		if err != nil {
			// A URL or AIR says what its number is; a --version typed
			// alone may be a model id.
			hint := cmdutil.HiddenModelHint
			if o.Target.VersionID == 0 {
				hint = "check the id (a model id and a version id are different numbers; `civit show <model-id>` lists a model's versions); " + hint
			}
			return notFound(err, fmt.Sprintf("version %d", versionID), hint)
		}
		if o.Target.ModelID != 0 && version.ModelID != 0 && version.ModelID != o.Target.ModelID {
			// Exit 2 as for any contradiction in what was typed, without
			// the usage: the flags are fine, the ids disagree.
			return &cmdutil.InputError{Err: cmdutil.WithHint(cmdutil.FlagErrorf("version %d belongs to model %d, not %d", versionID, version.ModelID, o.Target.ModelID),
				fmt.Sprintf("a version names its model: `civit show --version %d`", versionID))}
		}
		if o.JSON {
			return cmdutil.WriteJSON(ios.Out, version.Raw)
		}
	}
	modelID := o.Target.ModelID
	if modelID == 0 && version != nil {
		modelID = version.ModelID
	}
	if modelID != 0 {
		model, err = c.GetModel(ctx, modelID)
		if err != nil && errors.Is(err, api.ErrNotFound) && version == nil && bareID(o.Target) {
			// A version id given as a model id (it is the number in a
			// version page's URL): show that version if there is one.
			v, verr := c.GetModelVersion(ctx, modelID)
			switch {
			case verr == nil && v.ModelID != 0:
				cmdline := fmt.Sprintf("civit show %d --version %d", v.ModelID, v.ID)
				if o.JSON {
					return cmdutil.WithHint(fmt.Errorf("model %d not found on CivitAI, but version %d of model %d is", modelID, v.ID, v.ModelID),
						"run `"+cmdline+" --json`")
				}
				fmt.Fprintf(ios.ErrOut, "civit: warning: %d is a version id, not a model id; showing version %d of model %d (`%s`)\n", v.ID, v.ID, v.ModelID, cmdline)
				version, versionID = v, v.ID
				model, err = c.GetModel(ctx, v.ModelID)
				modelID = v.ModelID
			case ctx.Err() != nil:
				return ctx.Err()
			case errors.Is(verr, api.ErrNotFound):
				return notFound(err, fmt.Sprintf("model %d", modelID), "check the id: no model and no version has it; "+cmdutil.HiddenModelHint)
			}
		}
		if err != nil {
			if version == nil || !errors.Is(err, api.ErrNotFound) {
				hint := cmdutil.HiddenModelHint
				if bareID(o.Target) {
					hint = "check the id (a model id and a version id are different numbers: use `--version` for a version id); " + hint
				}
				return notFound(err, fmt.Sprintf("model %d", modelID), hint)
			}
			// The model endpoint is known to 404 for fresh models whose
			// versions resolve fine (civitai-api.md §2.2): show the version.
			fmt.Fprintf(ios.ErrOut, "civit: warning: model %d is not served by the API right now; showing version %d only\n", modelID, version.ID)
		}
	}
	if o.JSON {
		return cmdutil.WriteJSON(ios.Out, model.Raw)
	}
	if version == nil && model != nil && len(model.ModelVersions) > 0 {
		// What the creator allows (usageControl) is only in the version's
		// own answer, not in the model's list of versions.
		v, err := c.GetModelVersion(ctx, model.ModelVersions[0].ID)
		switch {
		case err == nil:
			version = v
		case ctx.Err() != nil:
			return ctx.Err()
		}
		// Otherwise the model's copy of the version is shown, without it.
	}
	return render(ios, model, version, versionID)
}

func notFound(err error, what, hint string) error {
	if errors.Is(err, api.ErrNotFound) {
		return cmdutil.WithHint(fmt.Errorf("%s not found on CivitAI", what), hint)
	}
	return err
}
