//go:build windows

package winfs

import (
	"errors"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
)

// LongPath gives an absolute path past MAX_PATH the \\?\ prefix that lets
// CreateFile open it, as the os package does for its own calls (a model
// folder deep in a UI's tree plus a 200-character file name is over 260).
func LongPath(p string) string {
	const maxDir = 248 // MAX_PATH less room for an 8.3 name
	if len(p) < maxDir || !filepath.IsAbs(p) || strings.HasPrefix(p, `\\?\`) {
		return p
	}
	p = filepath.Clean(p)
	if strings.HasPrefix(p, `\\`) { // \\server\share\...
		return `\\?\UNC\` + p[2:]
	}
	return `\\?\` + p
}

// InUse reports an error saying another program holds the file open:
// Windows refuses to delete, rename or replace such a file (a UI with the
// model loaded, an antivirus scan, the search indexer).
func InUse(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION) ||
		errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_USER_MAPPED_FILE)
}
