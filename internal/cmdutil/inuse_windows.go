//go:build windows

package cmdutil

import (
	"errors"

	"golang.org/x/sys/windows"
)

// FileInUse reports an error saying another program holds the file open
// (Windows refuses to delete or replace such a file: a UI with the model
// loaded, an antivirus scan).
func FileInUse(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION) ||
		errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_USER_MAPPED_FILE)
}
