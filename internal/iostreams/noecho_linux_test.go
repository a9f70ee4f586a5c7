package iostreams

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/civit/civit/internal/ptytest"
)

func TestReadLineNoEcho(t *testing.T) {
	for _, tc := range []struct {
		name, typed, want string
		wantErr           error
	}{
		{"a key and Enter", "secret-key\r", "secret-key", nil},
		{"Ctrl-D at the empty prompt ends the input", "\x04", "", io.EOF},
		{"a key and Ctrl-D", "secret-key\x04", "secret-key", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			master, tty := ptytest.Open(t)
			type res struct {
				b   []byte
				err error
			}
			ch := make(chan res, 1)
			go func() {
				b, err := readLineNoEcho(int(tty.Fd()))
				ch <- res{b, err}
			}()
			time.Sleep(50 * time.Millisecond) // echo off before typing
			if _, err := master.WriteString(tc.typed); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-ch:
				if string(r.b) != tc.want || !errors.Is(r.err, tc.wantErr) || (tc.wantErr == nil) != (r.err == nil) {
					t.Errorf("read %q, %v; want %q, %v", r.b, r.err, tc.want, tc.wantErr)
				}
			case <-time.After(3 * time.Second):
				t.Fatalf("still reading after %q was typed", tc.typed)
			}
			// Nothing typed was echoed (read with a timeout: a
			// pseudo-terminal's master takes no read deadline).
			echoed := make(chan string, 1)
			go func() {
				b := make([]byte, 256)
				n, _ := master.Read(b)
				echoed <- string(b[:n])
			}()
			select {
			case e := <-echoed:
				if strings.Contains(e, "secret") {
					t.Errorf("the terminal echoed %q", e)
				}
			case <-time.After(100 * time.Millisecond):
			}
		})
	}
}
