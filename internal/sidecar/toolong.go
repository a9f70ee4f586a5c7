package sidecar

import (
	"errors"
	"fmt"
	"syscall"
)

// ErrNameTooLong: a sidecar's name (the model's name with the sidecar's
// suffix in place of its extension) would be longer than the file system
// allows, 255 bytes on most: such a sidecar cannot exist. Only a model
// file named near that limit has it (civit's own downloads stay under it).
// The error is a *NameTooLongError.
var ErrNameTooLong = errors.New("its name would be longer than the file system allows")

// NameTooLongError names the sidecar that cannot exist.
type NameTooLongError struct {
	Name string // the sidecar's base name
}

func (e *NameTooLongError) Error() string {
	return fmt.Sprintf("write %s: %v", e.Name, ErrNameTooLong)
}

// Is makes errors.Is(err, ErrNameTooLong) true.
func (e *NameTooLongError) Is(target error) bool { return target == ErrNameTooLong }

// nameTooLong reports whether err is the file system refusing a name for
// its length.
func nameTooLong(err error) bool {
	return errors.Is(err, syscall.ENAMETOOLONG) || nameTooLongOS(err)
}
