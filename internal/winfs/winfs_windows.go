//go:build windows

package winfs

import (
	"errors"
	"os"
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

// Unheld returns nil when path can be deleted or renamed now, and the
// sharing violation Windows gives when another program has it open
// without FILE_SHARE_DELETE (as a UI holds a loaded model, or os.Open
// does). The state belongs to the file, so it holds for each of its hard
// links: a new link to a held file cannot be renamed or deleted either.
func Unheld(path string) error {
	p, err := windows.UTF16PtrFromString(LongPath(path))
	if err != nil {
		return err
	}
	h, err := windows.CreateFile(p, windows.DELETE, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	return windows.CloseHandle(h)
}
