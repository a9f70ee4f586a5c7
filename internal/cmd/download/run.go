package download

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/layout"
	"github.com/civit/civit/internal/progress"
	"github.com/civit/civit/internal/stale"
	"github.com/civit/civit/internal/tableprinter"
)

// testOnlyEngine adjusts engine options in tests (stall timeouts, retry
// delays); nil in production.
var testOnlyEngine func(*dl.Options)

func safeName(name string) (string, error) { return dl.SanitizeFilename(name) }

// Run downloads what opts names; other commands (update) call it too.
func Run(ctx context.Context, o *Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	// A folder that is a file fails every download with "mkdir: not a
	// directory" (and --dry-run says "ok"): refuse it before any request.
	out := "output folder (`-o`)"
	if o.rootIsOutput {
		out = "output folder (`--root` with `--layout flat`)"
	}
	for _, d := range []struct{ what, path string }{{out, o.OutputDir}, {"UI root (`--root`)", o.Root}} {
		if fi, err := os.Stat(d.path); d.path != "" && err == nil && !fi.IsDir() {
			// Bad input, not a bad command line: no usage after it.
			return &cmdutil.InputError{Err: cmdutil.WithHint(cmdutil.FlagErrorf("the %s %s is a file, not a folder", d.what, d.path),
				"give a folder: a new one is made")}
		}
	}
	for _, d := range []string{o.OutputDir, o.Root} {
		if d == "" || filepath.IsAbs(d) {
			continue
		}
		// Every file would fail with "open partial file: no such file or
		// directory" (and --dry-run said "ok"): the folder civit stands in
		// was deleted.
		if _, err := os.Getwd(); errors.Is(err, fs.ErrNotExist) {
			return &cmdutil.InputError{Err: cmdutil.WithHint(fmt.Errorf("the current folder was deleted: nothing can be saved in %s", d),
				"`cd` into a folder that exists and run the command again, or give one with `-o`")}
		}
		break
	}
	ios := o.Factory.IOStreams
	why := layout.CheckRoot(o.Layout, o.Root)
	if why == layout.ModelsFolderItself || why == layout.InsideModelsFolder {
		// Every file would land in models/models/... (or
		// models/loras/models/loras/...): no UI reads there.
		up := filepath.Dir(filepath.Clean(o.Root))
		if why == layout.InsideModelsFolder {
			up = filepath.Dir(up)
		}
		models, _, _ := strings.Cut(layout.Dir(o.Layout, "LORA", "", "", ""), "/")
		return &cmdutil.InputError{Err: cmdutil.WithHint(
			cmdutil.FlagErrorf("the --root folder %s %s: files would go to %s", o.Root, why, filepath.Join(o.Root, models, "...")),
			fmt.Sprintf("give the UI's own folder (`--root %s`): --layout %s expects %s; or `-o DIR` for one folder", cmdutil.Quote(up), o.Layout, layout.RootHelp(o.Layout)))}
	}
	if why != "" && !o.Quiet {
		// A typo'd --root, or the models folder given for the UI's own,
		// fills a folder no UI reads: said before the first byte.
		fmt.Fprintln(ios.ErrOut, tableprinter.Clean(fmt.Sprintf("civit: warning: the --root folder %s %s; --layout %s expects %s",
			o.Root, why, o.Layout, layout.RootHelp(o.Layout))))
	}
	c, err := o.Factory.APIClient(o.Refresh)
	if err != nil {
		return err
	}
	if c, err = o.linkKey(c); err != nil {
		return err
	}
	if o.BaseModel != "" { // spelled as CivitAI does, or refused before any download
		names, err := c.ResolveBaseModels(ctx, []string{o.BaseModel})
		var unknown *api.UnknownBaseModelError
		if errors.As(err, &unknown) {
			hint := "base models are spelled as on civitai.com, e.g. \"SDXL 1.0\""
			if len(unknown.Suggestions) > 0 {
				hint = "did you mean " + cmdutil.QuoteList(unknown.Suggestions) + "?"
			}
			return cmdutil.WithHint(cmdutil.FlagErrorf("`--base-model`: %v", unknown), hint)
		}
		if err != nil {
			return err
		}
		o.BaseModel = names[0]
	}
	p := &planner{o: o, c: c, warn: func(format string, args ...any) {
		if !o.Quiet {
			fmt.Fprintf(ios.ErrOut, "civit: note: "+format+"\n", args...)
		}
	}}
	if o.Quiet { // only errors and the summary: no retry warnings
		c = c.WithOnRetry(nil).WithOnDownloadLimit(nil).WithOnSlow(nil)
		p.c = c
	}
	if len(o.Targets) > 1 && len(o.picks) == 0 && !o.DryRun {
		// Downloads start as the targets are planned (planner.stream).
		return execute(ctx, o, c, len(o.Targets), len(o.Targets), func(note func(string, ...any), c *api.Client) (<-chan *item, func() error) {
			p.warn, p.c = note, c
			return p.stream(ctx)
		})
	}
	items, err := p.plan(ctx)
	if err != nil {
		return err
	}
	if o.DryRun {
		return dryRun(ctx, o, c, items)
	}
	return execute(ctx, o, c, concurrent(o.Jobs, items), 0, func(func(string, ...any), *api.Client) (<-chan *item, func() error) {
		ch := make(chan *item, len(items))
		for _, it := range items {
			ch <- it
		}
		close(ch)
		return ch, func() error { return nil }
	})
}

