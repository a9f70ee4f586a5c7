package search

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
)

// FuzzReadBatch checks the --batch reader: every query is one trimmed,
// non-empty line that is not a comment, a UTF-8 byte order mark (Notepad,
// PowerShell) changes nothing, and a file without queries is a usage
// error.
func FuzzReadBatch(f *testing.F) {
	for _, s := range []string{"pixel art\n# comment\n\n  anime  \r\n", "#only\n", "", "\ufeff# saved by Notepad\nlora\n", "a\x00b\n", "\ufeff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		qs, err := readBatch("-", strings.NewReader(in))
		if err != nil {
			var fe *cmdutil.FlagError
			if len(qs) != 0 || strings.Contains(err.Error(), "no queries") && !errors.As(err, &fe) {
				t.Fatalf("%q: %q, %v", in, qs, err)
			}
		}
		text, _ := io.ReadAll(cmdutil.TextReader(strings.NewReader(in))) // UTF-16 decoded
		for _, q := range qs {
			if q == "" || q != strings.TrimSpace(q) || strings.HasPrefix(q, "#") || strings.Contains(q, "\n") || !strings.Contains(string(text), q) {
				t.Fatalf("%q: query %q", in, q)
			}
		}
		if strings.HasPrefix(in, "\ufeff") || string(text) != in {
			return // marked already, or UTF-16 without a mark: a UTF-8 mark before it makes it other text
		}
		bom, berr := readBatch("-", strings.NewReader("\ufeff"+in))
		if fmt.Sprint(bom, berr) != fmt.Sprint(qs, err) {
			t.Fatalf("%q: a BOM changes %q, %v to %q, %v", in, qs, err, bom, berr)
		}
	})
}

// FuzzValidate checks search's flag validation: what it accepts is spelled
// as the API wants it (types, --sort, --period, --period-mode,
// --checkpoint-type, --commercial-use), with --limit in range; the rest is
// a usage error.
func FuzzValidate(f *testing.F) {
	f.Add("lora", "textual inversion", "most downloaded", "week", "published", "", "sell", 20)
	f.Add("", "", "", "", "stats", "", "", 0)
	f.Add("embedding", "", "newest", "", "", "merge", "rentcivit", 1000)
	f.Add("gif", "", "best", "decade", "", "trained", "None", 1001)
	f.Add(" ", "checkpoint", "", "alltime", "STATS", "Trained", "image", -1)
	f.Fuzz(func(t *testing.T, type1, type2, sort, period, periodMode, ckpt, use string, limit int) {
		o := &Options{Types: []string{type1, type2}, Sort: sort, Period: period, PeriodMode: periodMode, CheckpointType: ckpt,
			CommercialUse: []string{use}, Limit: limit, limitSet: true}
		if err := o.validate(); err != nil {
			var fe *cmdutil.FlagError
			if !errors.As(err, &fe) {
				t.Fatalf("%+v: %v is not a usage error", o, err)
			}
			return
		}
		for _, ty := range o.types {
			if !ty.Known() {
				t.Fatalf("type %q accepted", ty)
			}
		}
		for _, e := range []struct {
			v     string
			valid []string
		}{{o.Sort, api.ModelSorts()}, {o.Period, api.Periods()}, {o.PeriodMode, api.PeriodModes()}, {o.CheckpointType, api.CheckpointTypes()}} {
			if e.v != "" && !slices.Contains(e.valid, e.v) {
				t.Fatalf("%q accepted, not one of %q", e.v, e.valid)
			}
		}
		for _, u := range o.CommercialUse {
			if !slices.Contains(api.CommercialUses(), u) {
				t.Fatalf("commercial use %q accepted", u)
			}
		}
		if o.PeriodMode != "" && o.Period == "" {
			t.Fatalf("--period-mode %q without --period accepted", o.PeriodMode)
		}
		if o.CheckpointType != "" && !slices.Contains(o.types, api.ModelTypeCheckpoint) {
			t.Fatalf("--checkpoint-type %q with types %q accepted", o.CheckpointType, o.types)
		}
		if o.Limit < 1 || o.Limit > maxLimit {
			t.Fatalf("--limit %d accepted", o.Limit)
		}
	})
}
