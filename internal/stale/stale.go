// Package stale removes the temporary files that civit's own writers leave
// in a folder when civit is killed (kill -9, SIGKILL from the OOM killer,
// a power cut) between making and renaming them: ".civit-N.reuse" (a copy
// of a library file being placed by download), ".civit-N.tmp" (a sidecar)
// and ".civit-N.link" (dupes --link). They are hidden, so scan and the
// user's file manager do not show them, and a copy is as big as the model.
//
// Their names are random (os.CreateTemp): another civit may be using one
// right now, and a name derived from the final file would collide with
// it. So a temporary is taken for abandoned by its age: it is removed
// when it has not changed for After. A copy being written changes all
// the time; a hard link (to the library's file, being hashed before it
// takes the final name) does not, but linking it set its change time
// (ctime), which is what counts for a file with several links. Windows
// keeps no change time, but refuses to remove a file another process has
// open, as one being hashed is. A hard link costs no room anyway.
package stale

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// After is how long a temporary must have been left unchanged to be
// taken for abandoned: far longer than hashing the biggest model on a
// slow disk takes.
const After = time.Hour

// prefix and suffixes are those of the temporaries civit makes.
const prefix = ".civit-"

var suffixes = []string{".reuse", ".tmp", ".link"}

// IsTemp reports whether name is one of civit's temporaries:
// ".civit-" and os.CreateTemp's random digits, then one of the suffixes.
func IsTemp(name string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	for _, s := range suffixes {
		if digits, ok := strings.CutSuffix(rest, s); ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			return true
		}
	}
	return false
}

// swept are the folders swept by this process: each once a run.
var swept sync.Map

// SweepOnce sweeps dir (Sweep) the first time this process asks for it:
// a folder civit is about to write in.
func SweepOnce(dir string) {
	if _, done := swept.LoadOrStore(filepath.Clean(dir), true); !done {
		Sweep(dir, time.Now())
	}
}

// Sweep removes civit's temporaries in dir that have not changed for
// After at now, and returns their paths.
func Sweep(dir string, now time.Time) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTemp(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(p)
		if err != nil || now.Sub(lastChange(p, fi)) < After {
			continue
		}
		if os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}
