//go:build windows

package iostreams

import (
	"os"

	"golang.org/x/sys/windows"
)

// enableVT turns on escape-sequence processing on f's console: Windows 10
// and later understand the colour codes civit writes only once a program
// asks for it (Windows Terminal has it on already; the classic console of
// cmd.exe and PowerShell does not). False: the console cannot show them.
func enableVT(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
