package search

import (
	"context"
	"fmt"
	"strings"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
)

// baseModels are CivitAI's base model names as of 2026-08 (civitai-api.md
// §4). New ones appear often, so an unknown name is checked against the
// live /api/v1/enums before it is refused.
var baseModels = []string{
	"Anima", "AuraFlow", "Chroma", "CogVideoX", "Ernie", "Flux.1 S", "Flux.1 D", "Flux.1 Krea", "Flux.1 Kontext",
	"Flux.2 D", "Flux.2 Klein 9B", "Flux.2 Klein 9B-base", "Flux.2 Klein 4B", "Flux.2 Klein 4B-base", "Flux 3 Video",
	"Grok", "HappyHorse", "HiDream", "HiDream-O1", "Hunyuan 1", "Hunyuan Video", "Ideogram 4.0", "Boogu", "Illustrious",
	"Imagen4", "Kolors", "Krea 2", "LTXV", "LTXV2", "LTXV 2.3", "Lens", "Lumina", "MageFlow", "MAI", "Mochi",
	"Nano Banana", "NoobAI", "ODOR", "OpenAI", "Upscaler", "Other", "PixArt a", "PixArt E", "Playground v2", "Pony",
	"Pony V7", "Qwen", "Qwen 2", "Qwen 3", "Stable Cascade", "SD 1.4", "SD 1.5", "SD 1.5 LCM", "SD 1.5 Hyper",
	"SD 2.0", "SD 2.0 768", "SD 2.1", "SD 2.1 768", "SD 2.1 Unclip", "SD 3", "SD 3.5", "SD 3.5 Large",
	"SD 3.5 Large Turbo", "SD 3.5 Medium", "SDXL 0.9", "SDXL 1.0", "SDXL 1.0 LCM", "SDXL Lightning", "SDXL Hyper",
	"SDXL Turbo", "SDXL Distilled", "Reve", "Seedream", "SVD", "SVD XT", "Sora 2", "Veo 3", "Wan Video",
	"Wan Video 1.3B t2v", "Wan Video 14B t2v", "Wan Video 14B i2v 480p", "Wan Video 14B i2v 720p",
	"Wan Video 2.2 TI2V-5B", "Wan Video 2.2 I2V-A14B", "Wan Video 2.2 T2V-A14B", "Wan Video 2.5 T2V",
	"Wan Video 2.5 I2V", "Wan Image 2.7", "Wan Video 2.7", "ZImageTurbo", "ZImageBase", "Vidu Q1", "MiniMax H3",
	"Kling", "Seedance", "ACE Audio", "PolyGen", "Tripo", "Hunyuan3D",
}

// resolveBaseModels turns what the user typed ("sdxl 1.0") into CivitAI's
// exact spelling ("SDXL 1.0"): the API matches base models exactly and
// silently returns nothing for a near miss.
func (o *Options) resolveBaseModels(ctx context.Context, c *api.Client) error {
	var live []string
	for i, b := range o.BaseModels {
		if v, ok := api.NormalizeEnum(b, baseModels); ok {
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
		return cmdutil.WithHint(cmdutil.FlagErrorf("unknown base model %q", b), suggest(b, append(live, baseModels...)))
	}
	return nil
}

func suggest(in string, names []string) string {
	key := strings.ToLower(strings.ReplaceAll(in, " ", ""))
	seen := map[string]bool{}
	var close []string
	for _, n := range names {
		k := strings.ToLower(strings.ReplaceAll(n, " ", ""))
		if seen[n] || key == "" {
			continue
		}
		if strings.Contains(k, key) || strings.Contains(key, k) {
			seen[n] = true
			close = append(close, fmt.Sprintf("%q", n))
		}
	}
	if len(close) == 0 {
		return "run `civit search --help` for common names; base models are spelled as on civitai.com, e.g. \"SDXL 1.0\""
	}
	if len(close) > 8 {
		close = close[:8]
	}
	return "did you mean " + strings.Join(close, ", ") + "?"
}
