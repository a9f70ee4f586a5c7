// Package scan implements `civit scan`: index the model files under some
// folders in the library, hashing only what is new or changed, and
// identify them on CivitAI.
package scan

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/tableprinter"
)

// Options are the parsed flags of `civit scan`.
type Options struct {
	Factory *cmdutil.Factory

	Dirs          []string
	Recheck       bool
	Rehash        bool
	NoLookup      bool
	WriteSidecars bool
	Jobs          int
	Rate          float64 // CivitAI requests per second
	JSON          bool
	Quiet         bool
	Refresh       bool
}

// NewCmdScan returns the scan command. runF replaces the run in tests.
func NewCmdScan(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "scan [<dir>...] [flags]",
		Short: "Index and identify the model files in your folders",
		Long: strings.TrimSpace(`
Walk the given folders (default: the folders of the config keys roots and
root) and record every model file in civit's library
($XDG_DATA_HOME/civit/library.db): path, size, mtime, SHA-256 and what
CivitAI says it is.

Model files are *.safetensors, *.sft, *.ckpt, *.pt, *.pth, *.bin, *.gguf and
*.onnx. Partial downloads (*.part), hidden files and folders are skipped.
A symbolic link to a folder or a model file (models/Lora ->
/mnt/big/loras; on Windows also a junction, mklink /J) is followed, and
what it points to is indexed once, at its real path; a link to a folder
being scanned already, or to one of its parents, is not followed again.

Only files that are new, or whose size, mtime or inode changed, are hashed
(in parallel, -j at once); a rescan of an unchanged tree reads no file. A
file that was moved or renamed is recognised by its inode and not hashed
again, also when it comes from a folder of the library that is not
scanned this time (from one UI's folder to another's).

The sidecars other tools keep beside models are read first: .civitai.info
(Civitai Helper, Browser+), .cm-info.json (StabilityMatrix), .metadata.json
(LoRA Manager), .cminfo.json (Civicomfy), A1111's .json and .sha256. A
sidecar written after the model file last changed, and after it was put in
place (its inode change time; its creation time on Windows: cp -p and
backups keep an old mtime on new bytes), is trusted: its SHA-256 spares
the hashing, and its model and version ids spare the lookup. Where it
states the file's size (CivitAI's sizeKB), the size must fit, and of several
files of the model's name the one that fits is taken; a renamed file is
taken by its hash, and a file whose hash is none that a .civitai.info
lists is not that version's. A1111's .json, which A1111 rewrites whenever
a card is edited, names the model but its SHA-256 is checked by hashing.
Use --rehash to hash everything anyway.

Unknown hashes are looked up on CivitAI, 100 per request (with more than
100, CivitAI is first asked which of them it knows, 10,000 per request, and
only those are looked up), falling back to one request per hash when the
bulk request is refused; at most 3 requests
run at once, at --rate requests per second. A hash CivitAI does not know is
remembered and not asked again until --recheck. --no-lookup skips CivitAI.

Rows of files that were deleted are removed from the library. A folder that
does not exist (an unmounted drive) is reported and its rows are kept.

--write-sidecars writes the missing .civitai.info, A1111 .json and preview
image beside identified files.

The summary (scanned, hashed, identified, not on CivitAI, unknown, errors)
goes to stderr; --json prints it as JSON on stdout, also when the scan is
interrupted (with "interrupted": true and what it did until then).

EXIT STATUS
  0 done, 1 error (also when the only folder given, or its only file,
  failed), 2 bad flags or no folder to scan, 3 some of several files,
  folders or lookups failed (each is listed), 130 interrupted (run it
  again: finished files are kept).`),
		Example: strings.TrimSpace(`
# index two UIs' model folders
$ civit scan ~/ComfyUI/models ~/stable-diffusion-webui/models

# set the default folders once (separated by :, on Windows by ; and quoted: "D:\ComfyUI\models;E:\models")
$ civit config set roots ~/ComfyUI/models:/mnt/big/models
$ civit scan

# ask CivitAI again about files it did not know, and write sidecars
$ civit scan --recheck --write-sidecars`),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Dirs, err = cmdutil.PathArgs(args); err != nil {
				return err
			}
			if opts.Jobs < 0 || opts.Jobs > 64 {
				return cmdutil.FlagErrorf("`--jobs` must be between 1 and 64, got %d", opts.Jobs)
			}
			if err := cmdutil.CheckRate(opts.Rate); err != nil {
				return err
			}
			if opts.NoLookup && opts.Recheck {
				return cmdutil.FlagErrorf("`--recheck` asks CivitAI; it cannot go with `--no-lookup`")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Recheck, "recheck", false, "ask CivitAI again about files it did not know")
	fl.BoolVar(&opts.Rehash, "rehash", false, "hash every file again, ignoring stored hashes and sidecars")
	fl.BoolVar(&opts.NoLookup, "no-lookup", false, "do not ask CivitAI; only index and hash")
	fl.BoolVar(&opts.WriteSidecars, "write-sidecars", false, "write missing .civitai.info, .json and preview beside identified files")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "hash `N` files at once (default: number of CPUs)")
	fl.Float64Var(&opts.Rate, "rate", 2, "at most `N` CivitAI requests per second")
	fl.BoolVar(&opts.JSON, "json", false, "print the summary as JSON on stdout")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only errors and the summary")
	fl.BoolVar(&opts.Refresh, "refresh", false, "ignore cached API answers")
	return cmd
}

