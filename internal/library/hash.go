package library

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/civit/civit/internal/store"
)

// hashBufSize is the read size of each hashing goroutine: large reads keep
// the disk streaming and the per-call overhead negligible.
const hashBufSize = 1 << 20

// Store writes are batched: at most writeBatch rows or writeEvery apart,
// so a transaction stays short and a crash loses at most one batch of
// work (never a half row).
const (
	writeBatch = 64
	writeEvery = 250 * time.Millisecond
)

// interruptWrite bounds the last write of an interrupted scan: the rows
// hashed so far are kept unless the store is stuck (locked by another
// writer) for longer.
const interruptWrite = 5 * time.Second

// HashFile returns the upper-case hex SHA-256 of the file at path and its
// length, reading it with buf (allocated when nil). onRead, when set, is
// called with the size of each chunk read.
func HashFile(ctx context.Context, path string, buf []byte, onRead func(n int64)) (string, int64, error) {
	if len(buf) == 0 {
		buf = make([]byte, hashBufSize)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return "", total, err
		}
		n, err := f.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			total += int64(n)
			if onRead != nil {
				onRead(int64(n))
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", total, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), total, nil
}

// hashAll hashes todo with Jobs goroutines and writes each finished row to
// the store in short batches.
func (s *scanner) hashAll(parent context.Context, todo []*entry) error {
	if len(todo) == 0 {
		return nil
	}
	for _, e := range todo {
		s.prg.ToHash.Add(1)
		s.prg.ToHashBytes.Add(e.size)
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	type result struct {
		e   *entry
		sum string
		n   int64
		err error
	}
	jobs := make(chan *entry)
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(s.o.Jobs, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, hashBufSize)
			for e := range jobs {
				sum, n, err := HashFile(ctx, e.path, buf, func(n int64) { s.prg.HashedBytes.Add(n) })
				if err == nil && s.o.OnHashed != nil {
					s.o.OnHashed(e.path)
				}
				select {
				case results <- result{e: e, sum: sum, n: n, err: err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, e := range todo {
			select {
			case jobs <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	var (
		batch   []*entry
		failure error
	)
	flush := func(ctx context.Context) error {
		if len(batch) == 0 {
			return nil
		}
		rows := make([]*store.File, len(batch))
		for i, e := range batch {
			rows[i] = e.row
		}
		if err := s.o.Store.Upsert(ctx, rows...); err != nil {
			return err
		}
		for _, e := range batch {
			e.written = true
		}
		batch = batch[:0]
		return nil
	}
	// A batch waits at most writeEvery after its first file, also when no
	// other file finishes meanwhile (the rest are big ones still hashing).
	tick := time.NewTimer(writeEvery)
	tick.Stop()
	defer tick.Stop()
	write := func() {
		if failure != nil {
			return
		}
		if err := flush(ctx); err != nil {
			failure = err
			cancel()
		}
	}
	for open := true; open; {
		select {
		case <-tick.C:
			write()
			continue
		case r, ok := <-results:
			if !ok {
				open = false
				continue
			}
			if failure != nil {
				continue // drain
			}
			switch {
			case r.err == nil:
				s.prg.Hashed.Add(1)
				s.sum.Hashed++
				s.sum.HashedBytes += r.n
				r.e.row.SHA256 = r.sum
				s.applySidecar(r.e)
				keepKnown(r.e)
				batch = append(batch, r.e)
				if len(batch) == 1 {
					tick.Reset(writeEvery)
				}
				if len(batch) >= writeBatch {
					tick.Stop()
					write()
				}
			case errors.Is(r.err, fs.ErrNotExist):
				r.e.gone, r.e.row = true, nil
			case ctx.Err() != nil:
			default:
				s.fail(r.e.path, r.err)
				r.e.row = nil // keep what the library knew
			}
		}
	}
	if failure != nil {
		return failure
	}
	if err := parent.Err(); err != nil {
		// Interrupted: the files hashed so far are kept ("run it again:
		// finished files are kept"), written under a context of their own
		// since ctx is over, for a short while at most. The interrupt is
		// the error either way.
		wctx, wcancel := context.WithTimeout(context.WithoutCancel(parent), interruptWrite)
		defer wcancel()
		_ = flush(wctx)
		return err
	}
	return flush(ctx)
}

// upsert writes rows in transactions of a few hundred.
func (s *scanner) upsert(ctx context.Context, rows []*store.File) error {
	for start := 0; start < len(rows); start += 256 {
		if err := s.o.Store.Upsert(ctx, rows[start:min(start+256, len(rows))]...); err != nil {
			return err
		}
	}
	return nil
}

// keepKnown keeps what the library knew about a file whose content did not
// change (touched, or rehashed on request), as Store.Upsert does.
func keepKnown(e *entry) {
	r, old := e.row, e.old
	if old == nil || r.State != store.StateUnknown || old.SHA256 != r.SHA256 || old.State == store.StateUnknown {
		return
	}
	r.ModelID, r.VersionID, r.FileID, r.FileName = old.ModelID, old.VersionID, old.FileID, old.FileName
	r.ModelName, r.VersionName, r.ModelType, r.BaseModel = old.ModelName, old.VersionName, old.ModelType, old.BaseModel
	r.TrainedWords, r.BLAKE3 = old.TrainedWords, firstNonEmpty(r.BLAKE3, old.BLAKE3)
	r.State, r.Source, r.CheckedAt = old.State, old.Source, old.CheckedAt
}
