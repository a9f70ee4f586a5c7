package progress

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPlainLines(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	tr := New(&b, Options{Interval: time.Hour})
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr.now = func() time.Time { return clock }
	f := tr.File("a.safetensors", 0)
	f.Start(4<<20, 1<<20)
	clock = clock.Add(time.Second)
	f.Add(3 << 20)
	f.Finish(nil, "resumed")
	g := tr.File("b.safetensors", 0)
	g.Finish(nil, "already present")
	h := tr.File("c.safetensors", 0)
	h.Start(100, 0)
	h.Finish(errors.New("boom"), "")
	tot := tr.Wait()
	out := b.String()
	for _, want := range []string{
		"resuming a.safetensors (1.0 MiB of 4.0 MiB already here)\n",
		"done a.safetensors (resumed) in 1s, 3.0 MiB/s\n",
		"done b.safetensors (already present)\n",
		"downloading c.safetensors (100 B)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "done c.safetensors") {
		t.Errorf("a failed file was reported done:\n%s", out)
	}
	if tot.Files != 3 || tot.Failed != 1 || tot.Bytes != 3<<20 {
		t.Errorf("totals = %+v", tot)
	}
}

func TestPeriodicStatusLine(t *testing.T) {
	t.Parallel()
	var b safeBuffer
	tr := New(&b, Options{Interval: 10 * time.Millisecond})
	f := tr.File("x", 0)
	f.Start(1000, 0)
	f.Add(500)
	time.Sleep(50 * time.Millisecond)
	tr.Wait()
	if !strings.Contains(b.String(), "progress: 0/1 files, 500 B of 1000 B") {
		t.Errorf("no status line:\n%s", b.String())
	}
}

func TestQuietPrintsNothing(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	tr := New(&b, Options{Quiet: true, Interval: time.Millisecond})
	f := tr.File("x", 0)
	f.Start(10, 0)
	f.Add(10)
	f.Finish(nil, "")
	tr.Wait()
	if b.Len() != 0 {
		t.Errorf("quiet output: %q", b.String())
	}
}

// The status line gives the speed since the previous line and the time
// left at that speed.
func TestStatusLineSaysTimeLeft(t *testing.T) {
	t.Parallel()
	var b safeBuffer
	tr := New(&b, Options{Interval: 600 * time.Millisecond})
	f := tr.File("x", 0)
	f.Start(10<<20, 0)
	f.Add(1 << 20)
	// The first line comes after 600 ms; a loaded machine may be late.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(b.String(), "progress:") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	tr.Wait()
	if !regexp.MustCompile(`progress: 0/1 files, 1\.0 MiB of 10\.0 MiB, [0-9.]+ (KiB|MiB)/s, \d+s left`).MatchString(b.String()) {
		t.Errorf("no speed and time left in the status line:\n%s", b.String())
	}
}

// A file checked from the library moves its bar without counting as
// fetched; refused, it starts over as a download.
func TestLocalCopyLines(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	tr := New(&b, Options{Interval: time.Hour})
	f := tr.File("a.safetensors", 0)
	f.StartLocal(4<<20, "/lib/a.safetensors")
	f.Add(4 << 20)
	f.Finish(nil, "hard link to /lib/a.safetensors")
	g := tr.File("b.safetensors", 0)
	g.StartLocal(1<<20, "/lib/b.safetensors")
	g.Add(512 << 10)
	g.Unstart(errors.New("not using the library's copy: changed"))
	g.Start(1<<20, 0)
	g.Add(1 << 20)
	g.Finish(nil, "")
	tot := tr.Wait()
	out := b.String()
	for _, want := range []string{
		"checking a.safetensors from the library (/lib/a.safetensors, 4.0 MiB)\n",
		"done a.safetensors (hard link to /lib/a.safetensors) in ",
		"checking b.safetensors from the library (/lib/b.safetensors, 1.0 MiB)\n",
		"civit: warning: b.safetensors: not using the library's copy: changed\n",
		"downloading b.safetensors (1.0 MiB)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if tot.Bytes != 1<<20 {
		t.Errorf("bytes fetched = %d, want only b's download (%d)", tot.Bytes, 1<<20)
	}
}

