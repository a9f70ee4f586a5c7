// Package progress shows how downloads advance: on a terminal, one mpb bar
// per active file plus a total bar; elsewhere, one line per file started
// and finished and a status line at most every 10 seconds. Everything goes
// to stderr. The engine only calls cheap methods that update atomic
// counters; rendering samples them (restic's Counter/Updater split).
//
// Every file is counted from the moment it is planned (Tracker.File with
// the size the API gives), not when its download starts, so that the total
// and the time left cover the whole run.
package progress

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/cupwriter"
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
	reason   func(error) string

	totalBytes atomic.Int64 // the planned files' sizes, as known so far
	doneBytes  atomic.Int64 // bytes in place: on disk (incl. resumed), present, checked
	fetched    atomic.Int64 // bytes received in this run (incl. discarded ones)
	files      atomic.Int64 // files planned (and targets that failed before any)
	finished   atomic.Int64 // of files: done or failed
	failed     atomic.Int64
	missing    atomic.Int64 // planned bytes that failed files did not bring
	lookingUp  atomic.Int64 // targets being looked up before any file is known
	final      atomic.Bool  // Wait has begun: the total shows the average speed

	busy    sync.Once   // Busy prints once
	hints   sync.Map    // the hints printed (Hint)
	aborted atomic.Bool // a file was aborted (Ctrl-C): the total is not complete

	start   time.Time
	mu      sync.Mutex // guards output in plain mode, bar creation and all
	all     []*File
	p       *mpb.Progress
	total   *mpb.Bar
	recent  *rate // the total's speed: bytes fetched over the last seconds
	line    line  // the total's layout
	stop    chan struct{}
	wg      sync.WaitGroup
	stopped sync.Once
}

// Options configure a Tracker.
type Options struct {
	TTY      bool          // stderr is a terminal: draw bars
	Quiet    bool          // print nothing but errors
	Interval time.Duration // plain mode status line period (default 10s)
	// Width is the line's width where the output is not a real terminal
	// (CIVIT_FORCE_TTY=WIDTH); a terminal's own width wins. 0: 80.
	Width int
	// Reason turns the error of a failed file into the reason printed on
	// its "failed NAME: reason" line (secrets redacted); only its first
	// line is printed. nil: err.Error().
	Reason func(error) string

	now func() time.Time // tests: the clock (default time.Now)
}

