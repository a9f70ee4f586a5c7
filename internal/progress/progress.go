// Package progress shows how downloads advance: on a terminal, one mpb bar
// per active file plus a total bar; elsewhere, one line per file started
// and finished and a status line at most every 10 seconds. Everything goes
// to stderr. The engine only calls cheap methods that update atomic
// counters; rendering samples them (restic's Counter/Updater split).
package progress

import (
	"cmp"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/civit/civit/internal/tableprinter"
)

// Tracker follows a set of downloads.
type Tracker struct {
	w        io.Writer
	tty      bool
	quiet    bool
	interval time.Duration
	now      func() time.Time

	totalBytes atomic.Int64 // known total size
	doneBytes  atomic.Int64 // bytes on disk (incl. resumed)
	fetched    atomic.Int64 // bytes received in this run
	files      atomic.Int64
	finished   atomic.Int64
	failed     atomic.Int64

	busy    sync.Once   // Busy prints once
	aborted atomic.Bool // a file was aborted (Ctrl-C): the total is not complete

	start time.Time
	mu    sync.Mutex // guards output in plain mode and bar creation
	p     *mpb.Progress
	total *mpb.Bar
	stop  chan struct{}
	wg    sync.WaitGroup
}

// Options configure a Tracker.
type Options struct {
	TTY      bool          // stderr is a terminal: draw bars
	Quiet    bool          // print nothing but errors
	Interval time.Duration // plain mode status line period (default 10s)
	// Width is the line's width where the output is not a real terminal
	// (CIVIT_FORCE_TTY=WIDTH); a terminal's own width wins. 0: 80.
	Width int
}

// barWidth is the width of the bars themselves; names and counters take
// the rest of the line.
const barWidth = 40

// New starts a tracker writing to w.
func New(w io.Writer, opts Options) *Tracker {
	t := &Tracker{w: w, tty: opts.TTY && !opts.Quiet, quiet: opts.Quiet, interval: opts.Interval, now: time.Now, stop: make(chan struct{})}
	if t.interval <= 0 {
		t.interval = 10 * time.Second
	}
	t.start = t.now()
	if t.tty {
		t.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(cmp.Or(opts.Width, 80)), mpb.WithRefreshRate(150*time.Millisecond), mpb.WithAutoRefresh())
		t.total = t.p.AddBar(0, mpb.BarPriority(1<<30), mpb.BarWidth(barWidth),
			mpb.PrependDecorators(decor.Name("total ", decor.WCSyncSpaceR), decor.Any(func(decor.Statistics) string {
				return fmt.Sprintf("%d/%d files", t.finished.Load(), t.files.Load())
			}, decor.WCSyncSpace)),
			mpb.AppendDecorators(decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncSpace), speedETA(t.now)),
		)
	} else if !t.quiet {
		recent := &rate{now: t.now}
		recent.sample(0)
		t.wg.Add(1)
		go t.ticker(recent)
	}
	return t
}

// ticker prints the status line every interval; recent holds the bytes
// fetched when it started.
func (t *Tracker) ticker(recent *rate) {
	defer t.wg.Done()
	tk := time.NewTicker(t.interval)
	defer tk.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tk.C:
			// The speed since the previous line, and the time left at it.
			v, _ := recent.sample(t.fetched.Load())
			done, total := t.doneBytes.Load(), t.totalBytes.Load()
			left := ""
			if total > done && v > 0 {
				left = fmt.Sprintf(", %v left", time.Duration(float64(total-done)/v*float64(time.Second)).Round(time.Second))
			}
			if total == 0 && done == 0 {
				t.printf("progress: %d/%d files, waiting for the server\n", t.finished.Load(), t.files.Load())
				continue
			}
			t.printf("progress: %d/%d files, %s of %s, %s/s%s\n", t.finished.Load(), t.files.Load(),
				tableprinter.Bytes(done), tableprinter.Bytes(total), tableprinter.Bytes(int64(v)), left)
		}
	}
}

func (t *Tracker) printf(format string, args ...any) {
	if t.quiet {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format, args...)
}

// Warn prints a warning line above the bars (or as a plain line).
func (t *Tracker) Warn(format string, args ...any) {
	t.print(fmt.Sprintf("civit: warning: "+format+"\n", args...))
}

