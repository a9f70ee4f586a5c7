//go:build !linux

package cli

import "github.com/rogpeppe/go-internal/testscript"

func canMount() bool { return false }

func cmdTinyfs(ts *testscript.TestScript, _ bool, _ []string) {
	ts.Fatalf("tinyfs: Linux only (guard the script with [tinyfs])")
}

func bindReadOnly(ts *testscript.TestScript, _ string) {
	ts.Fatalf("readonly: root can only be kept from writing on Linux (guard the script with [readonly])")
}