// New starts a tracker writing to w.
func New(w io.Writer, opts Options) *Tracker {
	t := &Tracker{w: w, tty: opts.TTY && !opts.Quiet, quiet: opts.Quiet, interval: opts.Interval, now: opts.now, reason: opts.Reason, stop: make(chan struct{})}
	if t.interval <= 0 {
		t.interval = 10 * time.Second
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.reason == nil {
		t.reason = func(err error) string { return err.Error() }
	}
	t.start = t.now()
	t.recent = &rate{now: t.now}
	if t.tty {
		// mpb stops drawing at the first write that fails, and panics on
		// the next file's bar: a terminal that went away (closed, hung
		// up) must cost the frames, not the run.
		out := dropErrors{w}
		popts := []mpb.ContainerOption{mpb.WithOutput(out), mpb.WithWidth(cmp.Or(opts.Width, 80)), mpb.WithRefreshRate(150 * time.Millisecond), mpb.WithAutoRefresh()}
		if f := terminalFile(w); f != nil {
			// Written through out; f only tells the terminal's size.
			cw := cupwriter.New(out, false)
			cw.SetTermFd(int(f.Fd()))
			if cw.IsTerminal() {
				popts = append(popts, mpb.WithConsoleWriter(&freshLineWriter{Writer: cw, fallback: cmp.Or(opts.Width, 80)}))
			}
		}
		t.p = mpb.New(popts...)
		t.total = t.p.AddBar(0, mpb.BarPriority(1<<30), mpb.BarWidth(barWidth),
			mpb.BarFillerMiddleware(func(base mpb.BarFiller) mpb.BarFiller {
				base = t.line.filler(base)
				return mpb.BarFillerFunc(func(w io.Writer, st decor.Statistics) error {
					st.Total, st.Current = t.totalBytes.Load()+t.missing.Load(), t.doneBytes.Load()
					if st.Total <= 0 || t.files.Load() == 0 {
						return nil
					}
					st.Current = min(st.Current, st.Total)
					if t.failed.Load() > 0 {
						// A full bar reads as success: keep it a cell short.
						st.Current = min(st.Current, notFull(st))
						st.Completed = false
					}
					return base.Fill(w, st)
				})
			}),
			mpb.PrependDecorators(decor.Any(t.totalLeft, decor.WCSyncSpaceR)),
			mpb.AppendDecorators(decor.Any(t.totalRight, decor.WCSyncSpace)),
		)
	} else if !t.quiet {
		recent := &rate{now: t.now}
		recent.sample(0)
		t.wg.Add(1)
		go t.ticker(recent)
	}
	return t
}

// freshLineWriter starts every frame at the start of a line: a Ctrl-C
// echoed by the terminal ("^C") leaves the cursor two columns in, and mpb
// moves it up, not back, so the next frame was drawn shifted.
//
// It also stands in for a terminal that reports no size (0 columns: a
// serial console, `script`, some `docker -t` sessions), where mpb drew
// bars 0 columns wide, that is nothing: fallback is the width then.
//
// And it keeps a frame within the terminal's height: more files at once
// than the terminal has rows (-j 10 in a small pane) made mpb draw the
// bars that fit but move the cursor up by fewer lines (it subtracts the
// rows it left out from the count of those it drew), and a frame as tall
// as the terminal scrolls it by a line the cursor cannot climb back over:
// each redraw left stale bars in the scrollback.
type freshLineWriter struct {
	*cupwriter.Writer
	fallback int
	rows     int // the frame's lines written since the last Flush
}

// GetTermSize is the terminal's size, or fallback columns (and rows for
// as many bars) where the terminal reports none. The height is one row
// short: the line the cursor rests on below the frame.
func (w *freshLineWriter) GetTermSize() (width, height int, err error) {
	width, height, err = w.Writer.GetTermSize()
	if err != nil || width <= 0 {
		width, err = w.fallback, nil
	}
	if height <= 0 {
		height = width*3/2 + 1 // as mpb does where the output is no terminal
	}
	return width, max(1, height-1), nil
}

// ReadFrom takes one line of the frame (mpb writes bars this way, and the
// lines printed above them with Write).
func (w *freshLineWriter) ReadFrom(r io.Reader) (int64, error) {
	n, err := w.Writer.ReadFrom(r)
	if n > 0 {
		w.rows++
	}
	return n, err
}

// Flush writes the frame and moves the cursor back up over the lines it
// really has, not mpb's count.
func (w *freshLineWriter) Flush(int) error {
	lines := w.rows
	w.rows = 0
	if err := w.Writer.Flush(lines); err != nil {
		// The terminal is gone (closed, hung up) or refused a console
		// call: the frame is dropped, not the bars (mpb would stop
		// drawing, and panic on the next file's bar).
		w.Reset()
		return nil
	}
	// What is buffered now moves the cursor for the next frame.
	next := append([]byte("\r"), w.Bytes()...)
	w.Reset()
	_, err := w.Write(next)
	return err
}

// dropErrors reports every write as done: what the terminal did not take
// is lost, as it would be anyway.
type dropErrors struct{ w io.Writer }

func (d dropErrors) Write(p []byte) (int, error) {
	d.w.Write(p)
	return len(p), nil
}

// terminalFile is the file behind w, to ask whether it is a terminal:
// w itself, or what it wraps (iostreams' stderr); nil for anything else.
func terminalFile(w io.Writer) *os.File {
	switch f := w.(type) {
	case *os.File:
		return f
	case interface{ File() *os.File }:
		return f.File()
	}
	return nil
}

// LookingUp reports that n targets are being looked up: until the first
// file is known, the total says so rather than "0/0 files".
func (t *Tracker) LookingUp(n int) { t.lookingUp.Store(int64(n)) }

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
			if t.files.Load() == 0 && t.lookingUp.Load() > 0 {
				t.printf("progress: looking up %s\n", plural(t.lookingUp.Load(), "target"))
				continue
			}
			left := ""
			if total > done && v > 0 {
				left = fmt.Sprintf(", %v left", time.Duration(float64(total-done)/v*float64(time.Second)).Round(time.Second))
			}
			if total == 0 && done == 0 {
				t.printf("progress: %s, waiting for the server\n", t.fileCount())
				continue
			}
			t.printf("progress: %s, %s of %s, %s/s%s\n", t.fileCount(),
				tableprinter.Bytes(done), tableprinter.Bytes(total), tableprinter.Bytes(int64(v)), left)
		}
	}
}

