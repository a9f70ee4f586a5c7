package iostreams

import (
	"io"
	"sync"
)

// errWriter remembers the first error of the writer it wraps. Commands
// print their results with fmt.Fprint* and seldom look at the error, so a
// full disk or a closed pipe behind `civit dupes > list.txt` would lose the
// list and still exit 0; the CLI asks Err when the command ends instead.
type errWriter struct {
	w   io.Writer
	mu  sync.Mutex
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		e.mu.Lock()
		if e.err == nil {
			e.err = err
		}
		e.mu.Unlock()
	}
	return n, err
}

func (e *errWriter) firstErr() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// TrackOutErrors makes OutErr report the first error writing to Out.
// System does it for stdout.
func (s *IOStreams) TrackOutErrors() {
	if _, ok := s.Out.(*errWriter); !ok {
		s.Out = &errWriter{w: s.Out}
	}
}

// OutErr is the first error writing results to Out, when TrackOutErrors
// was called (nil otherwise, and when all went well).
func (s *IOStreams) OutErr() error {
	if e, ok := s.Out.(*errWriter); ok {
		return e.firstErr()
	}
	return nil
}
