// Package cache is civit's persistent response cache: API answers (search
// pages, model and version lookups) are kept on disk under the XDG cache
// directory for a short time, so that repeating a search or a show is
// instant and polite to CivitAI.
//
// A small in-memory LRU (100 entries) sits in front of the disk so a batch
// of searches in one process does not re-read files. Entries are written
// atomically (temp file + rename), so several civit processes can share
// the directory. Keys are hashed: file names never reveal what was asked,
// and callers must not put secrets in keys anyway.
package cache

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultTTL is how long an answer is served from the cache.
const DefaultTTL = 5 * time.Minute

// pruneEvery is how often a process that writes to the cache first sweeps
// the expired entries off the disk (Prune): without it the directory keeps
// every answer ever cached. pruneStamp, in the directory, records when.
const (
	pruneEvery = 24 * time.Hour
	pruneStamp = ".pruned"
)

// memEntries and memBytes bound the in-memory layer: 100 entries (the
// original design's TTL cache), and 16 MiB in all, so that a batch of big
// searches (a page of 100 models with their images is about 1 MB) does not
// hold every page it fetched. The disk keeps them all.
const (
	memEntries = 100
	memBytes   = 16 << 20
)

// Cache is a TTL cache of byte slices backed by a directory.
// A nil *Cache is valid and caches nothing.
type Cache struct {
	dir string
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	order    *list.List // front = most recent; values are *memEntry
	items    map[string]*list.Element
	memBytes int // the bodies in order

	pruneOnce sync.Once
}

type memEntry struct {
	key     string
	body    []byte
	expires time.Time
}

// Dir returns the default cache directory ($XDG_CACHE_HOME/civit/http).
func Dir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "civit", "http"), nil
}

// New returns a cache in dir with the given TTL. dir == "" keeps entries in
// memory only. ttl <= 0 disables caching (New returns nil).
func New(dir string, ttl time.Duration) *Cache {
	if ttl <= 0 {
		return nil
	}
	return &Cache{dir: dir, ttl: ttl, now: time.Now, order: list.New(), items: map[string]*list.Element{}}
}

func (c *Cache) file(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:])+".body")
}

// Get returns the body stored under key if it has not expired.
func (c *Cache) Get(key string) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	now := c.now()
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*memEntry)
		if now.Before(e.expires) {
			c.order.MoveToFront(el)
			c.mu.Unlock()
			return e.body, true
		}
		c.order.Remove(el)
		delete(c.items, key)
		c.memBytes -= len(e.body)
	}
	c.mu.Unlock()
	if c.dir == "" {
		return nil, false
	}
	p := c.file(key)
	st, err := os.Stat(p)
	if err != nil {
		return nil, false
	}
	expires := st.ModTime().Add(c.ttl)
	if !now.Before(expires) {
		os.Remove(p)
		return nil, false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	c.remember(key, b, expires)
	return b, true
}

// Set stores body under key. Failures to write are ignored: a cache that
// cannot write is merely a slower cache.
func (c *Cache) Set(key string, body []byte) {
	if c == nil {
		return
	}
	now := c.now()
	c.remember(key, body, now.Add(c.ttl))
	if c.dir == "" {
		return
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return
	}
	c.pruneOnce.Do(c.maybePrune)
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(body)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return
	}
	os.Chtimes(tmp.Name(), now, now)
	if err := os.Rename(tmp.Name(), c.file(key)); err != nil {
		os.Remove(tmp.Name())
	}
}

func (c *Cache) remember(key string, body []byte, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.memBytes += len(body) - len(el.Value.(*memEntry).body)
		el.Value = &memEntry{key: key, body: body, expires: expires}
		c.order.MoveToFront(el)
	} else {
		c.items[key] = c.order.PushFront(&memEntry{key: key, body: body, expires: expires})
		c.memBytes += len(body)
	}
	for c.order.Len() > memEntries || (c.memBytes > memBytes && c.order.Len() > 1) {
		last := c.order.Back()
		c.order.Remove(last)
		e := last.Value.(*memEntry)
		delete(c.items, e.key)
		c.memBytes -= len(e.body)
	}
}

// maybePrune runs Prune when the last sweep (by any process) is more than
// pruneEvery ago. The stamp is renewed first, so that processes starting
// together do not all sweep.
func (c *Cache) maybePrune() {
	stamp := filepath.Join(c.dir, pruneStamp)
	now := c.now()
	if fi, err := os.Stat(stamp); err == nil && now.Sub(fi.ModTime()) < pruneEvery {
		return
	}
	if err := os.WriteFile(stamp, nil, 0o600); err != nil {
		return
	}
	os.Chtimes(stamp, now, now)
	c.Prune()
}

// Prune deletes expired files from the directory (also the temporary
// files of writes cut short).
func (c *Cache) Prune() error {
	if c == nil || c.dir == "" {
		return nil
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	cutoff := c.now().Add(-c.ttl)
	for _, e := range entries {
		if e.Name() == pruneStamp {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if info.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(c.dir, e.Name()))
		}
	}
	return nil
}
