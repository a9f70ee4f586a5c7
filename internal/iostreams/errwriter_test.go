package iostreams

import (
	"os"
	"testing"
)

// closedPipe is a pipe whose reader has gone, as `civit ... | head -1`
// leaves it once head has quit.
func closedPipe(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() { w.Close() })
	return w
}

// stderr never fails what civit does: a write nobody can read is dropped
// and reported as written.
func TestStderrDropsWhatCannotBeWritten(t *testing.T) {
	t.Parallel()
	w := &lossyWriter{f: closedPipe(t)}
	for range 2 {
		if n, err := w.Write([]byte("progress line\n")); n != 14 || err != nil {
			t.Fatalf("Write = %d, %v; want 14, nil", n, err)
		}
	}
	if !w.dead.Load() {
		t.Errorf("a broken pipe is written to again")
	}
}

// Results nobody reads any more call the hook once, and OutBroken says so.
func TestBrokenOut(t *testing.T) {
	t.Parallel()
	ios := &IOStreams{Out: closedPipe(t)}
	calls := 0
	ios.OnBrokenOut(func() { calls++ })
	for range 2 {
		if _, err := ios.Out.Write([]byte("row\n")); err == nil {
			t.Fatal("a write to a closed pipe succeeded")
		}
	}
	if calls != 1 || !ios.OutBroken() {
		t.Errorf("hook called %d times, OutBroken %v; want 1, true", calls, ios.OutBroken())
	}
}
