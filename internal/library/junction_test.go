package library

import (
	"runtime/debug"
	"strings"
	"testing"
)

// Windows junctions (mklink /J) must read as symbolic links, as before Go
// 1.23, so that scan follows them (go.mod's godebug block). Wine cannot
// make a junction, so this checks the setting every build carries.
func TestJunctionsReadAsLinks(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build information")
	}
	for _, s := range bi.Settings {
		if s.Key == "DefaultGODEBUG" {
			for _, want := range []string{"winsymlink=0", "winreadlinkvolume=0"} {
				if !strings.Contains(s.Value, want) {
					t.Errorf("DefaultGODEBUG %q lacks %s", s.Value, want)
				}
			}
			return
		}
	}
	t.Error("no DefaultGODEBUG: go.mod's godebug block is gone")
}
