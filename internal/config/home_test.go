package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// setHome points os.UserHomeDir at dir. Tests that call it cannot run in
// parallel.
func setHome(t *testing.T, dir string) {
	t.Helper()
	t.Setenv("HOME", dir)
	t.Setenv("USERPROFILE", dir) // Windows
}

func TestExpandHome(t *testing.T) {
	home := filepath.FromSlash("/home/u")
	setHome(t, home)
	tests := []struct {
		name, in, want, wantErr string
	}{
		{name: "empty", in: "", want: ""},
		{name: "tilde", in: "~", want: home},
		{name: "tilde slash", in: "~/", want: home},
		{name: "under home", in: "~/models", want: filepath.Join(home, "models")},
		{name: "cleaned", in: "~/models//loras/", want: filepath.Join(home, "models", "loras")},
		{name: "absolute", in: "/srv/models", want: "/srv/models"},
		{name: "relative", in: "models/~", want: "models/~"},
		{name: "tilde inside a name", in: "a~b", want: "a~b"},
		{name: "dot tilde", in: "./~", want: "./~"},
		{name: "other user", in: "~bob/models", wantErr: `"~bob/models": only ~ and ~/ are expanded, not ~user`},
		{name: "other user alone", in: "~bob", wantErr: "not ~user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandHome(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ExpandHome(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ExpandHome(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestExpandHomeNoHome(t *testing.T) {
	setHome(t, "")
	if _, err := ExpandHome("~/models"); err == nil {
		t.Error("ExpandHome without a home directory succeeded")
	}
	if got, err := ExpandHome("/abs"); err != nil || got != "/abs" {
		t.Errorf("ExpandHome(/abs) = %q, %v", got, err)
	}
}

// TestGetExpandsPathKeys reads a hand-edited file: path keys come back with
// ~ expanded, other keys as written.
func TestGetExpandsPathKeys(t *testing.T) {
	home := filepath.FromSlash("/home/u")
	setHome(t, home)
	p := filepath.Join(t.TempDir(), "config.json")
	sep := string(filepath.ListSeparator)
	body := `{"output_dir": "~/models", "root": "~", "roots": "~/a` + sep + ` /b ` + sep + `", "subdir": "{base}/~x"}`
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ key, want string }{
		{"output_dir", filepath.Join(home, "models")},
		{"root", home},
		{"roots", filepath.Join(home, "a") + sep + "/b" + sep},
		{"subdir", "{base}/~x"},
		{"limit", ""},
	}
	for _, tt := range tests {
		if got := c.Get(tt.key); got != tt.want {
			t.Errorf("Get(%s) = %q, want %q", tt.key, got, tt.want)
		}
		if got, err := c.Value(tt.key); err != nil || got != tt.want {
			t.Errorf("Value(%s) = %q, %v; want %q", tt.key, got, err, tt.want)
		}
	}

	// A ~user form cannot be expanded: Value says so, Get gives it as written.
	os.WriteFile(p, []byte(`{"output_dir": "~bob/models"}`), 0o600)
	if c, err = Load(p); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Value("output_dir"); err == nil || !strings.Contains(err.Error(), "invalid value for output_dir: ") {
		t.Errorf("Value(~bob/models) error = %v", err)
	}
	if got := c.Get("output_dir"); got != "~bob/models" {
		t.Errorf("Get(~bob/models) = %q", got)
	}
}

// TestSetKeepsTilde stores ~ as typed, so the file stays valid if the home
// directory moves.
func TestSetKeepsTilde(t *testing.T) {
	setHome(t, filepath.FromSlash("/home/u"))
	p := filepath.Join(t.TempDir(), "config.json")
	c, _ := Load(p)
	if err := c.Set("output_dir", "~/models"); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"output_dir": "~/models"`) {
		t.Errorf("file:\n%s", b)
	}
}

// Without a home (a stripped cron, a systemd unit without a user) the
// configuration is empty and commands run on the environment; only saving
// it fails, saying what to set.
func TestLoadDefaultWithoutHome(t *testing.T) {
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "AppData", "home"} {
		t.Setenv(k, "")
	}
	c, err := LoadDefault()
	if err != nil {
		t.Fatalf("LoadDefault: %v", err)
	}
	if c.Get("output_dir") != "" || c.Path() != "" {
		t.Errorf("values or path without a home: %q, %q", c.Get("output_dir"), c.Path())
	}
	var nd *NoDirError
	if !errors.As(c.Err(), &nd) {
		t.Fatalf("Err() = %v, want a *NoDirError", c.Err())
	}
	if err := c.Set("output_dir", "/tmp"); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); !errors.As(err, &nd) || !strings.Contains(nd.Hint(), "set HOME") {
		t.Errorf("Save() = %v, want a *NoDirError saying to set HOME", err)
	}
}

// On Windows %NAME% is expanded as cmd.exe would (PowerShell and
// config.json leave it), where the variable is set.
func TestExpandPercent(t *testing.T) {
	t.Parallel()
	env := map[string]string{"USERPROFILE": `C:\Users\ann`, "ProgramFiles(x86)": `C:\Program Files (x86)`}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, tt := range []struct{ goos, in, want string }{
		{"windows", `%USERPROFILE%\models`, `C:\Users\ann\models`},
		{"windows", `D:\%ProgramFiles(x86)%`, `D:\C:\Program Files (x86)`},
		{"windows", `%NOPE%\models`, `%NOPE%\models`},
		{"windows", `D:\100% done\models`, `D:\100% done\models`},
		{"linux", `%USERPROFILE%/models`, `%USERPROFILE%/models`},
	} {
		if got := expandPercent(tt.in, tt.goos, lookup); got != tt.want {
			t.Errorf("expandPercent(%q, %s) = %q, want %q", tt.in, tt.goos, got, tt.want)
		}
	}
}
