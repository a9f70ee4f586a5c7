package cmdutil

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/civit/civit/internal/config"
)

// PathArgs expands the file and folder arguments of a command as a Unix
// shell would have: a leading ~ becomes the home folder, and a pattern
// (*, ?, [) becomes the paths it matches, sorted. Windows' cmd.exe and
// PowerShell do neither for a program, so without this
// `civit hash models\loras\*.safetensors` would look for a file named
// "*.safetensors". An argument naming an existing path is kept as it is
// (a file may have [ in its name), and so is a pattern that matches
// nothing, which the command then reports as missing.
func PathArgs(args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	for _, a := range args {
		p, err := config.ExpandHome(a)
		if err != nil {
			return nil, FlagErrorf("%v", err)
		}
		if _, err := os.Lstat(p); err == nil || !strings.ContainsAny(p, "*?[") {
			out = append(out, p)
			continue
		}
		m, err := filepath.Glob(p)
		if err != nil || len(m) == 0 {
			out = append(out, p)
			continue
		}
		slices.Sort(m)
		out = append(out, m...)
	}
	return out, nil
}