// linkKey returns c with the API key that a pasted download link carried
// (?token=), when no key is configured: the user gave it, so it is used
// rather than failing with "set CIVITAI_API_KEY". A configured key wins.
func (o *Options) linkKey(c *api.Client) (*api.Client, error) {
	tok := ""
	for _, t := range o.Targets {
		if t.Token != "" {
			tok = t.Token
			break
		}
	}
	if tok == "" || c.HasAPIKey() {
		return c, nil
	}
	if !o.Quiet {
		fmt.Fprintln(o.Factory.IOStreams.ErrOut, "civit: note: using the API key from the link's token= (set CIVITAI_API_KEY to keep it out of your shell history)")
	}
	return c.WithAPIKey(tok)
}

// execute downloads the items that start sends, -j at a time, each as
// soon as it arrives. start begins the planning, with its notes and the
// client's retry warnings printed through the progress display (which owns
// the terminal), and returns the items and a function that returns the
// planning's error once they are all sent. files is about how many files
// there are (for the read buffers' size); lookups how many targets start
// still looks up (0: planned already).
func execute(ctx context.Context, o *Options, c *api.Client, files, lookups int, start func(note func(string, ...any), c *api.Client) (<-chan *item, func() error)) error {
	ios := o.Factory.IOStreams
	o.pending = &pendingRecords{}
	tr := progress.New(ios.ErrOut, progress.Options{TTY: ios.CanAnimate(), Quiet: o.Quiet, Width: ios.TerminalWidth(), Reason: func(err error) string {
		if o.Factory.Explain == nil {
			return err.Error()
		}
		msg, _, _ := o.Factory.Explain(err) // secrets redacted
		return msg
	}})
	c = c.WithOnRetry(func(_ string, attempt int, wait time.Duration, err error) {
		tr.Warnf("%s", cmdutil.Retrying(err, attempt, wait))
	}).WithOnDownloadLimit(func(wait time.Duration, again bool) {
		// Once per wait, not per file: every download waits for it.
		tr.Warnf("%s", cmdutil.DownloadLimitWait(wait, again))
	})
	if !o.Quiet {
		var slowSaid atomic.Bool // once a run: the bars show the wait too
		c = c.WithOnSlow(func(host string, waited time.Duration) {
			if !slowSaid.Swap(true) {
				tr.Note("%s", cmdutil.SlowAnswer(host, waited))
			}
		})
	}
	eopts := dl.Options{UserAgent: "civit/" + o.Factory.AppVersion, BufferSize: bufferSize(max(1, min(o.Jobs, files)))}
	conns := o.Conns
	if o.LimitRate > 0 {
		eopts.Limiter = dl.NewLimiter(o.LimitRate)
		conns = connsUnderLimit(o.LimitRate, max(1, min(o.Jobs, files)), o.Conns)
	}
	if testOnlyEngine != nil {
		testOnlyEngine(&eopts)
	}
	bars := sync.Map{} // dest -> *progress.File
	eopts.Progress = func(ev dl.Event) {
		v, ok := bars.Load(ev.Dest)
		if !ok {
			return
		}
		f := v.(*progress.File)
		switch ev.Kind {
		case dl.EventStart:
			f.Start(ev.Size, ev.Done)
		case dl.EventProgress:
			f.Add(ev.N)
		case dl.EventRestart:
			f.Restart(ev.Err)
		case dl.EventRetry:
			f.Retry(ev.Err, ev.Attempt, ev.Wait)
		case dl.EventBusy:
			tr.Busy(ev.Err)
		}
	}
	engine := dl.New(eopts)
	hc := dl.NewHTTPClient() // previews: the same no-credentials transport

	// Every item is counted by the display as soon as the planner sends
	// it, also while -j downloads run: the total and the time left cover
	// the whole run. Nothing starts after an interrupt.
	type job struct {
		it  *item
		bar *progress.File
	}
	// runOne downloads one item; an error (only ctx's) stops the others.
	runOne := func(ctx, gctx context.Context, it *item, bar *progress.File) error {
		bind := func(dest string) {
			bar.Rename(filepath.Base(dest))
			bars.Store(dest, bar)
		}
		err := downloadOne(gctx, o, c, engine, hc, it, tr, bar, bind, conns)
		it.BytesFetched = bar.Fetched() // received in this run, discarded bytes included
		if ctx.Err() != nil && (err != nil || !hasFinalName(it)) {
			// What is left is what the engine saved for the next run: a
			// library copy cut short leaves nothing (its temporary is
			// removed), an older .part stays.
			kept := int64(0)
			if done, _, ok := dl.Partial(it.Dest, identity(it)); ok {
				kept = done
			}
			bar.Abort(kept)
			return ctx.Err()
		}
		note := ""
		switch {
		case err == nil && it.Status == "present":
			note = "already present"
		case err == nil && it.Status == "reused" && it.Linked:
			note = "hard link to " + it.ReusedFrom
		case err == nil && it.Status == "reused":
			note = "copied from " + it.ReusedFrom
		case err == nil && it.Resumed:
			note = "resumed"
		}
		if err != nil {
			it.Status, it.Err = "failed", withExistsHint(gctx, o, it, err)
			bar.Finish(explain(it), note)
			return nil // one failure does not stop the others
		}
		// Interrupted after the file got its final name (its sidecars
		// were being written): it is done, and counted so.
		bar.Finish(nil, note)
		// Recorded once its line is out: a wait for the library's lock
		// is not the file's time, nor part of its speed.
		recordDownload(gctx, o, it, tr)
		return ctx.Err()
	}
	work := make(chan job)
	g, gctx := errgroup.WithContext(ctx)
	for range max(1, o.Jobs) {
		g.Go(func() error {
			for j := range work {
				if ctx.Err() != nil {
					continue // interrupted while queued: left "planned"
				}
				if err := runOne(ctx, gctx, j.it, j.bar); err != nil {
					return err
				}
			}
			return nil
		})
	}
	tr.LookingUp(lookups)
	feed, planned := start(func(format string, args ...any) {
		if !o.Quiet {
			tr.Note(format, args...)
		}
	}, c)
	var items []*item
	var queue []job
	in, done := feed, ctx.Done()
	for in != nil || len(queue) > 0 && ctx.Err() == nil {
		var out chan<- job
		var next job
		if len(queue) > 0 && ctx.Err() == nil {
			out, next = work, queue[0]
		}
		select {
		case it, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			items = append(items, it)
			switch it.Status {
			case "planned":
				queue = append(queue, job{it, tr.File(filepath.Base(it.Dest), it.File.SizeBytes())})
			case "failed": // its lookup failed: said now, as the downloads' failures are
				tr.Failed(it.Target, explain(it))
			}
		case out <- next:
			queue = queue[1:]
		case <-done:
			done = nil // drain the planner's "interrupted" items
		}
	}
	close(work)
	werr := g.Wait()
	if err := planned(); werr == nil {
		werr = err
	}
	totals := tr.Wait()
	flushRecords(ctx, o)
	if werr != nil || ctx.Err() != nil {
		fmt.Fprintln(ios.ErrOut, interruptedSummary(items, totals))
		// What failed before the interrupt is said now, not only on the
		// next run (an archived model, a key needed).
		fails := cmdutil.NewFailures(o.Factory)
		for _, it := range items {
			if it.Status == "failed" {
				fails.Add(label(it), explain(it))
			}
		}
		// Err prints the hints; the exit code stays 130.
		_ = fails.Err(fails.Len(), len(items), "downloads")
		if o.JSON { // a script still learns what finished and what did not
			for _, it := range items {
				if it.Status == "planned" {
					it.Status = "interrupted"
				}
			}
			if err := cmdutil.WriteJSON(ios.Out, absPaths(report(items, o.Factory.Explain))); err != nil {
				return err
			}
		}
		return cmdutil.WithHint(context.Canceled, "run the same command again to resume; finished files are kept and partial ones continue where they stopped")
	}
	return finish(o, items, totals)
}

