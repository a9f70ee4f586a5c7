package cache

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRoundTrip checks the cache with arbitrary keys and bodies: what is
// stored comes back byte for byte, from memory and from disk (another
// process), never under another key, and a cache file damaged on disk is
// served as it is (the API client decodes and re-fetches), never a panic.
func FuzzRoundTrip(f *testing.F) {
	f.Add("GET https://civitai.com/api/v1/models?limit=1", "GET https://civitai.com/api/v1/models?limit=2", []byte(`{"items":[]}`), []byte("x"))
	f.Add("", "\x00", []byte{}, []byte{0xff})
	f.Fuzz(func(t *testing.T, key, other string, body, junk []byte) {
		dir := t.TempDir()
		c := New(dir, time.Minute)
		c.Set(key, body)
		if got, ok := c.Get(key); !ok || !bytes.Equal(got, body) {
			t.Fatalf("memory: Get(%q) = %q, %v; want %q", key, got, ok, body)
		}
		if key != other {
			if got, ok := c.Get(other); ok {
				t.Fatalf("Get(%q) = %q after Set(%q)", other, got, key)
			}
		}
		fresh := New(dir, time.Minute)
		if got, ok := fresh.Get(key); !ok || !bytes.Equal(got, body) {
			t.Fatalf("disk: Get(%q) = %q, %v; want %q", key, got, ok, body)
		}
		if err := os.WriteFile(c.file(key), junk, 0o600); err != nil {
			t.Fatal(err)
		}
		if got, ok := New(dir, time.Minute).Get(key); !ok || !bytes.Equal(got, junk) {
			t.Fatalf("damaged file: Get(%q) = %q, %v", key, got, ok)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != pruneStamp && filepath.Ext(e.Name()) != ".body" {
				t.Fatalf("left %s in the cache directory", e.Name())
			}
		}
	})
}
