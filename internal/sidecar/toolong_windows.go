package sidecar

import (
	"errors"

	"golang.org/x/sys/windows"
)

// nameTooLongOS: Windows says a name is too long with its own code.
func nameTooLongOS(err error) bool {
	return errors.Is(err, windows.ERROR_FILENAME_EXCED_RANGE)
}
