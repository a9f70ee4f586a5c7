package library

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestHashAllKeepsFinishedFiles: the small files hashed while a big one is
// still hashing reach the library, both when the scan is interrupted then
// (the last batch is written on the way out) and when it goes on (the
// batch is written on a timer, not held back until the big one is done).
func TestHashAllKeepsFinishedFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		interrupt bool
	}{
		{name: "interrupted", interrupt: true},
		{name: "still hashing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.randomFile("big.safetensors", 4<<10)
			var small []string
			for i := range 5 {
				small = append(small, e.randomFile(fmt.Sprintf("small%d.safetensors", i), 4<<10))
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			release := make(chan struct{})
			prg := &Progress{}
			done := make(chan error, 1)
			var sum *Summary
			go func() {
				var err error
				sum, err = Scan(ctx, ScanOptions{Roots: []string{e.dir}, Store: e.st, Jobs: 2, Progress: prg,
					// The big file is still being hashed until released
					// or interrupted.
					OnHashed: func(p string) {
						if filepath.Base(p) == "big.safetensors" {
							select {
							case <-release:
							case <-ctx.Done():
							}
						}
					}})
				done <- err
			}()
			deadline := time.Now().Add(10 * time.Second)
			if tt.interrupt {
				for prg.Hashed.Load() < int64(len(small)) {
					if time.Now().After(deadline) {
						t.Fatalf("%d of %d small files hashed", prg.Hashed.Load(), len(small))
					}
					time.Sleep(time.Millisecond)
				}
				cancel()
				if err := <-done; !errors.Is(err, context.Canceled) {
					t.Fatalf("scan: %v, want it interrupted", err)
				}
				// What it did until then, for scan --json.
				if sum == nil || !sum.Interrupted || sum.Scanned != len(small)+1 || sum.Hashed < len(small) || sum.Unknown < len(small) {
					t.Errorf("summary %+v, want interrupted, %d scanned, at least %d hashed and unknown", sum, len(small)+1, len(small))
				}
			} else {
				for {
					n, err := e.st.Count(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					if n == len(small) {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%d rows while the big file is hashing, want the %d finished files", n, len(small))
					}
					time.Sleep(10 * time.Millisecond)
				}
				close(release)
				if err := <-done; err != nil {
					t.Fatalf("scan: %v", err)
				}
			}
			for _, p := range small {
				if f := e.row(p); f == nil || f.SHA256 == "" {
					t.Errorf("%s: row %+v, want it hashed", p, f)
				}
			}
		})
	}
}