// Roots returns the folders to scan when none are given: the config keys
// roots (a path list) and root, with a leading ~ expanded.
func Roots(f *cmdutil.Factory) ([]string, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	roots, err := cfg.Value("roots")
	if err != nil {
		return nil, err
	}
	root, err := cfg.Value("root")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range append(filepath.SplitList(roots), root) {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out, nil
}

// Run scans.
func Run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	dirs := o.Dirs
	if len(dirs) == 0 {
		var err error
		if dirs, err = Roots(o.Factory); err != nil {
			return err
		}
		if len(dirs) == 0 {
			return cmdutil.WithHint(cmdutil.FlagErrorf("no folder to scan"),
				"give folders (`civit scan "+filepath.Join("~", "ComfyUI", "models")+"`), or set them once with `civit config set roots \"DIR1"+string(filepath.ListSeparator)+"DIR2\"`")
		}
	}
	maxNSFW, err := cmdutil.PreviewMaxNSFW(o.Factory)
	if err != nil {
		return err
	}
	st, err := o.Factory.Store(ctx)
	if err != nil {
		return err
	}
	so := library.ScanOptions{
		Roots:          dirs,
		Store:          st,
		Jobs:           o.Jobs,
		Limiter:        rate.NewLimiter(rate.Limit(o.Rate), max(1, min(4, int(o.Rate*2)))),
		Recheck:        o.Recheck,
		Rehash:         o.Rehash,
		WriteSidecars:  o.WriteSidecars,
		PreviewMaxNSFW: maxNSFW,
		Progress:       &library.Progress{},
	}
	if !o.NoLookup {
		c, err := o.Factory.APIClient(o.Refresh)
		if err != nil {
			return err
		}
		so.Client = c
		so.BaseURL = c.BaseURL().String()
		if o.WriteSidecars {
			hc, err := o.Factory.HTTPClient()
			if err != nil {
				return err
			}
			so.HTTPClient = hc
		}
	}
	stop := startProgress(ios.ErrOut, ios.CanAnimate() && !o.Quiet, so.Progress)
	sum, err := library.Scan(ctx, so)
	stop()
	if err != nil && sum == nil {
		return err
	}
	// Interrupted (err and a summary): what was done is reported as a
	// finished scan's is, and the exit is still the interrupt's.
	// Each failure on its line, then the advice for them, each piece once
	// (a 429 storm fails dozens of lookups: one "try again in").
	fails := cmdutil.NewFailures(o.Factory)
	for _, fe := range sum.ErrorDetails {
		fails.Add(fe.Path, fe)
	}
	_ = fails.Err(sum.Errors, sum.Errors, "") // prints the hints; scanError decides the exit code
	for _, sk := range sum.SidecarsSkipped {
		fmt.Fprintln(ios.ErrOut, tableprinter.Clean("civit: warning: "+sk.Path+": "+sk.Err))
	}
	if len(sum.SidecarsSkipped) > 0 {
		fmt.Fprintln(ios.ErrOut, "civit: hint: rename such a model file shorter (its sidecars take its name), then run `civit scan --write-sidecars` again")
	}
	if o.JSON {
		if err := cmdutil.WriteJSON(ios.Out, sum); err != nil {
			return err
		}
	}
	fmt.Fprintln(ios.ErrOut, SummaryLine(sum))
	if err != nil {
		return cmdutil.WithHint(err, "run the same command again: the files hashed so far are kept")
	}
	return scanError(sum, len(dirs))
}