// downloadOne fetches one item with up to conns connections.
func downloadOne(ctx context.Context, o *Options, c *api.Client, engine *dl.Downloader, hc *http.Client, it *item, tr *progress.Tracker, bar *progress.File, bind func(dest string), conns int) error {
	if err := os.MkdirAll(filepath.Dir(it.Dest), 0o755); err != nil {
		return err
	}
	stale.SweepOnce(filepath.Dir(it.Dest)) // what a killed civit left there
	start := time.Now()
	if knownPresent(ctx, o, it) {
		// What an earlier, interrupted download left beside it (a
		// damaged control file, say) is moot: removed, as the engine
		// does for a file it verifies, not left behind for ever.
		dl.DiscardPartial(it.Dest)
		it.Status, it.Elapsed = "present", time.Since(start)
		placed(ctx, o, hc, it, tr)
		return nil
	}
	if from, linked, ok := reuse(ctx, o, it, bar); ok {
		dl.DiscardPartial(it.Dest) // an interrupted download of it is moot
		it.Status, it.ReusedFrom, it.Linked = "reused", from, linked
		it.SHA256 = strings.ToUpper(it.File.Hashes.SHA256())
		it.Elapsed = time.Since(start)
		placed(ctx, o, hc, it, tr)
		return nil
	}
	resolve := func(ctx context.Context) (string, error) {
		loc, err := c.ResolveDownload(ctx, it.Version.ID, api.DownloadParams{FileID: it.File.ID})
		if err != nil {
			return "", err
		}
		return loc.URL, nil
	}
	req := dl.Request{
		Dest:        it.Dest,
		Size:        it.File.SizeBytes(),
		SHA256:      it.File.Hashes.SHA256(),
		BLAKE3:      it.File.Hashes.BLAKE3(),
		NoVerify:    o.NoVerify,
		NoHash:      o.NoVerify, // not checking: skip the hashing work too
		Connections: conns,
		Identity:    identity(it),
		Force:       o.Force,
	}
	// A mismatch may come from a cached answer older than a re-upload:
	// the engine asks CivitAI again before discarding the bytes.
	var fresh *api.ModelVersion

	req.Recheck = func(ctx context.Context) (string, string, error) {
		v, err := c.Fresh().GetModelVersion(ctx, it.Version.ID)
		if err != nil {
			return "", "", err
		}
		for _, f := range v.Files {
			if f.ID == it.File.ID {
				fresh = v
				return f.Hashes.SHA256(), f.Hashes.BLAKE3(), nil
			}
		}
		return "", "", fmt.Errorf("file %d is no longer in version %d", it.File.ID, it.Version.ID)
	}
	// sizeKB is rounded by the API: a hint, enough to tell a file already
	// there apart without hashing it; the hash verifies the content.
	req.Size, req.SizeHint = 0, req.Size
	noHash := req.SHA256 == "" && req.BLAKE3 == ""
	// A file already complete under the API's name needs no signed URL;
	// otherwise resolve now: the signed URL's response-content-disposition
	// predicts the name, and the storage answer's Content-Disposition header
	// (req.ServerName) has the last word; both win over files[].name.
	req.Source = dl.Source{Resolve: resolve}
	if _, err := os.Stat(it.Dest); err != nil {
		loc, err := c.ResolveDownload(ctx, it.Version.ID, api.DownloadParams{FileID: it.File.ID})
		if err != nil {
			return err
		}
		req.Source.URL = loc.URL
		if name, err := dl.SanitizeFilename(loc.Filename); err == nil && loc.Filename != "" && name != filepath.Base(it.Dest) && dl.AcceptServerName(filepath.Base(it.Dest), name) {
			it.Dest = filepath.Join(filepath.Dir(it.Dest), name)
			req.Dest = it.Dest
		}
	}
	req.ServerName = true
	if noHash {
		if !o.Force && downloadedBefore(ctx, o, it) {
			dl.DiscardPartial(it.Dest) // moot, as above
			it.Status, it.Elapsed = "present", time.Since(start)
			placed(ctx, o, hc, it, tr)
			return nil
		}
		if !o.NoVerify {
			tr.Warn("%s: CivitAI publishes no hash for this file; it cannot be verified", filepath.Base(it.Dest))
		}
	}
	var res *dl.Result
	var err error
	for renamed := false; ; renamed = true {
		bind(req.Dest)
		res, err = engine.Download(ctx, req)
		// The storage's Content-Disposition names the file: follow it once
		// (the engine wrote nothing under the old name).
		var sn *dl.ServerNameError
		if renamed || !errors.As(err, &sn) {
			break
		}
		it.Dest = filepath.Join(filepath.Dir(it.Dest), sn.Name)
		req.Dest = it.Dest
		req.ServerName = false // a server that keeps changing its mind gets its first answer
	}
	it.Elapsed = time.Since(start)
	if err != nil {
		return err
	}
	if fresh != nil { // the file was re-uploaded: the sidecars get the new answer
		it.Version = fresh
		for _, f := range fresh.Files {
			if f.ID == it.File.ID {
				it.File = f
			}
		}
	}
	it.BytesFetched, it.Resumed, it.SHA256 = res.BytesFetched, res.Resumed, res.SHA256
	it.Status = "downloaded"
	if res.AlreadyPresent {
		it.Status = "present"
	}
	placed(ctx, o, hc, it, tr)
	return nil
}