// A host that caps connections refuses many requests of a run: the user is
// told once, and not at all with --quiet.
func TestBusyIsReportedOnce(t *testing.T) {
	t.Parallel()
	for _, quiet := range []bool{false, true} {
		var b safeBuffer
		tr := New(&b, Options{Quiet: quiet})
		f := tr.File("x.safetensors", 0)
		for range 8 {
			tr.Busy(errors.New("503 Service Unavailable: SlowDown"))
		}
		f.Finish(nil, "")
		tr.Wait()
		want := 1
		if quiet {
			want = 0
		}
		if n := strings.Count(b.String(), "civit: note: the download host refused more connections (503 Service Unavailable: SlowDown); going on with those it takes\n"); n != want {
			t.Errorf("quiet=%v: %d notes, want %d:\n%s", quiet, n, want, b.String())
		}
	}
}

// A server that answers errors must not leave the user with silence or a
// "0 B of 0 B" line: the status says civit waits, and a retry is reported,
// once per file per retryEvery even when every connection fails at once.
func TestRetriesAreReportedSparingly(t *testing.T) {
	t.Parallel()
	var b safeBuffer
	tr := New(&b, Options{Interval: 10 * time.Millisecond})
	f := tr.File("x.safetensors", 0)
	time.Sleep(40 * time.Millisecond)
	for i := range 16 {
		f.Retry(errors.New("GET https://storage/x: 500 Internal Server Error"), i, 2*time.Second)
	}
	f.Finish(errors.New("gave up"), "")
	tr.Wait()
	out := b.String()
	if !strings.Contains(out, "progress: 0/1 files, waiting for the server") {
		t.Errorf("no waiting line:\n%s", out)
	}
	if strings.Contains(out, "0 B of 0 B") {
		t.Errorf("status shows 0 B of 0 B:\n%s", out)
	}
	if n := strings.Count(out, "civit: warning: x.safetensors: GET https://storage/x: 500 Internal Server Error; retrying in 2s (attempt 1)"); n != 1 {
		t.Errorf("%d retry lines, want 1:\n%s", n, out)
	}
}

// Interrupted or failed on a terminal, the total bar is not shown complete
// ("40 of 40" reads as done): it stays at "40 of 100", short of full.
func TestUnfinishedTotalIsNotShownComplete(t *testing.T) {
	t.Parallel()
	for _, abort := range []bool{false, true} {
		var b safeBuffer
		tr := New(&b, Options{TTY: true})
		f := tr.File("x.safetensors", 0)
		f.Start(100<<20, 0)
		f.Add(40 << 20)
		if abort {
			f.Abort(0)
		} else {
			f.Finish(errors.New("failed"), "")
		}
		tr.Wait()
		out := b.String()
		last := out[strings.LastIndex(out, "total"):]
		if strings.Contains(last, "40.0 MiB / 40.0 MiB") || !strings.Contains(last, "40.0 MiB / 100.0 MiB") {
			t.Errorf("abort %v: last total line %q, want 40.0 MiB / 100.0 MiB", abort, strings.TrimSpace(last))
		}
	}
	// A failed file of unknown size leaves no bytes missing: the bar
	// still stops short of full.
	var b safeBuffer
	tr := New(&b, Options{TTY: true, Width: 100})
	f := tr.File("a.safetensors", 10<<20)
	f.Start(10<<20, 0)
	f.Add(10 << 20)
	f.Finish(nil, "")
	g := tr.File("b.safetensors", 0)
	g.Finish(errors.New("failed"), "")
	tr.Wait()
	out := b.String()
	last := out[strings.LastIndex(out, "total"):]
	if !strings.Contains(last, "1 failed") || !regexp.MustCompile(`\[=*>?-+\]`).MatchString(last) {
		t.Errorf("last total line %q, want a bar short of full", strings.TrimSpace(last))
	}
}

// With CIVIT_FORCE_TTY=WIDTH the bars go to what is not a terminal: they
// get the width given, not mpb's 40 columns for the whole line, which cut
// every file's line after its name.
func TestForcedTerminalWidth(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	tr := New(&b, Options{TTY: true, Width: 130})
	f := tr.File("fixtureCheckpointXL_v30.safetensors", 0)
	f.Start(4<<20, 0)
	f.Add(1 << 20)
	time.Sleep(400 * time.Millisecond) // a few refreshes
	f.Finish(nil, "")
	tr.Wait()
	if !regexp.MustCompile(`fixtureCheckpointXL_v30.safetensors +\S.*MiB / 4\.0 MiB`).MatchString(b.String()) {
		t.Errorf("the file's bar lacks its counters:\n%q", b.String())
	}
}

