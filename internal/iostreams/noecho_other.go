//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package iostreams

import "golang.org/x/term"

// readLineNoEcho: Windows' console ends a line read at Ctrl-Z Enter, which
// term.ReadPassword returns.
func readLineNoEcho(fd int) ([]byte, error) { return term.ReadPassword(fd) }
