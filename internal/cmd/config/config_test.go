package config

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civit/civit/internal/cmdutil"
	cfgpkg "github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
)

// `config set KEY -` asks for the value on a terminal (on stderr, so it
// does not look hung) and reads it from a pipe as it comes, silently.
func TestSetFromStdin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		stdinTTY   bool
		key, in    string
		wantPrompt string
		want       string
		wantErr    string
	}{
		{name: "piped key", key: "api_key", in: "abcdef-123456\n", want: "abcdef-123456"},
		{name: "piped key, no newline", key: "api_key", in: "abcdef-123456", want: "abcdef-123456"},
		{name: "terminal key", stdinTTY: true, key: "api_key", in: "abcdef-123456\n", wantPrompt: "API key: ", want: "abcdef-123456"},
		{name: "terminal other key", stdinTTY: true, key: "limit", in: "7\n", wantPrompt: "limit: ", want: "7"},
		{name: "piped other key", key: "limit", in: "7\n", want: "7"},
		{name: "nothing piped", key: "api_key", in: "", wantErr: "no value on standard input for api_key"},
		{name: "nothing typed", stdinTTY: true, key: "api_key", in: "", wantPrompt: "API key: ", wantErr: "no value on standard input for api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, in, _, errOut := iostreams.Test()
			ios.SetStdinTTY(tt.stdinTTY)
			in.WriteString(tt.in)
			path := filepath.Join(t.TempDir(), "config.json")
			f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" },
				Config: func() (*cfgpkg.Config, error) { return cfgpkg.Load(path) }}
			err := runConfig(context.Background(), &Options{Factory: f, Action: "set", Key: tt.key, Value: "-"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := errOut.String(); got != tt.wantPrompt {
				t.Errorf("stderr %q, want %q", got, tt.wantPrompt)
			}
			if tt.wantErr != "" {
				return
			}
			c, err := cfgpkg.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Get(tt.key); got != tt.want {
				t.Errorf("stored %s = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}