// Every planned file counts in the total from the moment it is planned,
// not when its download starts: with -j 1 and three files planned, the
// status line says 3 files and their three sizes while the first runs.
func TestTotalCountsPlannedFiles(t *testing.T) {
	t.Parallel()
	var b safeBuffer
	tr := New(&b, Options{Interval: 20 * time.Millisecond})
	a := tr.File("a", 10<<20)
	tr.File("b", 10<<20)
	tr.File("c", 10<<20)
	a.Start(10<<20, 0)
	a.Add(1 << 20)
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(b.String(), "progress:") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	tr.Wait()
	if !strings.Contains(b.String(), "progress: 0/3 files, 1.0 MiB of 30.0 MiB") {
		t.Errorf("the status line does not count the planned files:\n%s", b.String())
	}
}

// The counts stay consistent: a size learned only at the start replaces
// the planned one, a file found present counts as done without bytes
// fetched, a failed one keeps only what arrived.
func TestTotalsStayConsistent(t *testing.T) {
	t.Parallel()
	tr := New(io.Discard, Options{Interval: time.Hour})
	a := tr.File("a", 1000) // the API's rounded size
	b := tr.File("b", 0)    // size unknown until started
	c := tr.File("c", 500)  // present already
	d := tr.File("d", 700)  // fails
	if got := tr.totalBytes.Load(); got != 2200 {
		t.Fatalf("planned total = %d, want 2200", got)
	}
	a.Start(1024, 0)
	a.Add(1024)
	a.Finish(nil, "")
	b.Start(-1, 0)
	b.Add(300)
	b.Finish(nil, "")
	c.Finish(nil, "already present")
	d.Start(700, 0)
	d.Add(200)
	d.Finish(errors.New("boom"), "")
	tot := tr.Wait()
	if done, total := tr.doneBytes.Load(), tr.totalBytes.Load(); done != total || total != 1024+300+500+200 {
		t.Errorf("done %d of %d, want both %d", done, total, 1024+300+500+200)
	}
	if tot.Files != 4 || tot.Failed != 1 || tot.Bytes != 1024+300+200 {
		t.Errorf("totals = %+v", tot)
	}
}

// A file that fails says so when it happens, in one line (the reason's
// first line, through Options.Reason), and the status line counts it.
func TestFailureIsSaidAtOnce(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{false, true} {
		var b safeBuffer
		tr := New(&b, Options{TTY: tty, Interval: 20 * time.Millisecond, Reason: func(err error) string { return "explained: " + err.Error() }})
		tr.Failed("105", errors.New("model 105 is archived"))
		f := tr.File("x.safetensors", 100)
		f.Start(100, 0)
		f.Add(10)
		f.Finish(errors.New("hash mismatch\nsecond line"), "")
		g := tr.File("y.safetensors", 100)
		g.Start(100, 0)
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if s := b.String(); strings.Contains(s, "failed x.safetensors") && strings.Contains(s, "2 failed") {
				break
			}
		}
		out := b.String()
		for _, want := range []string{"failed 105: explained: model 105 is archived\n", "failed x.safetensors: explained: hash mismatch\n", "2/3 files, 2 failed"} {
			if !strings.Contains(out, want) {
				t.Errorf("tty=%v: output lacks %q:\n%s", tty, want, out)
			}
		}
		if strings.Contains(out, "second line") {
			t.Errorf("tty=%v: more than one line for a failure:\n%s", tty, out)
		}
		g.Finish(nil, "")
		tr.Wait()
	}
}

// Interrupted, the totals say what was left: partial files (kept for the
// next run) and files not started; an interrupted file's bar stays.
func TestInterruptedTotals(t *testing.T) {
	t.Parallel()
	var b safeBuffer
	tr := New(&b, Options{TTY: true, Width: 100})
	a := tr.File("a.safetensors", 100<<20)
	a.Start(100<<20, 0)
	a.Add(30 << 20)
	d := tr.File("done.safetensors", 1<<20)
	d.Start(1<<20, 0)
	d.Add(1 << 20)
	d.Finish(nil, "")
	tr.File("b.safetensors", 100<<20)
	tr.File("c.safetensors", 100<<20)
	// A library copy checked 50 MiB when stopped: its temporary is
	// removed, nothing is kept.
	l := tr.File("copy.safetensors", 100<<20)
	l.StartLocal(100<<20, "/library/copy.safetensors")
	l.Add(50 << 20)
	l.Abort(0)
	a.Abort(30 << 20)
	tot := tr.Wait()
	if tot.Partial != 1 || tot.PartialBytes != 30<<20 || tot.NotStarted != 3 {
		t.Errorf("totals = %+v, want 1 partial of 30 MiB, 3 not started", tot)
	}
	out := b.String()
	last := out[strings.LastIndex(out, "a.safetensors"):]
	if !strings.Contains(last, "30.0 MiB / 100.0 MiB interrupted") {
		t.Errorf("the interrupted file's bar is not kept:\n%s", out)
	}
	if !strings.Contains(last, "total 1/5 files") {
		t.Errorf("last frame lacks the total:\n%s", last)
	}
}

