package search

import (
	"context"
	"errors"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
)

// resolveBaseModels turns what the user typed ("sdxl 1.0", "sd15") into
// CivitAI's exact spelling ("SDXL 1.0", "SD 1.5"): the API matches base
// models exactly and silently returns nothing for a near miss.
func (o *Options) resolveBaseModels(ctx context.Context, c *api.Client) error {
	names, err := c.ResolveBaseModels(ctx, o.BaseModels)
	var unknown *api.UnknownBaseModelError
	if errors.As(err, &unknown) {
		return cmdutil.WithHint(cmdutil.FlagErrorf("%v", unknown), suggest(unknown.Suggestions))
	}
	if err != nil {
		return err
	}
	o.BaseModels = names
	return nil
}

func suggest(close []string) string {
	if len(close) == 0 {
		return "run `civit search --help` for common names; base models are spelled as on civitai.com, e.g. \"SDXL 1.0\""
	}
	h := "did you mean " + cmdutil.QuoteList(close) + "?"
	if len(close) > 1 {
		h += " (repeat `--base-model` for several)"
	}
	return h
}
