package search

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
)

func TestNewCmdSearch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    Options
		types   []api.ModelType
		wantErr string
	}{
		{name: "words join into one query", args: []string{"pixel", "art"}, want: Options{Query: "pixel art"}},
		{name: "types are normalised", args: []string{"-t", "lora,Textual Inversion", "--type", "checkpoint"},
			want: Options{Types: []string{"lora", "Textual Inversion", "checkpoint"}}, types: []api.ModelType{"LORA", "TextualInversion", "Checkpoint"}},
		{name: "sort and period", args: []string{"--sort", "most downloaded", "--period", "week"}, want: Options{Sort: "Most Downloaded", Period: "Week"}},
		{name: "nsfw only when given", args: []string{"--nsfw"}, want: Options{NSFW: ptr(true)}},
		{name: "bad type", args: []string{"--type", "bogus"}, wantErr: `invalid value "bogus" for ` + "`--type`"},
		{name: "bad sort", args: []string{"--sort", "up"}, wantErr: `invalid value "up" for ` + "`--sort`"},
		{name: "limit bounds", args: []string{"--limit", "1001"}, wantErr: "between 1 and 1000"},
		{name: "limit 0 is an error, not the default", args: []string{"--limit", "0"}, wantErr: "`--limit` must be between 1 and 1000, got 0"},
		{name: "limit absent is the default", args: nil, want: Options{}},
		{name: "batch and query", args: []string{"x", "--batch", "f"}, wantErr: "not both"},
		{name: "tag twice", args: []string{"--tag", "a", "--tag", "b"}, wantErr: "`--tag` can be given once (got \"a\", \"b\")"},
		{name: "user twice", args: []string{"-u", "a", "--user", "b"}, wantErr: "`--user` can be given once"},
		{name: "sort twice", args: []string{"-s", "newest", "--sort", "oldest"}, wantErr: "`--sort` can be given once"},
		{name: "period twice", args: []string{"-p", "day", "-p", "week"}, wantErr: "`--period` can be given once"},
		{name: "new enum filters", args: []string{"--checkpoint-type", "merge", "--period", "week", "--period-mode", "STATS", "--commercial-use", "rentcivit,sell"},
			want: Options{CheckpointType: "Merge", Period: "Week", PeriodMode: "stats", CommercialUse: []string{"RentCivit", "Sell"}}, types: []api.ModelType{"Checkpoint"}},
		{name: "checkpoint type beside checkpoint and lora", args: []string{"--checkpoint-type", "trained", "-t", "lora,checkpoint"},
			want: Options{CheckpointType: "Trained", Types: []string{"lora", "checkpoint"}}, types: []api.ModelType{"LORA", "Checkpoint"}},
		{name: "checkpoint type without a checkpoint type", args: []string{"--checkpoint-type", "merge", "--type", "lora"},
			wantErr: "`--checkpoint-type` only applies to checkpoints, and `--type` names none"},
		{name: "period mode without period", args: []string{"--period-mode", "stats"}, wantErr: "`--period-mode` has no effect without `--period`"},
		{name: "bad checkpoint type", args: []string{"--checkpoint-type", "standard"}, wantErr: `invalid value "standard" for ` + "`--checkpoint-type`: valid values are \"Trained\", \"Merge\""},
		{name: "bad commercial use", args: []string{"--commercial-use", "free"}, wantErr: `invalid value "free" for ` + "`--commercial-use`"},
		{name: "bad period mode", args: []string{"--period-mode", "x"}, wantErr: "`--period-mode`: valid values are \"published\", \"stats\""},
		{name: "ids", args: []string{"--id", "5,6", "--id", "7"}, want: Options{IDs: []int64{5, 6, 7}}},
		{name: "ids with a query", args: []string{"cat", "--id", "5"}, wantErr: "`--id` cannot be combined with a query"},
		{name: "bad id", args: []string{"--id", "x"}, wantErr: "`--id`: \"x\" is not an id"},
		// An empty filter value would drop the filter and list the whole
		// catalog.
		{name: "empty type", args: []string{"--type", ""}, wantErr: "`--type` needs a value, got an empty one"},
		{name: "stray comma in types", args: []string{"--type", "lora,"}, want: Options{Types: []string{"lora", ""}}, types: []api.ModelType{"LORA"}},
		{name: "empty user", args: []string{"--user", ""}, wantErr: "`--user` needs a value"},
		{name: "blank tag", args: []string{"--tag", "  "}, wantErr: "`--tag` needs a value"},
		{name: "empty base model", args: []string{"--base-model="}, wantErr: "`--base-model` needs a value"},
		{name: "empty base model beside another", args: []string{"-b", "sdxl 1.0", "-b", ""}, wantErr: "`--base-model` needs a value"},
		{name: "empty id", args: []string{"--id", ""}, wantErr: "`--id` needs a value"},
		{name: "empty limit", args: []string{"--limit", ""}, wantErr: "`--limit` needs a value"},
		{name: "empty commercial use", args: []string{"--commercial-use", ""}, wantErr: "`--commercial-use` needs a value"},
		{name: "user page URL", args: []string{"--user", "https://civitai.com/user/jerry__art2"}, want: Options{User: "jerry__art2"}},
		{name: "civitai.red user page URL", args: []string{"--user", "civitai.red/user/jerry__art2/models"}, want: Options{User: "jerry__art2"}},
		{name: "user @name", args: []string{"--user", "@jerry__art2"}, want: Options{User: "jerry__art2"}},
		{name: "user URL of a model", args: []string{"--user", "https://civitai.com/models/101"}, wantErr: "`--user`: \"https://civitai.com/models/101\" is not a user page"},
		{name: "boolean filters", args: []string{"--early-access", "--supports-generation", "--archived", "--favorites", "--hidden"},
			want: Options{EarlyAccess: true, SupportsGeneration: true, Archived: true, Favorites: true, Hidden: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdSearch(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			cmd.SetArgs(append([]string{}, tt.args...)) // never nil: cobra would read os.Args
			cmd.SetOut(ios.ErrOut)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want.Query, got.Query); d != "" {
				t.Errorf("query: %s", d)
			}
			if tt.want.Sort != got.Sort || tt.want.Period != got.Period {
				t.Errorf("sort/period = %q/%q", got.Sort, got.Period)
			}
			if (tt.want.NSFW == nil) != (got.NSFW == nil) {
				t.Errorf("nsfw = %v", got.NSFW)
			}
			if d := cmp.Diff(tt.want.CheckpointType+"|"+tt.want.PeriodMode, got.CheckpointType+"|"+got.PeriodMode); d != "" {
				t.Errorf("checkpoint type|period mode: %s", d)
			}
			if d := cmp.Diff(tt.want.CommercialUse, got.CommercialUse); d != "" {
				t.Errorf("commercial use: %s", d)
			}
			if d := cmp.Diff(tt.want.IDs, got.IDs); d != "" {
				t.Errorf("ids: %s", d)
			}
			flags := [...]bool{got.EarlyAccess, got.SupportsGeneration, got.Archived, got.Favorites, got.Hidden}
			if want := [...]bool{tt.want.EarlyAccess, tt.want.SupportsGeneration, tt.want.Archived, tt.want.Favorites, tt.want.Hidden}; flags != want {
				t.Errorf("boolean filters = %v, want %v", flags, want)
			}
			if tt.types != nil {
				if d := cmp.Diff(tt.types, got.types); d != "" {
					t.Errorf("types (-want +got):\n%s", d)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// With --base-model the row shows the base model of the newest version
// that matched, not the newest version's.
func TestRowShowsTheMatchingBaseModel(t *testing.T) {
	t.Parallel()
	m := &api.Model{ID: 7, Name: "m", Type: "LORA", ModelVersions: []*api.ModelVersion{
		{ID: 3, BaseModel: "SD 1.5"}, {ID: 2, BaseModel: "SDXL 1.0"}, {ID: 1, BaseModel: "Pony"},
	}}
	for _, tt := range []struct {
		bases []string
		want  string
	}{
		{nil, "SD 1.5"},
		{[]string{"SDXL 1.0"}, "SDXL 1.0"},
		{[]string{"Pony", "SDXL 1.0"}, "SDXL 1.0"},
		{[]string{"SD 1.5"}, "SD 1.5"},
		{[]string{"Flux.1 D"}, "SD 1.5"}, // no match: as the API gave it
	} {
		if got := row(m, tt.bases, false, time.Now())[3]; got != tt.want {
			t.Errorf("bases %q: base column %q, want %q", tt.bases, got, tt.want)
		}
	}
}