// Before any file is known the total says what civit waits for, not
// "0/0 files 0.0 b / 0.0 b".
func TestLookingUpStatus(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{false, true} {
		var b safeBuffer
		tr := New(&b, Options{TTY: tty, Interval: 20 * time.Millisecond, Width: 80})
		tr.LookingUp(12)
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(b.String(), "looking up") && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		tr.File("x", 10)
		tr.Wait()
		out := b.String()
		if !strings.Contains(out, "looking up 12 targets") {
			t.Errorf("tty=%v: no looking-up status:\n%s", tty, out)
		}
		if strings.Contains(out, "0/0") || strings.Contains(out, " b ") {
			t.Errorf("tty=%v: an empty total:\n%s", tty, out)
		}
	}
}

// The final total shows the run's average speed, not the last instant's,
// in the units the rest of civit uses (B, KiB, MiB; never "b").
func TestFinalTotalShowsAverageSpeed(t *testing.T) {
	t.Parallel()
	var b safeBuffer
	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := New(&b, Options{TTY: true, Width: 100, now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	f := tr.File("x.safetensors", 10<<20)
	f.Start(10<<20, 0)
	f.Add(10 << 20)
	f.Finish(nil, "")
	g := tr.File("small.bin", 512)
	g.Finish(nil, "already present")
	mu.Lock()
	clock = clock.Add(4 * time.Second)
	mu.Unlock()
	tr.Wait()
	out := b.String()
	last := out[strings.LastIndex(out, "total"):]
	if !strings.Contains(last, "10.0 MiB / 10.0 MiB 2.5 MiB/s") {
		t.Errorf("final total %q, want 10.0 MiB / 10.0 MiB at 2.5 MiB/s", strings.TrimSpace(last))
	}
	if regexp.MustCompile(`\d b\b`).MatchString(out) {
		t.Errorf("lower-case b for bytes:\n%s", out)
	}
}

// Lines name the library's copies and the user's files, and quote servers:
// no terminal escape in them reaches the terminal.
func TestLinesHaveNoEscapes(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{false, true} {
		var b safeBuffer
		tr := New(&b, Options{TTY: tty, Width: 100, Interval: time.Hour})
		evil := "lib/evil\x1b[31mred\x9b2J.safetensors"
		f := tr.File("a.safetensors", 0)
		f.Finish(nil, "hard link to "+evil)
		tr.Warn("not using the library's copy %s", evil)
		tr.Failed("b.safetensors", errors.New("server said \x1b]0;owned\x07"))
		tr.Wait()
		if out := b.String(); strings.Contains(out, "\x1b[31m") || strings.Contains(out, "\x1b]0") || strings.Contains(out, "\x9b") {
			t.Errorf("tty=%v: escapes reached the output: %q", tty, out)
		}
	}
}

// brokenTerminal fails every write, as a terminal that was closed (EIO) or
// a pipe whose reader quit does.
type brokenTerminal struct{}

func (brokenTerminal) Write([]byte) (int, error) { return 0, errors.New("input/output error") }

// A terminal that goes away costs the frames, not the run: mpb stopped
// drawing at the first failed write and panicked on the next file's bar.
func TestBrokenTerminalKeepsCounting(t *testing.T) {
	t.Parallel()
	tr := New(brokenTerminal{}, Options{TTY: true, Width: 80})
	a := tr.File("a.safetensors", 100)
	a.Start(100, 0)
	a.Add(100)
	time.Sleep(400 * time.Millisecond) // a frame or two fail
	a.Finish(nil, "")
	b := tr.File("b.safetensors", 50)
	b.Start(50, 0) // a new bar after the failure
	b.Add(50)
	b.Finish(nil, "")
	tr.Warn("still here")
	if tot := tr.Wait(); tot.Files != 2 || tot.Bytes != 150 || tot.Failed != 0 {
		t.Errorf("totals = %+v, want 2 files, 150 bytes", tot)
	}
}