// fileCount is "3/12 files" and, when some failed, ", 1 failed".
func (t *Tracker) fileCount() string {
	s := fmt.Sprintf("%d/%d files", t.finished.Load(), t.files.Load())
	if n := t.failed.Load(); n > 0 {
		s += fmt.Sprintf(", %d failed", n)
	}
	return s
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (t *Tracker) printf(format string, args ...any) {
	if t.quiet {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprint(t.w, tableprinter.CleanText(fmt.Sprintf(format, args...)))
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

// Hint prints "civit: hint: " and the formatted advice, above the bars on
// a terminal, once a run for the same advice (twenty files failing for
// one full disk need it once).
func (t *Tracker) Hint(format string, args ...any) {
	msg := fmt.Sprintf("civit: hint: "+format+"\n", args...)
	if _, seen := t.hints.LoadOrStore(msg, true); seen {
		return
	}
	t.print(msg)
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
	// No terminal escapes: lines name files (the library's copies, the
	// user's own names) and quote servers.
	msg = tableprinter.CleanText(msg)
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

// Failed reports a target that failed before any of its files was known
// (its lookup): it counts as a failed file, and a "failed" line says why.
func (t *Tracker) Failed(name string, err error) {
	t.files.Add(1)
	t.finished.Add(1)
	t.failed.Add(1)
	t.failedLine(name, err)
}

// failedLine prints "failed NAME: reason", one line, when it happens
// (the final error list gives the hints).
func (t *Tracker) failedLine(name string, err error) {
	if t.quiet {
		return
	}
	msg, _, _ := strings.Cut(t.reason(err), "\n")
	t.print(tableprinter.Clean(fmt.Sprintf("failed %s: %s", name, msg)) + "\n")
}

// fileState is where a File is in its life.
type fileState int

const (
	planned fileState = iota
	started
	finished
	interrupted
)

// File is one download's progress.
type File struct {
	t       *Tracker
	mu      sync.Mutex // guards name, counted, state
	name    string
	bar     *mpb.Bar
	size    int64
	counted int64 // what this file adds to the tracker's totalBytes
	state   fileState
	done    atomic.Int64
	fetched atomic.Int64
	started time.Time
	once    sync.Once
	local   bool  // the bytes come from a local copy, not the network
	kept    int64 // interrupted: the bytes left on disk for the next run (Abort)
	// lastRetry is when Retry last printed (unix nanoseconds).
	lastRetry atomic.Int64
}

// File registers a download named name (shown to the user) as soon as it
// is planned; size is what the API says (0 or less: not known yet). Start
// gives the real size.
func (t *Tracker) File(name string, size int64) *File {
	f := &File{t: t, name: name, counted: max(size, 0)}
	t.files.Add(1)
	t.totalBytes.Add(f.counted)
	t.mu.Lock()
	t.all = append(t.all, f)
	t.mu.Unlock()
	return f
}

// Rename changes the name shown, before Start (the storage may name the
// file differently from the API).
func (f *File) Rename(name string) {
	f.mu.Lock()
	f.name = name
	f.mu.Unlock()
}

func (f *File) is(s fileState) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state == s
}

func (f *File) shownName() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.name
}

// recount makes the file count n bytes in the total.
func (f *File) recount(n int64) {
	f.t.totalBytes.Add(n - f.counted)
	f.counted = n
}

// Start reports the size (-1 if unknown) and the bytes already on disk.
func (f *File) Start(size, done int64) { f.start(size, done, "") }

// StartLocal is Start for a file placed from a local copy (the library's,
// at from): the bar moves as it is checked, but its bytes are not counted
// as fetched.
func (f *File) StartLocal(size int64, from string) { f.start(size, 0, from) }

func (f *File) start(size, done int64, from string) {
	f.once.Do(func() {
		f.mu.Lock()
		f.local = from != ""
		f.started = f.t.now()
		f.size = size
		f.state = started
		if size > 0 {
			f.recount(size)
		} else if done > f.counted {
			f.recount(done)
		}
		f.done.Store(done)
		f.mu.Unlock()
		f.t.doneBytes.Add(done)
		if f.t.tty {
			r, l := &rate{now: f.t.now}, &line{}
			f.t.mu.Lock()
			f.bar = f.t.p.AddBar(max(size, 0), mpb.BarRemoveOnComplete(), mpb.BarWidth(barWidth),
				mpb.BarFillerMiddleware(l.filler),
				mpb.PrependDecorators(decor.Any(func(st decor.Statistics) string {
					return fitName(f.shownName(), nameWidth(st.AvailableWidth))
				}, decor.WCSyncSpaceR)),
				mpb.AppendDecorators(decor.Any(func(st decor.Statistics) string {
					if st.Aborted {
						what := "failed"
						if f.is(interrupted) {
							what = "interrupted"
						}
						return l.right(st.AvailableWidth, st.Current, st.Total, what)
					}
					speed, eta := r.show(st.Current, st.Total)
					return l.right(st.AvailableWidth, st.Current, st.Total, speed, eta)
				}, decor.WCSyncSpace)),
			)
			f.bar.SetCurrent(done)
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
	f.t.Warn("%s: %v; retrying in %s (attempt %d)", f.shownName(), err, wait.Round(100*time.Millisecond), attempt+1)
}

// Fetched is how many bytes this file received in this run, discarded
// ones (a restart, a hash mismatch) included.
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
	}
}

// Restart reports that the partial data was discarded.
func (f *File) Restart(reason error) {
	d := f.done.Swap(0)
	f.t.doneBytes.Add(-d)
	if f.bar != nil {
		f.bar.SetCurrent(0)
	}
	f.t.Warn("%s: starting over: %v", f.shownName(), reason)
}

// Unstart undoes StartLocal when the local copy was refused, so that Start
// can follow for the download; reason is printed as a warning. The file
// stays counted in the total.
func (f *File) Unstart(reason error) {
	d := f.done.Swap(0)
	f.t.doneBytes.Add(-d)
	if f.bar != nil {
		f.t.mu.Lock()
		f.bar.Abort(true)
		f.bar = nil
		f.t.mu.Unlock()
	}
	f.mu.Lock()
	f.size, f.local, f.started, f.state = 0, false, time.Time{}, planned
	f.mu.Unlock()
	f.once = sync.Once{}
	f.t.Warn("%s: %v", f.shownName(), reason)
}

// Abort leaves the file unfinished (interrupted): its bar stays as it
// was, and Wait's totals count it as partial with kept bytes on disk for
// the next run (what the download saved), or as not started when kept is
// 0 (a library copy cut short leaves nothing: the bytes it checked are
// not kept).
func (f *File) Abort(kept int64) {
	f.t.aborted.Store(true)
	f.mu.Lock()
	if f.state != finished {
		f.state = interrupted
		f.kept = kept
	}
	f.mu.Unlock()
	if f.bar != nil {
		f.bar.Abort(false)
	}
}

// Finish reports the end of the download: err == nil means complete (a
// file found present without Start counts as complete with the size it
// was registered with). A failure prints "failed NAME: reason" at once.
func (f *File) Finish(err error, note string) {
	f.mu.Lock()
	name := f.name
	f.state = finished
	if err == nil && f.started.IsZero() {
		// Present already: all its bytes are in place.
		f.t.doneBytes.Add(f.counted - f.done.Swap(f.counted))
	}
	// The total keeps what the file delivered (a failed one: what arrived
	// before it failed; a file of unknown size: its real size); what a
	// failed one did not bring is shown apart.
	if err != nil {
		f.t.missing.Add(max(f.counted-f.done.Load(), 0))
	}
	f.recount(f.done.Load())
	f.mu.Unlock()
	if err != nil {
		f.t.failed.Add(1)
	}
	f.t.finished.Add(1)
	if err != nil {
		if f.bar != nil {
			f.bar.Abort(true)
		}
		f.t.failedLine(name, err)
		return
	}
	if f.bar != nil {
		f.bar.SetTotal(-1, true)
		if !f.t.quiet {
			f.t.p.Write([]byte(f.doneLine(name, note)))
		}
		return
	}
	f.t.printf("%s", f.doneLine(name, note))
}

func (f *File) doneLine(name, note string) string {
	el := f.t.now().Sub(f.started)
	speed := ""
	if s := el.Seconds(); s > 0 && f.fetched.Load() > 0 {
		speed = fmt.Sprintf(", %s/s", tableprinter.Bytes(int64(float64(f.fetched.Load())/s)))
	}
	if note != "" {
		note = " (" + note + ")"
	}
	if f.started.IsZero() {
		return fmt.Sprintf("done %s%s\n", name, note)
	}
	return fmt.Sprintf("done %s%s in %s%s\n", name, note, el.Round(100*time.Millisecond), speed)
}

// Totals are what the tracker counted.
type Totals struct {
	Files, Failed int64
	Bytes         int64 // received in this run, discarded bytes included
	Elapsed       time.Duration
	// After an interrupt: files left partial (some bytes on disk, kept
	// for the next run to resume), their bytes, and files not started.
	Partial      int64
	PartialBytes int64
	NotStarted   int64
}

// Wait stops rendering and returns the totals.
func (t *Tracker) Wait() Totals {
	t.final.Store(true)
	if t.p != nil {
		if t.aborted.Load() {
			t.total.Abort(false) // stays as it was: "40.0 MiB / 63.7 MiB", not full
		} else {
			t.total.SetTotal(-1, true)
		}
		t.p.Wait()
	}
	t.stopped.Do(func() { close(t.stop) })
	t.wg.Wait()
	tot := Totals{Files: t.files.Load(), Failed: t.failed.Load(), Bytes: t.fetched.Load(), Elapsed: t.now().Sub(t.start)}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range t.all {
		f.mu.Lock()
		switch {
		case f.state == finished:
		case f.state == interrupted && f.kept > 0:
			tot.Partial++
			tot.PartialBytes += f.kept
		case f.state == interrupted:
			tot.NotStarted++
		case f.done.Load() > 0 && !f.local: // not aborted: what arrived
			tot.Partial++
			tot.PartialBytes += f.done.Load()
		default:
			tot.NotStarted++
		}
		f.mu.Unlock()
	}
	return tot
}

// totalLeft is the total's left column: "total 3/12 files, 1 failed",
// shortened to the names' width, or what civit waits for before any file.
func (t *Tracker) totalLeft(st decor.Statistics) string {
	if t.files.Load() == 0 {
		if n := t.lookingUp.Load(); n > 0 {
			return fitName("looking up "+plural(n, "target")+"…", st.AvailableWidth-1)
		}
		return fitName("waiting for the server…", st.AvailableWidth-1)
	}
	fin, n, failed := t.finished.Load(), t.files.Load(), t.failed.Load()
	var forms []string
	if failed > 0 {
		forms = []string{fmt.Sprintf("total %d/%d files, %d failed", fin, n, failed), fmt.Sprintf("%d/%d files, %d failed", fin, n, failed), fmt.Sprintf("%d/%d, %d failed", fin, n, failed)}
	} else {
		forms = []string{fmt.Sprintf("total %d/%d files", fin, n), fmt.Sprintf("%d/%d files", fin, n)}
	}
	w := nameWidth(st.AvailableWidth)
	for _, s := range forms {
		if cellWidth(s) <= w {
			return s
		}
	}
	return forms[len(forms)-1]
}

// totalRight is the total's right column: bytes, the speed of the last
// seconds and the time left for every planned file; at the end, the
// average speed of the run.
func (t *Tracker) totalRight(st decor.Statistics) string {
	if t.files.Load() == 0 {
		t.line.bar.Store(false)
		return ""
	}
	done, total, fetched := t.doneBytes.Load(), t.totalBytes.Load(), t.fetched.Load()
	done = min(done, total)
	speed, eta := "", ""
	if t.final.Load() {
		if s := t.now().Sub(t.start).Seconds(); s > 0 && fetched > 0 {
			speed = tableprinter.Bytes(int64(float64(fetched)/s)) + "/s"
		}
	} else if v, ok := t.recent.sample(fetched); ok {
		speed = tableprinter.Bytes(int64(v)) + "/s"
		if total > done {
			if v > 0 {
				eta = time.Duration(float64(total-done) / v * float64(time.Second)).Round(time.Second).String()
			} else {
				eta = "--"
			}
		}
	}
	// The bytes failed files did not bring stay in what is shown (not in
	// the time left): "12.2 MiB / 16.9 MiB", never a full total.
	return t.line.right(st.AvailableWidth, done, total+t.missing.Load(), speed, eta)
}
