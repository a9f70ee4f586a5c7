package download

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/tableprinter"
)

// fileReport is one entry of the --json plan or report.
type fileReport struct {
	Target    string `json:"target"`
	Status    string `json:"status"`
	ModelID   int64  `json:"modelId,omitempty"`
	Model     string `json:"model,omitempty"`
	ModelType string `json:"modelType,omitempty"`
	VersionID int64  `json:"versionId,omitempty"`
	Version   string `json:"version,omitempty"`
	BaseModel string `json:"baseModel,omitempty"`
	FileID    int64  `json:"fileId,omitempty"`
	File      string `json:"file,omitempty"`
	Size      int64  `json:"size,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	Path      string `json:"path,omitempty"`
	Access    string `json:"access,omitempty"`
	OnDisk    string `json:"onDisk,omitempty"` // --dry-run: what is at path already
	// BytesFetched is what this run received for the file, bytes it
	// discarded (a wrong hash, a restart) included: the summary adds them up.
	BytesFetched int64   `json:"bytesFetched"`
	Seconds      float64 `json:"seconds,omitempty"`
	Resumed      bool    `json:"resumed,omitempty"`
	ReusedFrom   string  `json:"reusedFrom,omitempty"`
	Error        string  `json:"error,omitempty"`
	// Hints say what to do about Error, as the error lines do.
	Hints []string `json:"hints,omitempty"`
	Notes []string `json:"notes,omitempty"`
}

// absPaths makes the paths of reps absolute, for --json: its readers may
// run elsewhere, and reusedFrom is absolute already. Tables keep the paths
// as the user gave them.
func absPaths(reps []fileReport) []fileReport {
	for i, r := range reps {
		if a, err := filepath.Abs(r.Path); err == nil && r.Path != "" {
			reps[i].Path = a
		}
	}
	return reps
}

// report lists items for --json; explain, if not nil, gives each failure
// its hints (cmdutil.Factory.Explain).
func report(items []*item, explainErr func(error) (string, []string, int)) []fileReport {
	out := make([]fileReport, 0, len(items))
	for _, it := range items {
		r := fileReport{Target: it.Target, Status: it.Status, ModelID: it.ModelID, Model: it.Model, ModelType: it.Type, Path: it.Dest,
			BytesFetched: it.BytesFetched, Seconds: it.Elapsed.Seconds(), Resumed: it.Resumed, ReusedFrom: it.ReusedFrom, Notes: it.Notes, SHA256: it.SHA256}
		if v := it.Version; v != nil {
			r.VersionID, r.Version, r.BaseModel = v.ID, v.Name, v.BaseModel
		}
		if f := it.File; f != nil {
			r.FileID, r.File, r.Size = f.ID, f.Name, f.SizeBytes()
			if r.SHA256 == "" {
				r.SHA256 = f.Hashes.SHA256()
			}
		}
		if it.Err != nil {
			r.Error = it.Err.Error()
			if explainErr != nil {
				_, r.Hints, _ = explainErr(explain(it))
			}
		}
		out = append(out, r)
	}
	return out
}

// access says, for --dry-run, whether the current key may download it,
// from what is known without asking the download endpoint: a dry run must
// not count as downloads on CivitAI nor use up the per-user download
// limit. The version says whether its creator allows downloads; its
// pre-flight answer (/model-versions/mini) whether a key is needed and
// whether access must be bought (early access). Whether a given key is
// accepted only a real run can tell. refused is the error a run would
// fail with, as the run's own would be explained (exit 4 for a key
// needed); unknown is why CivitAI could not tell.
func access(ctx context.Context, c *api.Client, it *item) (desc string, refused, unknown error) {
	v := it.Version
	if v.Model != nil && v.Model.Mode == "Archived" {
		return "archived", &api.Error{Kind: api.KindArchived, Message: "the model is archived"}, nil
	}
	if uc := v.UsageControl; uc != "" && !strings.EqualFold(uc, "Download") {
		return "downloads disabled by the creator (generation on CivitAI only)",
			&api.Error{Kind: api.KindAuthRequired, Message: "the creator of this asset has disabled downloads on this file"}, nil
	}
	m, err := c.GetVersionMini(ctx, v.ID)
	if err != nil {
		return "error: " + err.Error(), nil, err
	}
	if end := m.EarlyAccessEndsAt.Time; bool(m.CheckPermission) || end.After(time.Now()) {
		s := "early access"
		if !end.IsZero() {
			s += " until " + end.UTC().Format("2006-01-02 15:04 MST")
		}
		if c.HasAPIKey() {
			return s + " (unless your account has bought it)", nil, nil
		}
		return s, &api.Error{Kind: api.KindEarlyAccess, Message: "in early access: only accounts that bought it can download it", Deadline: end}, nil
	}
	if bool(m.RequireAuth) && !c.HasAPIKey() {
		return "needs API key (set CIVITAI_API_KEY)", &api.Error{Kind: api.KindAuthRequired, Message: "downloading it needs an API key"}, nil
	}
	return "ok", nil, nil
}

// accessAll runs access for the items not failed already, planConcurrency
// at a time as planning does (one pre-flight request each: one after the
// other, 184 files at 300 ms took a minute), each into its own entry of
// reps (Access) and unknown; it returns the refusals in item order.
func accessAll(ctx context.Context, c *api.Client, items []*item, reps []fileReport, unknown []error) []error {
	refused := make([]error, len(items))
	var g errgroup.Group
	g.SetLimit(planConcurrency)
	for i, it := range items {
		if it.Status == "failed" {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			reps[i].Access, refused[i], unknown[i] = access(ctx, c, it)
			return nil
		})
	}
	_ = g.Wait()
	return refused
}

// asksCivitai reports whether the run will certainly ask the download
// endpoint for r's file: nothing is at its path, or a partial download or a
// file --force replaces, and the library has no copy. A file there that
// only its hash will tell apart may be the right one (the run then asks
// nothing), or another (the run refuses it first): access does not decide.
func asksCivitai(r fileReport) bool {
	if r.ReusedFrom != "" {
		return false
	}
	switch {
	case r.OnDisk == "", strings.HasPrefix(r.OnDisk, "partial:"), strings.HasSuffix(r.OnDisk, "replaced (--force)"):
		return true
	}
	return false
}

// mustForce is, for --dry-run, the run's refusal to replace what onDisk
// found at it.Dest without --force (state ends "needs --force"), with the
// run's advice; nil otherwise.
func mustForce(ctx context.Context, o *Options, it *item, state string) error {
	reason, ok := strings.CutSuffix(state, ": needs --force")
	if !ok {
		return nil
	}
	reason = strings.TrimSuffix(reason, " is there")
	if target, err := os.Readlink(it.Dest); err == nil && strings.HasPrefix(reason, "a symbolic link") {
		reason = fmt.Sprintf("a symbolic link to %s, which does not exist", target)
	}
	if reason == "a different file" {
		// As the run says it: by its size, else by the library's hash.
		reason = "the library's SHA-256 of it is not the published one"
		if fi, err := os.Stat(it.Dest); err == nil && fi.Size() != it.File.SizeBytes() {
			reason = fmt.Sprintf("size %d, expected about %d", fi.Size(), it.File.SizeBytes())
		}
	}
	return withExistsHint(ctx, o, it, &dl.ExistsError{Path: it.Dest, Reason: reason})
}

// dryRun prints the plan: what would be downloaded where, and whether the
// current key may download it.
func dryRun(ctx context.Context, o *Options, c *api.Client, items []*item) error {
	ios := o.Factory.IOStreams
	failed := 0
	reps := report(items, o.Factory.Explain)
	toFetch := make([]int64, len(items))
	unknown := make([]error, len(items)) // access CivitAI did not tell
	blocked := make([]error, len(items)) // the run would fail on it: its folder, or a folder in the way
	dests := destChecks{}
	refusals := accessAll(ctx, c, items, reps, unknown)
	for i, it := range items {
		if it.Status == "failed" {
			failed++
			continue
		}
		refused := refusals[i]
		reps[i].OnDisk, toFetch[i] = onDisk(ctx, o, it)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if from := libraryCopies(ctx, o, it); len(from) > 0 {
			reps[i].ReusedFrom = from[0] // to be checked by its hash then
		}
		// What the run would refuse, as it would say it: a file in the way
		// first (checked before any request), then access, unless the
		// file comes from the library and nothing is downloaded.
		blocked[i] = mustForce(ctx, o, it, reps[i].OnDisk)
		if blocked[i] == nil && refused != nil && asksCivitai(reps[i]) {
			blocked[i] = refused
		}
		if blocked[i] == nil && reps[i].OnDisk != "already present" {
			need := toFetch[i]
			switch {
			case reps[i].ReusedFrom != "":
				need = 0 // linked or copied (checked when run)
			case strings.HasPrefix(reps[i].OnDisk, "partial: resumes"):
				// Nothing where fallocate took it all up front; where the
				// .part is sparse (tmpfs), what is not on disk yet. One
				// that cannot be resumed is fetched whole.
				need = dl.PartialNeed(it.Dest)
			}
			blocked[i] = dests.check(filepath.Dir(it.Dest), need)
			if blocked[i] == nil {
				blocked[i] = inTheWay(it.Dest)
			}
		}
		if err := blocked[i]; err != nil {
			// As a lookup that failed: the run would fail it.
			reps[i].Status, reps[i].Error = "failed", err.Error()
			if o.Factory.Explain != nil {
				_, reps[i].Hints, _ = o.Factory.Explain(err)
			}
		}
	}
	dests.warnSpace(o)
	if o.JSON {
		if err := cmdutil.WriteJSON(ios.Out, absPaths(reps)); err != nil {
			return err
		}
	} else {
		tty := ios.IsStdoutTTY()
		tp := tableprinter.New(ios.Out, tty, 0, "file", "size", "sha256", "access", "path")
		tp.SetHeaderStyle(ios.ColorScheme().Bold)
		// What the run would do, counted as its summary counts it: the
		// files it would fetch (and their bytes), those present already or
		// taken from the library, and those it would fail.
		var total int64
		fetch, present, fromLibrary, wouldFail := 0, 0, 0, failed
		for i, r := range reps {
			if items[i].Status == "failed" {
				continue // not planned: listed below
			}
			sha := r.SHA256
			if sha == "" {
				sha = "(none published)"
			} else if tty {
				sha = sha[:min(len(sha), 12)] + "…"
			}
			var acc []string
			if r.Access != "ok" || r.Error == "" {
				// A key that may download a file the run fails on (a
				// folder it cannot write, a folder in the way) is not
				// "ok": that would contradict the row's end.
				acc = append(acc, r.Access)
			}
			partial := strings.HasPrefix(r.OnDisk, "partial:")
			forced := strings.HasSuffix(r.OnDisk, "replaced (--force)")
			switch {
			case partial && r.ReusedFrom != "":
				// The run takes the library's copy and drops the partial.
				acc = append(acc, "in the library (the partial download is dropped)")
			case forced && r.ReusedFrom != "":
				acc = append(acc, r.OnDisk+" with the library's copy")
			case r.OnDisk == "already present" && leftover(items[i].Dest):
				acc = append(acc, r.OnDisk, "the partial download left beside it is removed")
			case r.OnDisk != "":
				acc = append(acc, r.OnDisk)
			case r.ReusedFrom != "":
				acc = append(acc, "in the library")
			}
			switch {
			case r.Error != "" && dests.errs[filepath.Dir(items[i].Dest)] != nil:
				acc = append(acc, "cannot be written there (see below)")
			case r.Error != "":
				acc = append(acc, "fails when run (see below)")
			}
			tp.AddRow(fmt.Sprintf("%s (model %d, version %d, file %d)", r.File, r.ModelID, r.VersionID, r.FileID), tableprinter.Bytes(r.Size), sha, strings.Join(acc, "; "), r.Path)
			switch {
			case r.Error != "":
				wouldFail++
			case (r.OnDisk == "" || partial || forced) && r.ReusedFrom != "":
				fromLibrary++ // linked or copied: not fetched
			case r.OnDisk == "already present":
				present++
			default:
				fetch++
				total += toFetch[i]
			}
		}
		if err := tp.Render(); err != nil {
			return err
		}
		summary := fmt.Sprintf("%s, %s to download", plural(fetch, "file"), tableprinter.Bytes(total))
		if present > 0 {
			summary += fmt.Sprintf(", %d already present", present)
		}
		if fromLibrary > 0 {
			summary += fmt.Sprintf(", %d from the library", fromLibrary)
		}
		if wouldFail > 0 {
			summary += fmt.Sprintf(", %d would fail", wouldFail)
		}
		fmt.Fprintf(ios.ErrOut, "%s; nothing downloaded (--dry-run)\n", summary)
	}
	// Each failure on its line, a target that could not be planned or a
	// file whose access CivitAI did not tell (a 429 storm), then the advice
	// for them, each piece once, and the exit code a run would have.
	if len(items) == 1 {
		// One target: its one error line and advice, as the run says it.
		switch {
		case failed == 1:
			return explain(items[0])
		case unknown[0] != nil:
			return fmt.Errorf("%s: cannot tell whether it can be downloaded: %w", label(items[0]), unknown[0])
		case blocked[0] != nil:
			return fmt.Errorf("%s: %w", label(items[0]), blocked[0])
		}
	}
	fails := cmdutil.NewFailures(o.Factory)
	for i, it := range items {
		switch {
		case it.Status == "failed":
			fails.Add(label(it), explain(it))
		case unknown[i] != nil:
			failed++
			fails.Add(label(it), fmt.Errorf("cannot tell whether it can be downloaded: %w", unknown[i]))
		case blocked[i] != nil:
			failed++
			fails.Add(label(it), blocked[i])
		}
	}
	return fails.Err(failed, len(items), "planned downloads")
}

// plural is "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
