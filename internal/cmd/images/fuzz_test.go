package images

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/target"
)

// FuzzImagesFlags checks the filters of `civit images`: what the command
// accepts names something to list, with a limit in range and --sort,
// --period and --type spelled as the API wants them; anything else is a
// usage error.
func FuzzImagesFlags(f *testing.F) {
	f.Add("101", "", "random", "week", "Video", "bob", 10)
	f.Add("https://civitai.com/models/101?modelVersionId=10101", "10102", "", "", "", "", 3)
	f.Add("", "10101", "most reactions", "alltime", "image", "", 200)
	f.Add("", "", "MOST-COMMENTS", "decade", "gif", "", 0)
	f.Add("urn:air:sdxl:lora:civitai:101@10101", " 10101 ", "", "", "audio", "", 201)
	f.Fuzz(func(t *testing.T, arg, version, sort, period, typ, user string, limit int) {
		args := []string{"--limit", strconv.Itoa(limit)}
		for _, fl := range []struct{ name, v string }{{"version", version}, {"sort", sort}, {"period", period}, {"type", typ}, {"user", user}} {
			if fl.v != "" {
				args = append(args, "--"+fl.name+"="+fl.v)
			}
		}
		if arg != "" {
			args = append(args, "--", arg)
		}
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdImages(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *Options) error {
			got = o
			return nil
		})
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		if err := cmd.Execute(); err != nil {
			var fe *cmdutil.FlagError
			var te *target.Error
			if !errors.As(err, &fe) && !errors.As(err, &te) {
				t.Fatalf("%q: %v is not a usage error", args, err)
			}
			return
		}
		if got.ModelID == 0 && got.VersionID == 0 && got.User == "" {
			t.Fatalf("%q: nothing to list: %+v", args, got)
		}
		if got.ModelID < 0 || got.VersionID < 0 || got.Limit < 1 || got.Limit > 200 {
			t.Fatalf("%q: %+v", args, got)
		}
		for _, e := range []struct {
			v     string
			valid []string
		}{{got.Sort, api.ImageSorts()}, {got.Period, api.Periods()}, {got.Type, api.MediaTypes()}} {
			if e.v != "" && !slices.Contains(e.valid, e.v) {
				t.Fatalf("%q: %q is not one of %q", args, e.v, e.valid)
			}
		}
	})
}
