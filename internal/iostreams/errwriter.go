package iostreams

import (
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// errWriter remembers the first error of the writer it wraps. Commands
// print their results with fmt.Fprint* and seldom look at the error, so a
// full disk or a closed pipe behind `civit dupes > list.txt` would lose the
// list and still exit 0; the CLI asks Err when the command ends instead.
type errWriter struct {
	w      io.Writer
	mu     sync.Mutex
	err    error
	broken func() // called once when the reader went away (OnBrokenOut)
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		e.mu.Lock()
		first := e.err == nil
		if first {
			e.err = err
		}
		fn := e.broken
		e.mu.Unlock()
		if first && fn != nil && IsBrokenPipe(err) {
			fn()
		}
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

// OnBrokenOut makes the first write of results that fails because
// nobody reads them any more (`civit ls | head -1`: head quit) call fn;
// the CLI stops the command then, as Ctrl-C does. It calls
// TrackOutErrors.
func (s *IOStreams) OnBrokenOut(fn func()) {
	s.TrackOutErrors()
	e := s.Out.(*errWriter)
	e.mu.Lock()
	e.broken = fn
	e.mu.Unlock()
}

// OutBroken reports whether a write of results failed because their
// reader went away (a closed pipe).
func (s *IOStreams) OutBroken() bool { return IsBrokenPipe(s.OutErr()) }

// IsBrokenPipe reports whether err is a write to a pipe whose reader
// closed it: EPIPE, on Windows ERROR_BROKEN_PIPE or ERROR_NO_DATA ("the
// pipe is being closed").
func IsBrokenPipe(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.EPIPE) {
		return true
	}
	return runtime.GOOS == "windows" && (errors.Is(err, syscall.Errno(109)) || errors.Is(err, syscall.Errno(232)))
}

// lossyWriter is stderr: progress, warnings and errors, which must never
// stop or fail what civit is doing. A write that fails (`civit download
// 2>&1 | head -1`: head quit; a terminal closed; a full disk behind
// 2>log) is dropped and reported as written, so progress keeps counting
// and the download finishes and saves its state; nothing is written
// after the reader went away.
type lossyWriter struct {
	f    *os.File
	dead atomic.Bool // the reader went away: later writes are not tried
}

func (l *lossyWriter) Write(p []byte) (int, error) {
	if l.dead.Load() {
		return len(p), nil
	}
	if _, err := l.f.Write(p); IsBrokenPipe(err) {
		l.dead.Store(true)
	}
	return len(p), nil
}

// File is the stream written, for what needs its descriptor (whether it
// is a terminal, its size).
func (l *lossyWriter) File() *os.File { return l.f }