// hasFinalName reports whether it is in place under its final name:
// downloaded and verified, found present, or placed from the library.
func hasFinalName(it *item) bool {
	switch it.Status {
	case "downloaded", "present", "reused":
		return true
	}
	return false
}

// placed finishes a file that has its final name: sidecars beside it.
// Its row in the library is written after its line (runOne).
func placed(ctx context.Context, o *Options, hc *http.Client, it *item, tr *progress.Tracker) {
	if !o.NoSidecars {
		it.Notes = append(it.Notes, writeSidecars(ctx, o, hc, it, tr)...)
	}
}

// finish prints the report and turns failures into the exit status.
func finish(o *Options, items []*item, totals progress.Totals) error {
	ios := o.Factory.IOStreams
	var failed []*item
	downloaded, present, reused := 0, 0, 0
	for _, it := range items {
		switch it.Status {
		case "failed":
			failed = append(failed, it)
		case "downloaded":
			downloaded++
		case "present":
			present++
		case "reused":
			reused++
		}
	}
	if o.JSON {
		if err := cmdutil.WriteJSON(ios.Out, absPaths(report(items, o.Factory.Explain))); err != nil {
			return err
		}
	}
	speed := ""
	if s := totals.Elapsed.Seconds(); s > 0 && totals.Bytes > 0 {
		speed = fmt.Sprintf(", %s/s", tableprinter.Bytes(int64(float64(totals.Bytes)/s)))
	}
	summary := fmt.Sprintf("%d downloaded (%s in %s%s)", downloaded, tableprinter.Bytes(totals.Bytes), totals.Elapsed.Round(100*time.Millisecond), speed)
	if downloaded == 0 && totals.Bytes == 0 && present+reused > 0 {
		summary = "nothing downloaded"
	}
	if present > 0 {
		summary += fmt.Sprintf(", %d already present", present)
	}
	if reused > 0 {
		summary += fmt.Sprintf(", %d from the library", reused)
	}
	if len(failed) > 0 {
		summary += fmt.Sprintf(", %d failed", len(failed))
		// What a failed file leaves for the next run, as an interrupted
		// run says: "running it again resumes" means something then.
		var n, kept int64
		for _, it := range failed {
			if it.Dest == "" {
				continue
			}
			if done, _, ok := dl.Partial(it.Dest, identity(it)); ok && done > 0 {
				n++
				kept += done
			}
		}
		if n > 0 {
			files := "files"
			if n == 1 {
				files = "file"
			}
			summary += fmt.Sprintf(" (%d partial %s kept, %s, for the next run)", n, files, tableprinter.Bytes(kept))
		}
	}
	fmt.Fprintln(ios.ErrOut, summary)
	if len(failed) == 0 {
		return nil
	}
	if len(items) == 1 {
		return explain(failed[0])
	}
	// Each failure on its line, then what to do about them, each piece of
	// advice once (twenty existing files need one "use --force").
	fails := cmdutil.NewFailures(o.Factory)
	for _, it := range failed {
		fails.Add(label(it), explain(it))
	}
	return fails.Err(len(failed), len(items), "downloads")
}

