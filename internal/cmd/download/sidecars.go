package download

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/layout"
	"github.com/civit/civit/internal/progress"
	"github.com/civit/civit/internal/sidecar"
)

// writeSidecars writes .civitai.info, the preview and A1111's .json beside
// a downloaded model (the .json only for the kinds A1111 lists as extra
// networks: see layout.ExtraNetwork). A failure is a warning: the model itself is fine.
func writeSidecars(ctx context.Context, o *Options, hc *http.Client, it *item, tr *progress.Tracker) []string {
	if !modelFile(it.File.Type) {
		return nil
	}
	hc = cmdutil.WithUserAgent(hc, "civit/"+o.Factory.AppVersion) // the preview's request, as the file's
	var notes []string
	name := filepath.Base(it.Dest)
	warn := func(what string, err error) {
		tr.Warn("%s: could not write the %s: %v", name, what, err)
		notes = append(notes, fmt.Sprintf("%s not written: %v", what, err))
	}
	v := it.Version
	if len(v.Raw) > 0 {
		if _, err := sidecar.WriteInfo(sidecar.InfoPath(it.Dest), v.Raw, o.Force); err != nil {
			warn(".civitai.info", err)
		}
	}
	base := ""
	if c, err := o.Factory.APIClient(false); err == nil {
		base = c.BaseURL().String()
	}
	if layout.ExtraNetwork(it.Type, it.File.Type) && (o.Force || !exists(sidecar.JSONPath(it.Dest))) {
		// The model's description, however the target named it (a version
		// URL or an AIR as much as a model id): what the model is; the
		// version's is often a changelog.
		desc := v.Description
		if !it.modelFetched && it.ModelID > 0 { // the planner lacks it (a version named alone)
			if c, err := o.Factory.APIClient(false); err == nil {
				// A card is not worth a stalled run: CivitAI rate limiting
				// or down, the version's description does.
				mctx, cancel := context.WithTimeout(ctx, modelLookupWait)
				if m, err := c.GetModel(mctx, it.ModelID); err == nil {
					it.ModelDescription, it.modelFetched = m.Description, true
				}
				cancel()
			}
		}
		if it.ModelDescription != "" {
			desc = it.ModelDescription
		}
		words := v.TrainedWords
		if strings.EqualFold(it.File.Type, "Negative") {
			// The version's words are its positive embedding's; a
			// negative one goes into the negative prompt by its name.
			words = nil
		}
		meta := sidecar.NewA1111Meta(it.ModelID, v.ID, it.Model, v.Name, v.BaseModel, words, desc, it.SHA256, base)
		if _, err := sidecar.WriteA1111(sidecar.JSONPath(it.Dest), meta, o.Force); err != nil {
			warn("A1111 .json", err)
		}
	}
	var imgs []sidecar.Image
	for _, im := range v.Images {
		imgs = append(imgs, sidecar.Image{URL: im.URL, Type: im.Type, NSFWLevel: int(im.NSFWLevel.Value)})
	}
	maxNSFW, err := cmdutil.PreviewMaxNSFW(o.Factory)
	if err != nil { // no preview rather than one the setting keeps out
		warn("preview", err)
		return notes
	}
	// The next image when the first fails (one CivitAI's CDN lost).
	if _, _, ok, err := sidecar.WriteFirstPreview(ctx, hc, imgs, maxNSFW, it.Dest, o.Force); ok && err != nil && ctx.Err() == nil {
		warn("preview", err)
	}
	return notes
}

// modelLookupWait bounds the request for a model's description for its
// A1111 card, retries included.
const modelLookupWait = 10 * time.Second

// modelFile reports whether files of this type are something a UI loads,
// and so get sidecars: not a training data set, a config (name.yaml
// beside name.safetensors, whose sidecars would take the model's names)
// or an archive.
func modelFile(fileType string) bool {
	switch strings.ToLower(fileType) {
	case "training data", "config", "archive":
		return false
	}
	return true
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
