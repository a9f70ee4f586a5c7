package download

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civit/civit/internal/civitaitest"
)

// The engine against the shared fake CivitAI storage host: signed URLs
// (which expire), R2-style XML errors, its own fault rules.
func TestAgainstFakeCivitAI(t *testing.T) {
	t.Parallel()
	big := civitaitest.FixtureBig*10000 + 101 // version 10901, file 1090101
	for _, tc := range []struct {
		name   string
		fileID int64
		faults []civitaitest.FaultRule
		expire bool // jump the server clock past the URL expiry after a third
		blake3 bool
		check  func(t *testing.T, res *Result, resolves int32)
	}{
		{name: "big file, 8 connections", fileID: big},
		{name: "drop, 503 and stall on storage", fileID: big, faults: []civitaitest.FaultRule{
			{Host: "storage", Skip: 2, Times: 1, DropAfterBytes: 100 << 10},
			{Host: "storage", Skip: 4, Times: 1, Status: 503, RetryAfter: "0"},
			{Host: "storage", Skip: 6, Times: 1, Stall: 5 * time.Second, StallAfterBytes: 10 << 10},
		}, check: func(t *testing.T, res *Result, _ int32) {
			// The 503 comes while other connections stream: the piece
			// goes to them (Refused) rather than being retried. A fault
			// may also hit a request whose answer is no longer wanted
			// (its piece was taken over meanwhile), so not every fault
			// shows as a retry.
			if res.Retries+res.Refused < 1 {
				t.Errorf("retries %d + refused %d, want >= 1", res.Retries, res.Refused)
			}
		}},
		{name: "storage ignoring Range", fileID: big, faults: []civitaitest.FaultRule{{Host: "storage", IgnoreRange: true}}},
		{name: "signed URL expires mid-way: Resolve", fileID: big, expire: true,
			check: func(t *testing.T, res *Result, resolves int32) {
				if resolves == 0 {
					t.Error("expired URL was not re-resolved")
				}
			}},
		{name: "BLAKE3-only file", fileID: civitaitest.FixtureMissingHash*10000 + 101, blake3: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var skew atomic.Int64
			srv := civitaitest.NewTestServer(t, civitaitest.Options{Models: -1, BigFileSize: 16 << 20,
				Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
			for _, f := range tc.faults {
				srv.AddFault(f)
			}
			ff, ok := srv.Catalog.File(tc.fileID)
			if !ok {
				t.Fatalf("no fixture file %d", tc.fileID)
			}
			u, err := srv.SignedURL(tc.fileID)
			if err != nil {
				t.Fatal(err)
			}
			var resolves atomic.Int32
			req := Request{
				Source: Source{URL: u, Resolve: func(ctx context.Context) (string, error) {
					resolves.Add(1)
					return srv.SignedURL(tc.fileID)
				}},
				Dest:     filepath.Join(t.TempDir(), ff.Name),
				Size:     ff.Size,
				SHA256:   ff.SHA256(),
				Identity: "f:" + itoa(tc.fileID),
			}
			if tc.blake3 {
				req.SHA256, req.BLAKE3 = "", ff.BLAKE3()
			}
			opts := testOptions()
			opts.StallTimeout = 300 * time.Millisecond
			if tc.expire {
				opts.Progress = func(ev Event) {
					if ev.Kind == EventProgress && ev.Done > ff.Size/3 {
						skew.Store(int64(48 * time.Hour))
					}
				}
			}
			res, err := New(opts).Download(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if res.SHA256 != ff.SHA256() || res.Size != ff.Size {
				t.Errorf("got %d bytes sha %s, want %d bytes sha %s", res.Size, res.SHA256, ff.Size, ff.SHA256())
			}
			if tc.blake3 && res.BLAKE3 != ff.BLAKE3() {
				t.Errorf("blake3 %s, want %s", res.BLAKE3, ff.BLAKE3())
			}
			for _, r := range srv.Requests() {
				if r.HasAuthorization {
					t.Errorf("Authorization sent to %s", r.Path)
				}
			}
			if tc.check != nil {
				tc.check(t, res, resolves.Load())
			}
		})
	}
}

func TestAgainstFakeCivitAIWrongHash(t *testing.T) {
	t.Parallel()
	srv := civitaitest.NewTestServer(t, civitaitest.Options{Models: -1})
	id := civitaitest.FixtureWrongHash*10000 + 101
	ff, _ := srv.Catalog.File(id)
	u, _ := srv.SignedURL(id)
	dest := filepath.Join(t.TempDir(), ff.Name)
	published := ff.PublishedHashes()["SHA256"]
	_, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: u}, Dest: dest, SHA256: published})
	var hm *HashMismatchError
	if !errors.As(err, &hm) || hm.Expected != published || hm.Got != ff.SHA256() {
		t.Fatalf("err = %v, want a mismatch: published %s, served %s", err, published, ff.SHA256())
	}
	checkAbsent(t, dest)
}