// interruptedSummary says what an interrupted run did and what it left:
// "interrupted: 3 downloaded, 5 partial files kept (29.7 MiB), 4 not
// started" (the error's hint says to run the same command again).
func interruptedSummary(items []*item, totals progress.Totals) string {
	done, failed, notLookedUp := 0, 0, int64(0)
	for _, it := range items {
		switch it.Status {
		case "downloaded", "present", "reused":
			done++
		case "failed":
			failed++
		case "interrupted": // never looked up
			notLookedUp++
		}
	}
	parts := []string{fmt.Sprintf("%d downloaded", done)}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", failed))
	}
	if n := totals.Partial; n > 0 {
		files := "files"
		if n == 1 {
			files = "file"
		}
		parts = append(parts, fmt.Sprintf("%d partial %s kept (%s)", n, files, tableprinter.Bytes(totals.PartialBytes)))
	}
	if n := totals.NotStarted + notLookedUp; n > 0 {
		parts = append(parts, fmt.Sprintf("%d not started", n))
	}
	return "interrupted: " + strings.Join(parts, ", ")
}

func label(it *item) string {
	if it.Dest != "" {
		return fmt.Sprintf("%s (%s)", it.Target, filepath.Base(it.Dest))
	}
	return it.Target
}

// explain adds what the user must do to engine errors that the CLI's
// error mapper does not know.
func explain(it *item) error {
	err := it.Err
	var hm *dl.HashMismatchError
	var ex *dl.ExistsError
	var full *dl.DiskFullError
	var he *dl.HTTPError
	var ae *api.Error
	var iu *dl.InUseError
	var hint *cmdutil.HintError
	switch {
	case errors.As(err, &iu):
		return err // its Hint says to close the program; neither server nor network failed
	// Windows opens a folder as a file with "Access denied", not EISDIR.
	case (errors.Is(err, dl.ErrInvalidRequest) || errors.Is(err, syscall.EISDIR) || errors.Is(err, fs.ErrPermission)) && errors.As(inTheWay(it.Dest), &hint):
		return cmdutil.WithHint(err, hint.Hint) // names the folder in the way, as the dry run does
	case errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission):
		// The folder cannot be written (a read-only mount, another
		// user's): the advice --dry-run gives.
		return destError(err)
	case errors.As(err, &hm):
		return cmdutil.WithHint(err, "the download was discarded; CivitAI, asked again, still publishes that hash: the hash or the stored file is wrong on their side; retry later, or use `--no-verify` if you trust the source")
	case errors.As(err, &ex) && errors.As(err, &hint):
		return err // withExistsHint's advice
	case errors.As(err, &ex):
		return cmdutil.WithHint(err, "use `--force` to replace it, or download it elsewhere")
	case errors.As(err, &full):
		if kept(it) {
			return cmdutil.WithHint(err, "free some space and run the same command again to resume")
		}
		return cmdutil.WithHint(err, "free some space and run the same command again")
	case errors.Is(err, dl.ErrBusy):
		return cmdutil.WithHint(err, "another civit is downloading this file to the same place; let it finish, or stop it and run the command again to resume")
	case storageHint(err) != "": // a certificate, a proxy, a captive portal, the storage's refusal
		return cmdutil.WithHint(err, storageHint(err))
	case errors.As(err, &he) && he.RetryAfter > 0:
		hint := fmt.Sprintf("the file's server asks to wait %s; run the same command again then", he.RetryAfter.Round(time.Second))
		if kept(it) {
			hint += ": it resumes what arrived"
		}
		return cmdutil.WithHint(err, hint)
	case dl.IsTransient(err) && !errors.As(err, &ae):
		if kept(it) {
			return cmdutil.WithHint(err, "the file's server or the network kept failing; run the same command again later: it resumes what arrived")
		}
		return cmdutil.WithHint(err, "the file's server or the network kept failing; run the same command again later")
	}
	return err
}

