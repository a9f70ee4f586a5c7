package iostreams

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"
)

// ReadSecret reads one line from stdin, for a secret such as the API key:
// on a real terminal without echo (the caller prints the prompt; the Enter
// that was not echoed is, to stderr), elsewhere (a pipe, CIVIT_FORCE_TTY)
// as it comes. Ctrl-C while it waits ends the read with ctx's error and
// the terminal echoing again.
func (s *IOStreams) ReadSecret(ctx context.Context) (string, error) {
	if s.readNoEcho != nil {
		b, err := s.readNoEcho(ctx)
		fmt.Fprintln(s.ErrOut)
		return strings.TrimRight(string(b), "\r\n"), err
	}
	sc := bufio.NewScanner(s.In)
	sc.Buffer(make([]byte, 4096), 1<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return "", err
		}
		return "", io.EOF
	}
	return sc.Text(), nil
}

// readPassword is term.ReadPassword that gives up when ctx is done,
// restoring the terminal's echo itself (the read it abandons is left
// blocked: civit is about to exit).
func readPassword(ctx context.Context, fd int) ([]byte, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return nil, fmt.Errorf("read from the terminal: %w", err)
	}
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := readLineNoEcho(fd)
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil && !errors.Is(r.err, io.EOF) {
			r.err = fmt.Errorf("read from the terminal: %w", r.err)
		}
		return r.b, r.err
	case <-ctx.Done():
		_ = term.Restore(fd, state)
		return nil, ctx.Err()
	}
}