// Warnf prints "civit: warning: " and the formatted message (not with
// Quiet, unlike Warn), above the bars on a terminal.
func (t *Tracker) Warnf(format string, args ...any) {
	if t.quiet {
		return
	}
	t.print(fmt.Sprintf("civit: warning: "+format+"\n", args...))
}

// Note prints "civit: note: " and the formatted message (not with
// Quiet), above the bars on a terminal.
func (t *Tracker) Note(format string, args ...any) {
	if t.quiet {
		return
	}
	t.print(fmt.Sprintf("civit: note: "+format+"\n", args...))
}

// print writes msg above the bars on a terminal, else as a line.
func (t *Tracker) print(msg string) {
	if t.tty && t.p != nil {
		t.p.Write([]byte(msg))
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprint(t.w, msg)
}

// Busy reports, once per run, that the download host refused more
// connections (err) and the downloads go on with those it takes.
func (t *Tracker) Busy(err error) {
	if t.quiet {
		return
	}
	t.busy.Do(func() {
		t.print(fmt.Sprintf("civit: note: the download host refused more connections (%v); going on with those it takes\n", err))
	})
}

// File is one download's progress.
type File struct {
	t       *Tracker
	name    string
	bar     *mpb.Bar
	size    int64
	done    atomic.Int64
	fetched atomic.Int64
	started time.Time
	once    sync.Once
	local   bool // the bytes come from a local copy, not the network
	// lastRetry is when Retry last printed (unix nanoseconds).
	lastRetry atomic.Int64
}

// File registers a download named name (shown to the user).
func (t *Tracker) File(name string) *File {
	t.files.Add(1)
	return &File{t: t, name: name}
}

// Rename changes the name shown, before Start (the storage may name the
// file differently from the API).
func (f *File) Rename(name string) { f.name = name }

// Start reports the size (-1 if unknown) and the bytes already on disk.
func (f *File) Start(size, done int64) { f.start(size, done, "") }

// StartLocal is Start for a file placed from a local copy (the library's,
// at from): the bar moves as it is checked, but its bytes are not counted
// as fetched.
func (f *File) StartLocal(size int64, from string) { f.start(size, 0, from) }

func (f *File) start(size, done int64, from string) {
	f.once.Do(func() {
		f.local = from != ""
		f.started = f.t.now()
		f.size = size
		f.done.Store(done)
		if size > 0 {
			f.t.totalBytes.Add(size)
		}
		f.t.doneBytes.Add(done)
		if f.t.tty {
			f.t.mu.Lock()
			f.bar = f.t.p.AddBar(max(size, 0), mpb.BarRemoveOnComplete(), mpb.BarWidth(barWidth),
				mpb.PrependDecorators(decor.Name(shorten(f.name, 36), decor.WCSyncSpaceR)),
				mpb.AppendDecorators(
					decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncSpace),
					speedETA(f.t.now),
				))
			f.bar.SetCurrent(done)
			f.t.total.SetTotal(f.t.totalBytes.Load(), false)
			// Deltas only: setting the total bar to doneBytes here could
			// count twice the bytes another file has added to doneBytes
			// but not yet to the bar.
			f.t.total.IncrInt64(done)
			f.t.mu.Unlock()
			return
		}
		what := tableprinter.Bytes(size)
		if size < 0 {
			what = "size unknown"
		}
		switch {
		case f.local:
			f.t.printf("checking %s from the library (%s, %s)\n", f.name, from, what)
		case done > 0:
			f.t.printf("resuming %s (%s of %s already here)\n", f.name, tableprinter.Bytes(done), what)
		default:
			f.t.printf("downloading %s (%s)\n", f.name, what)
		}
	})
}

// speedETA is the speed over the last few seconds and the time left at
// that speed (see rate).
func speedETA(now func() time.Time) decor.Decorator {
	r := &rate{now: now}
	return decor.Any(func(st decor.Statistics) string { return r.show(st.Current, st.Total) }, decor.WCSyncSpace)
}

// retryEvery is how often Retry prints for one file: with 16 connections
// a failing server fails them all at once.
const retryEvery = 10 * time.Second

