package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTest(t *testing.T, dir string) (*Cache, *clock) {
	t.Helper()
	c := New(dir, time.Minute)
	clk := &clock{t: time.Now()}
	c.now = clk.now
	return c, clk
}

func TestGetSetExpire(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, clk := newTest(t, dir)
	if _, ok := c.Get("k"); ok {
		t.Fatal("empty cache returned a hit")
	}
	c.Set("k", []byte("v1"))
	if b, ok := c.Get("k"); !ok || string(b) != "v1" {
		t.Fatalf("Get = %q, %v", b, ok)
	}
	// A second cache on the same dir (another process) sees the entry.
	c2, clk2 := newTest(t, dir)
	clk2.t = clk.t
	if b, ok := c2.Get("k"); !ok || string(b) != "v1" {
		t.Fatalf("disk Get = %q, %v", b, ok)
	}
	clk.t = clk.t.Add(2 * time.Minute)
	clk2.t = clk.t
	if _, ok := c.Get("k"); ok {
		t.Fatal("expired entry served from memory")
	}
	if _, ok := c2.Get("k"); ok {
		t.Fatal("expired entry served from disk")
	}
}

func TestFileNamesHideKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, _ := newTest(t, dir)
	c.Set("GET https://civitai.com/api/v1/models?query=secretword", []byte("x"))
	entries, err := bodies(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("want 1 file, got %d", len(entries))
	}
	if strings.Contains(entries[0].Name(), "secretword") {
		t.Fatalf("file name leaks the key: %s", entries[0].Name())
	}
}

func TestMemoryLRUBounded(t *testing.T) {
	t.Parallel()
	c, _ := newTest(t, "")
	for i := range 250 {
		c.Set(fmt.Sprint(i), []byte{byte(i)})
	}
	if n := c.order.Len(); n != memEntries {
		t.Fatalf("memory entries = %d, want %d", n, memEntries)
	}
	if _, ok := c.Get("0"); ok {
		t.Fatal("oldest entry should have been evicted")
	}
	if b, ok := c.Get("249"); !ok || b[0] != 249 {
		t.Fatal("newest entry missing")
	}
}

func TestNilAndDisabled(t *testing.T) {
	t.Parallel()
	var c *Cache
	c.Set("a", []byte("b"))
	if _, ok := c.Get("a"); ok {
		t.Fatal("nil cache hit")
	}
	if New(t.TempDir(), 0) != nil {
		t.Fatal("ttl 0 should disable the cache")
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, clk := newTest(t, dir)
	c.Set("old", []byte("x"))
	clk.t = clk.t.Add(time.Hour)
	c.Set("new", []byte("y"))
	if err := c.Prune(); err != nil {
		t.Fatal(err)
	}
	entries, _ := bodies(dir)
	if len(entries) != 1 {
		t.Fatalf("after prune %d files, want 1", len(entries))
	}
}

// bodies lists the cached answers in dir.
func bodies(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	return slices.DeleteFunc(entries, func(e os.DirEntry) bool { return !strings.HasSuffix(e.Name(), ".body") }), err
}

// The first write of a process sweeps expired answers (and temporary files
// of writes cut short) off the disk, at most once a day: the directory
// does not keep every answer ever cached.
func TestSetPrunesExpiredOncePerDay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old, clk := newTest(t, dir)
	old.Set("old", []byte("x"))
	// An interrupted write: a temporary file left behind.
	tmp := filepath.Join(dir, ".tmp-123")
	if err := os.WriteFile(tmp, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(tmp, clk.t, clk.t)

	// The next day, another process writes: both are gone.
	c, clk2 := newTest(t, dir)
	clk2.t = clk.t.Add(25 * time.Hour)
	c.Set("new", []byte("y"))
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got, _ := bodies(dir); len(got) != 1 || slices.Contains(names, ".tmp-123") {
		t.Fatalf("after a day: %v, want the new answer only", names)
	}

	// An hour later, a third process finds the sweep recent: no sweep.
	stale := filepath.Join(dir, "stale.body")
	if err := os.WriteFile(stale, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(stale, clk.t, clk.t)
	c3, clk3 := newTest(t, dir)
	clk3.t = clk2.t.Add(time.Hour)
	c3.Set("newer", []byte("z"))
	if _, err := os.Stat(stale); err != nil {
		t.Errorf("swept again within a day: %v", err)
	}
}

// The memory layer holds at most memBytes of bodies: big pages fall back to
// the disk instead of piling up in memory.
func TestMemoryLayerBoundedByBytes(t *testing.T) {
	t.Parallel()
	c := New(t.TempDir(), time.Hour)
	page := make([]byte, 1<<20)
	for i := range 40 {
		c.Set(fmt.Sprintf("page-%d", i), page)
	}
	c.mu.Lock()
	n, b := c.order.Len(), c.memBytes
	c.mu.Unlock()
	if b > memBytes || n != memBytes/len(page) {
		t.Errorf("%d entries, %d bytes in memory; want %d entries, at most %d bytes", n, b, memBytes/len(page), memBytes)
	}
	if got, ok := c.Get("page-0"); !ok || len(got) != len(page) {
		t.Errorf("page-0 not served from the disk")
	}
}
