package search

import (
	"context"
	"strings"
	"testing"

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
		{name: "batch and query", args: []string{"x", "--batch", "f"}, wantErr: "not both"},
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
			cmd.SetArgs(tt.args)
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
			if tt.types != nil {
				if d := cmp.Diff(tt.types, got.types); d != "" {
					t.Errorf("types (-want +got):\n%s", d)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
