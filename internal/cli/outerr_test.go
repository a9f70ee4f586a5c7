package cli

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civit/civit/internal/iostreams"
)

type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// A command whose results could not be written fails, even where it does
// not look at the errors of its prints itself.
func TestResultsLostToAFullDiskFail(t *testing.T) {
	t.Parallel()
	ios, _, _, errOut := iostreams.Test()
	ios.Out = fullDisk{}
	ios.TrackOutErrors()
	dir := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config"), "XDG_DATA_HOME": filepath.Join(dir, "data"), "XDG_CACHE_HOME": filepath.Join(dir, "cache"), "HOME": dir}
	f := NewFactory(ios, "test", func(k string) string { return env[k] })
	code := Run(context.Background(), f, []string{"help", "environment"})
	if code != ExitError {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, ExitError, errOut)
	}
	if !strings.Contains(errOut.String(), "civit: error: write the results: no space left on device") {
		t.Errorf("stderr does not say the results were lost:\n%s", errOut)
	}
}