// scanError is the error a scan with failures exits with: 1 when every
// item failed (one folder given, holding at most one file, say), 3 when some of
// several did, as `civit download` and `civit hash` decide. A failed folder
// counts as an item. The failures are already listed.
func scanError(sum *library.Summary, folders int) error {
	if sum.Errors == 0 {
		return nil
	}
	total := max(sum.Scanned+sum.FailedFolders, sum.Errors, folders)
	if total <= 1 {
		return cmdutil.ErrSilent
	}
	return &cmdutil.PartialError{Failed: sum.Errors, Total: total, What: "files, folders or lookups"}
}

// SummaryLine is the one-line summary printed at the end of a scan.
func SummaryLine(s *library.Summary) string {
	var b strings.Builder
	if s.Interrupted {
		b.WriteString("interrupted: ")
	}
	fmt.Fprintf(&b, "%d scanned, %d hashed (%s), %d identified, %d not on CivitAI, %d unknown, %d errors",
		s.Scanned, s.Hashed, tableprinter.Bytes(s.HashedBytes), s.Identified, s.NotOnCivitai, s.Unknown, s.Errors)
	var extra []string
	if s.NewlyIdentified > 0 {
		extra = append(extra, fmt.Sprintf("%d newly identified", s.NewlyIdentified))
	}
	if s.FromSidecars > 0 {
		extra = append(extra, fmt.Sprintf("%d from sidecars", s.FromSidecars))
	}
	if s.Renamed > 0 {
		extra = append(extra, fmt.Sprintf("%d moved", s.Renamed))
	}
	if s.Pruned > 0 {
		extra = append(extra, fmt.Sprintf("%d removed", s.Pruned))
	}
	if s.SidecarsWritten > 0 {
		extra = append(extra, fmt.Sprintf("sidecars written for %d", s.SidecarsWritten))
	}
	if s.Lookups > 0 {
		extra = append(extra, fmt.Sprintf("%d CivitAI requests", s.Lookups))
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	el := s.Elapsed.Round(time.Millisecond)
	if s.Elapsed < 100*time.Millisecond {
		el = s.Elapsed.Round(10 * time.Microsecond)
	}
	fmt.Fprintf(&b, " in %s", el)
	return b.String()
}

// startProgress draws one status line on a terminal, refreshed 5 times a
// second; elsewhere it prints nothing. stop erases the line.
func startProgress(w io.Writer, tty bool, p *library.Progress) (stop func()) {
	if !tty {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		tk := time.NewTicker(200 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-tk.C:
				fmt.Fprintf(w, "\r\033[K%s", progressLine(p, time.Since(start)))
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

func progressLine(p *library.Progress, el time.Duration) string {
	switch p.Phase() {
	case "hashing":
		speed := ""
		if s := el.Seconds(); s > 0 {
			speed = fmt.Sprintf(", %s/s", tableprinter.Bytes(int64(float64(p.HashedBytes.Load())/s)))
		}
		return fmt.Sprintf("hashing %d/%d files, %s of %s%s", p.Hashed.Load(), p.ToHash.Load(),
			tableprinter.Bytes(p.HashedBytes.Load()), tableprinter.Bytes(p.ToHashBytes.Load()), speed)
	case "identifying":
		return fmt.Sprintf("identifying on CivitAI (%d requests)", p.Lookups.Load())
	case "sidecars":
		return "writing sidecars"
	}
	return fmt.Sprintf("looking for model files: %d found", p.Files.Load())
}