// kept reports whether the failed download of it left bytes that the next
// run resumes from (after empty answers or a refused first request,
// nothing arrived, and advice that promises a resume would mislead).
func kept(it *item) bool {
	if it.Dest == "" || it.Version == nil || it.File == nil {
		return false
	}
	done, _, ok := dl.Partial(it.Dest, identity(it))
	return ok && done > 0
}

// minConnShare is the least share of `--limit-rate` that warrants a
// connection of its own. Under a cap, more connections add no speed; each
// one only trickles: 16 connections × 5 files under 64 KiB/s got 800 B/s
// each, a pace at which a server's send timeout may drop them.
const minConnShare = 128 << 10

// connsUnderLimit is how many connections each of jobs files running at
// once gets under a cap of limit bytes per second: at most conns, at least
// one, and no more than give each about minConnShare.
func connsUnderLimit(limit int64, jobs, conns int) int {
	// Clamp while still int64: `--limit-rate` goes up to 1 PiB/s, whose
	// share is 2^33 connections, and int(2^33) wraps on 32-bit builds.
	share := min(limit/(int64(jobs)*minConnShare), int64(conns))
	return max(1, int(share))
}

// concurrent is how many files execute downloads at once: -j, or fewer
// when fewer are planned.
func concurrent(jobs int, items []*item) int {
	n := 0
	for _, it := range items {
		if it.Status != "failed" {
			n++
		}
	}
	return max(1, min(jobs, n))
}

// bufferSize is the read buffer per connection: 512 KiB for a lone file,
// 128 KiB when several run at once, which keeps five files × eight
// connections in tens of MB (the engine pools buffers per connection plus
// a few handed to the hasher). Bigger reads mean fewer system calls and
// fewer hand-overs to the hasher per byte: on loopback, where the CPU is
// the limit, one connection went from 3.43 s to 2.84 s for 2 GiB with
// 512 KiB instead of 128 KiB (BENCHMARKS.md, case B).
func bufferSize(files int) int {
	if files > 1 {
		return 128 << 10
	}
	return 512 << 10
}
