//go:build !windows

package download

import "syscall"

// fileTooBigErrno is the system's refusal of a file too big for the file
// system (see isFileTooBig).
const fileTooBigErrno = syscall.EFBIG
