package hash

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
)

// A big file takes a while to hash: a terminal is told what is happening;
// a pipe is not. The test changes bigFile, so it does not run in parallel.
func TestBigFileNoteOnTerminal(t *testing.T) {
	old := bigFile
	bigFile = 4
	t.Cleanup(func() { bigFile = old })
	p := filepath.Join(t.TempDir(), "big.safetensors")
	if err := os.WriteFile(p, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tty := range []bool{true, false} {
		ios, _, _, errOut := iostreams.Test()
		ios.SetStderrTTY(tty)
		stop := errors.New("stop before the lookup")
		f := &cmdutil.Factory{IOStreams: ios, APIClient: func(bool) (*api.Client, error) { return nil, stop }}
		if err := run(t.Context(), &Options{Factory: f, Args: []string{p}}); !errors.Is(err, stop) {
			t.Fatalf("err = %v", err)
		}
		if got := strings.Contains(errOut.String(), "hashing "+p+" (5 B)..."); got != tty {
			t.Errorf("terminal %v: stderr = %q", tty, errOut.String())
		}
	}
}
