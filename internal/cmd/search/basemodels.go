package search

import (
	"context"
	"fmt"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
)

// resolveBaseModels turns what the user typed ("sdxl 1.0") into CivitAI's
// exact spelling ("SDXL 1.0"): the API matches base models exactly and
// silently returns nothing for a near miss.
func (o *Options) resolveBaseModels(ctx context.Context, c *api.Client) error {
	var live []string
	for i, b := range o.BaseModels {
		if v, ok := api.NormalizeEnum(b, api.BaseModels()); ok {
			o.BaseModels[i] = v
			continue
		}
		if live == nil {
			enums, err := c.GetEnums(ctx)
			if err != nil {
				return fmt.Errorf("check base model %q: %w", b, err)
			}
			live = append(enums.BaseModel, enums.ActiveBaseModel...)
		}
		if v, ok := api.NormalizeEnum(b, live); ok {
			o.BaseModels[i] = v
			continue
		}
		return cmdutil.WithHint(cmdutil.FlagErrorf("unknown base model %q", b), suggest(b, append(live, api.BaseModels()...)))
	}
	return nil
}

func suggest(in string, names []string) string {
	close := api.SimilarNames(in, names, 8)
	if len(close) == 0 {
		return "run `civit search --help` for common names; base models are spelled as on civitai.com, e.g. \"SDXL 1.0\""
	}
	return "did you mean " + cmdutil.QuoteList(close) + "?"
}
