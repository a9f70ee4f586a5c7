package scan

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/library"
)

func TestNewCmdScan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    string
		want    Options
		wantErr string
	}{
		{name: "defaults", args: "", want: Options{Rate: 2}},
		{name: "dirs and flags", args: "a b --recheck --write-sidecars -j 3 --rate 10 --json -q", want: Options{Dirs: []string{"a", "b"}, Recheck: true, WriteSidecars: true, Jobs: 3, Rate: 10, JSON: true, Quiet: true}},
		{name: "no lookup", args: "--no-lookup --rehash", want: Options{NoLookup: true, Rehash: true, Rate: 2}},
		{name: "recheck needs lookups", args: "--recheck --no-lookup", wantErr: "`--recheck` asks CivitAI"},
		{name: "bad rate", args: "--rate -1", wantErr: "`--rate` must be more than 0"},
		{name: "bad jobs", args: "-j 100", wantErr: "`--jobs` must be between"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdScan(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("error %v, want usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Factory = nil
			if diff := cmp.Diff(&tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRoots cannot run in parallel: it sets HOME for the ~ in roots.
func TestRoots(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	t.Setenv("USERPROFILE", "/home/u") // Windows
	cfg, err := config.Load(filepath.Join(t.TempDir(), "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	sep := string(filepath.ListSeparator)
	if err := cfg.Set("roots", "/a"+sep+" ~/b "+sep+sep); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Set("root", "~/ui"); err != nil {
		t.Fatal(err)
	}
	f := &cmdutil.Factory{Config: func() (*config.Config, error) { return cfg, nil }}
	got, err := Roots(f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/a", filepath.FromSlash("/home/u/b"), filepath.FromSlash("/home/u/ui")}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestScanError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sum     library.Summary
		folders int
		want    string // "" no error, "silent" exit 1 without a message, else the PartialError
	}{
		{name: "no errors", sum: library.Summary{Scanned: 3}, folders: 1, want: ""},
		{name: "the one folder is missing", sum: library.Summary{Errors: 1}, folders: 1, want: "silent"},
		{name: "the one file failed", sum: library.Summary{Scanned: 1, Errors: 1}, folders: 1, want: "silent"},
		{name: "one of two folders missing", sum: library.Summary{Errors: 1}, folders: 2, want: "1 of 2 files, folders or lookups failed"},
		{name: "both folders missing", sum: library.Summary{Errors: 2}, folders: 2, want: "2 of 2 files, folders or lookups failed"},
		{name: "one of several files", sum: library.Summary{Scanned: 3, Errors: 1}, folders: 1, want: "1 of 3 files, folders or lookups failed"},
		{name: "a file and a subfolder", sum: library.Summary{Scanned: 3, FailedFolders: 1, Errors: 2}, folders: 1, want: "2 of 4 files, folders or lookups failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := scanError(&tt.sum, tt.folders)
			var partial *cmdutil.PartialError
			switch {
			case tt.want == "":
				if err != nil {
					t.Errorf("err = %v, want nil", err)
				}
			case tt.want == "silent":
				if !errors.Is(err, cmdutil.ErrSilent) {
					t.Errorf("err = %v, want ErrSilent (exit 1)", err)
				}
			case !errors.As(err, &partial) || err.Error() != tt.want:
				t.Errorf("err = %v, want PartialError %q (exit 3)", err, tt.want)
			}
		})
	}
}

func TestSummaryLine(t *testing.T) {
	t.Parallel()
	s := &library.Summary{Scanned: 10, Hashed: 2, HashedBytes: 2048, Identified: 7, NotOnCivitai: 2, Unknown: 1, Errors: 0,
		NewlyIdentified: 1, FromSidecars: 3, Renamed: 1, Pruned: 4, Lookups: 2, Elapsed: 1500 * time.Millisecond}
	want := "10 scanned, 2 hashed (2.0 KiB), 7 identified, 2 not on CivitAI, 1 unknown, 0 errors (1 newly identified, 3 from sidecars, 1 moved, 4 removed, 2 CivitAI requests) in 1.5s"
	if got := SummaryLine(s); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	s.Interrupted = true
	if got := SummaryLine(s); got != "interrupted: "+want {
		t.Errorf("interrupted: got %q", got)
	}
}
