package download

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/layout"
	"github.com/civit/civit/internal/progress"
	"github.com/civit/civit/internal/sidecar"
)

// writeSidecars writes .civitai.info, the preview and A1111's .json beside
// a downloaded model (the .json only for the kinds A1111 lists as extra
// networks: see layout.ExtraNetwork). A failure is a warning: the model itself is fine.
func writeSidecars(ctx context.Context, o *Options, hc *http.Client, it *item, tr *progress.Tracker) []string {
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
	desc := v.Description
	if it.ModelDescription != "" {
		desc = it.ModelDescription // what the model is; the version's is often a changelog
	}
	if layout.ExtraNetwork(it.Type, it.File.Type) {
		meta := sidecar.NewA1111Meta(it.ModelID, v.ID, it.Model, v.Name, v.BaseModel, v.TrainedWords, desc, it.SHA256, base)
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
	if im, ok := sidecar.ChoosePreview(imgs, maxNSFW); ok {
		if _, _, err := sidecar.WritePreview(ctx, hc, im.URL, it.Dest, o.Force); err != nil && ctx.Err() == nil {
			warn("preview", err)
		}
	}
	return notes
}