// Retry reports a failed request that is tried again after wait, as a
// warning at most every retryEvery per file, so that a server answering
// errors is not silent while civit waits on it.
func (f *File) Retry(err error, attempt int, wait time.Duration) {
	now := f.t.now().UnixNano()
	last := f.lastRetry.Load()
	if last != 0 && time.Duration(now-last) < retryEvery || !f.lastRetry.CompareAndSwap(last, now) {
		return
	}
	f.t.Warn("%s: %v; retrying in %s (attempt %d)", f.name, err, wait.Round(100*time.Millisecond), attempt+1)
}

// Fetched is how many bytes this file received in this run.
func (f *File) Fetched() int64 { return f.fetched.Load() }

// Add reports n more bytes written (or checked, after StartLocal).
func (f *File) Add(n int64) {
	f.done.Add(n)
	f.t.doneBytes.Add(n)
	if !f.local {
		f.fetched.Add(n)
		f.t.fetched.Add(n)
	}
	if f.bar != nil {
		f.bar.IncrInt64(n)
		f.t.total.IncrInt64(n)
	}
}

// Restart reports that the partial data was discarded.
func (f *File) Restart(reason error) {
	d := f.done.Swap(0)
	f.t.doneBytes.Add(-d)
	if f.bar != nil {
		f.bar.SetCurrent(0)
		f.t.total.IncrInt64(-d)
	}
	f.t.Warn("%s: starting over: %v", f.name, reason)
}

// Unstart undoes StartLocal when the local copy was refused, so that Start
// can follow for the download; reason is printed as a warning.
func (f *File) Unstart(reason error) {
	d := f.done.Swap(0)
	f.t.doneBytes.Add(-d)
	if f.size > 0 {
		f.t.totalBytes.Add(-f.size)
	}
	if f.bar != nil {
		f.t.mu.Lock()
		f.bar.Abort(true)
		f.bar = nil
		f.t.total.IncrInt64(-d)
		f.t.total.SetTotal(f.t.totalBytes.Load(), false)
		f.t.mu.Unlock()
	}
	f.size, f.local, f.started = 0, false, time.Time{}
	f.once = sync.Once{}
	f.t.Warn("%s: %v", f.name, reason)
}

// Abort removes the file's bar without counting it (interrupted).
func (f *File) Abort() {
	f.t.aborted.Store(true)
	if f.bar != nil {
		f.bar.Abort(true)
	}
}

// Finish reports the end of the download: err == nil means complete.
func (f *File) Finish(err error, note string) {
	if err != nil {
		f.t.failed.Add(1)
		// Take back the bytes this file will not deliver.
		if f.size > 0 {
			f.t.totalBytes.Add(-(f.size - f.done.Load()))
		}
	}
	f.t.finished.Add(1)
	if f.bar != nil {
		if err != nil {
			f.bar.Abort(true)
		} else {
			f.bar.SetTotal(-1, true)
		}
		f.t.total.SetTotal(f.t.totalBytes.Load(), false)
		if err == nil && !f.t.quiet {
			f.t.p.Write([]byte(f.doneLine(note)))
		}
		return
	}
	if err != nil {
		return // the caller reports errors
	}
	f.t.printf("%s", f.doneLine(note))
}

func (f *File) doneLine(note string) string {
	el := f.t.now().Sub(f.started)
	speed := ""
	if s := el.Seconds(); s > 0 && f.fetched.Load() > 0 {
		speed = fmt.Sprintf(", %s/s", tableprinter.Bytes(int64(float64(f.fetched.Load())/s)))
	}
	if note != "" {
		note = " (" + note + ")"
	}
	if f.started.IsZero() {
		return fmt.Sprintf("done %s%s\n", f.name, note)
	}
	return fmt.Sprintf("done %s%s in %s%s\n", f.name, note, el.Round(100*time.Millisecond), speed)
}

// Totals are what the tracker counted.
type Totals struct {
	Files, Failed int64
	Bytes         int64 // received in this run
	Elapsed       time.Duration
}

// Wait stops rendering and returns the totals.
func (t *Tracker) Wait() Totals {
	if t.p != nil {
		if t.aborted.Load() {
			t.total.Abort(false) // stays as it was: "40.0 MiB / 63.7 MiB", not full
		} else {
			t.total.SetTotal(-1, true)
		}
		t.p.Wait()
	}
	close(t.stop)
	t.wg.Wait()
	return Totals{Files: t.files.Load(), Failed: t.failed.Load(), Bytes: t.fetched.Load(), Elapsed: t.now().Sub(t.start)}
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
