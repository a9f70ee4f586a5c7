package download

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	unorm "golang.org/x/text/unicode/norm"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/layout"
	"github.com/civit/civit/internal/tableprinter"
	"github.com/civit/civit/internal/target"
)

// planConcurrency bounds the API lookups made while planning.
const planConcurrency = 4

// item is one file to download, or a target that could not be planned.
type item struct {
	Target  string            `json:"target"`
	ModelID int64             `json:"modelId,omitempty"`
	Model   string            `json:"model,omitempty"`
	Type    string            `json:"modelType,omitempty"`
	Version *api.ModelVersion `json:"-"`
	File    *api.File         `json:"-"`
	Dest    string            `json:"path,omitempty"`
	// ModelDescription is the model's description (HTML) when the model
	// was fetched; the A1111 sidecar prefers it to the version's, as
	// Civitai Helper and Browser+ do.
	ModelDescription string `json:"-"`
	// modelFetched: the planner had the model (its description may be
	// empty), so the sidecars need not ask for it.
	modelFetched bool

	// Filled while running.
	Status       string        `json:"status"` // planned, downloaded, present, reused, failed
	Err          error         `json:"-"`
	BytesFetched int64         `json:"bytesFetched,omitempty"`
	Elapsed      time.Duration `json:"-"`
	Resumed      bool          `json:"resumed,omitempty"`
	ReusedFrom   string        `json:"reusedFrom,omitempty"` // the library's copy it was linked or copied from
	Linked       bool          `json:"-"`
	SHA256       string        `json:"sha256,omitempty"`
	Notes        []string      `json:"notes,omitempty"`
}

// planner turns targets into items.
type planner struct {
	o *Options
	c *api.Client
	// warn prints a note for the user (stderr).
	warn func(format string, args ...any)
	// models are the targets' models fetched in lists (prefetchModels).
	models map[int64]*api.Model
}

// listIDs is how many models one list request asks for (the API's page
// size limit).
const listIDs = 100

// prefetchModels asks for the models of the targets given by model id 100
// at a time (/models?ids=), as outdated does: a list of 500 model ids costs
// 5 requests, not 500. A model the list does not return (hidden from
// lists, deleted, a version id given as a model id) is asked for alone by
// planTarget, which tells why; so is every model when a list request fails.
// The models of version targets that name theirs (a model page URL with
// ?modelVersionId=, an AIR) come in the same lists when something needs
// them: their description for the A1111 sidecar, their creator for
// --subdir; a model the lists lack is asked for alone when needed.
func (p *planner) prefetchModels(ctx context.Context) {
	var ids []int64
	seen := map[int64]bool{}
	versionModels := !p.o.NoSidecars && !p.o.DryRun || p.o.Subdir.Uses("creator")
	for _, t := range p.o.Targets {
		if t.ModelID > 0 && (t.VersionID == 0 || versionModels) && !seen[t.ModelID] {
			seen[t.ModelID] = true
			ids = append(ids, t.ModelID)
		}
	}
	if len(ids) < 2 {
		return
	}
	p.models = map[int64]*api.Model{}
	all := true // every maturity level: a list shows PG only by default
	for start := 0; start < len(ids); start += listIDs {
		chunk := ids[start:min(start+listIDs, len(ids))]
		page, err := p.c.ListModels(ctx, &api.ModelsOptions{IDs: chunk, Limit: listIDs, NSFW: &all})
		if err != nil {
			continue
		}
		for _, m := range page.Items {
			if seen[m.ID] {
				p.models[m.ID] = lighten(m)
			}
		}
	}
}

// lighten drops what planning never reads of a listed model: its JSON as
// it came and its versions' (sidecars use the version's own detail
// answer), and the versions' images. A list of 1000 model ids held all of
// it until planning ended: 28 MB live, 77 MB of memory at the peak.
func lighten(m *api.Model) *api.Model {
	m.Raw = nil
	for _, v := range m.ModelVersions {
		v.Raw, v.Images = nil, nil
	}
	return m
}

func (p *planner) plan(ctx context.Context) ([]*item, error) {
	p.prefetchModels(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Targets are looked up a few at a time (API calls), kept in order.
	// Their notes wait for pick: a model target that a --version replaces
	// has nothing to say (its newest version being in early access, say).
	n := len(p.o.Targets)
	planned, notes := make([][]*item, n), make([][]string, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(planConcurrency)
	for i, t := range p.o.Targets {
		g.Go(func() error {
			note := func(format string, args ...any) { notes[i] = append(notes[i], fmt.Sprintf(format, args...)) }
			got, err := p.lookup(ctx, gctx, t, note)
			planned[i] = got
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	p.pick(planned)
	var items []*item
	for i, got := range planned {
		if got != nil { // nil: replaced by a pick
			for _, msg := range notes[i] {
				p.warn("%s", msg)
			}
		}
		items = append(items, got...)
	}
	return dedupe(items, caseInsensitiveFS), nil
}

// lookup plans target t with planTarget; a failure other than ctx's
// (gctx's parent) becomes a failed item.
func (p *planner) lookup(ctx, gctx context.Context, t target.Target, note func(string, ...any)) ([]*item, error) {
	got, err := p.planTarget(gctx, t, note)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		got = []*item{{Target: t.Input, Status: "failed", Err: err}}
	}
	return got, nil
}

// caseInsensitiveFS is true where the usual file systems ignore case
// (NTFS, APFS): there x.safetensors and X.safetensors are one file.
const caseInsensitiveFS = runtime.GOOS == "windows" || runtime.GOOS == "darwin"

// dedupe fetches the same file named by two targets once, and refuses two
// different files that would land on the same path (a version can hold
// several files with one name, e.g. fp16 and fp8), paths compared without
// case when foldCase.
func dedupe(items []*item, foldCase bool) []*item {
	d := newDeduper(foldCase)
	var out []*item
	for _, it := range items {
		if d.keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// deduper is dedupe one item at a time, in plan order (stream uses it as
// targets are planned).
type deduper struct {
	foldCase bool
	byFile   map[int64]bool
	byDest   map[string]*item
}

func newDeduper(foldCase bool) *deduper {
	return &deduper{foldCase: foldCase, byFile: map[int64]bool{}, byDest: map[string]*item{}}
}

// keep reports whether it is kept: false for a file planned already; a
// different file for a path planned already is kept, failed.
func (d *deduper) keep(it *item) bool {
	if it.File == nil {
		return true
	}
	if d.byFile[it.File.ID] {
		return false
	}
	d.byFile[it.File.ID] = true
	key := it.Dest
	if d.foldCase {
		key = strings.ToLower(key)
	}
	if other, ok := d.byDest[key]; ok {
		fix := fmt.Sprintf("choose one with `--file ID` (%d or %d)", other.File.ID, it.File.ID)
		if a, b := other.File.Metadata.QuantType, it.File.Metadata.QuantType; other.Version.ID == it.Version.ID && a != "" && b != "" && !strings.EqualFold(a, b) {
			// Two quantisations of one GGUF: the quantisation is the choice.
			fix = fmt.Sprintf("choose one with `--quant %s` or `--quant %s`", a, b)
		}
		switch {
		case other.Version.ID != it.Version.ID && other.ModelID != it.ModelID:
			fix = "give each model its own folder with `--subdir '{model}'`"
		case other.Version.ID != it.Version.ID:
			fix = "give each version its own folder with `--subdir '{version}'`"
		}
		it.Status, it.Err = "failed", cmdutil.WithHint(fmt.Errorf("file %d (%s, version %s) would overwrite file %d planned for the same path %s",
			it.File.ID, describe(it.File), it.Version.Name, other.File.ID, it.Dest), fix)
	} else {
		d.byDest[key] = it
	}
	return true
}

// stream plans the targets as plan does, a few at a time, and sends their
// items on the returned channel in target order as soon as every earlier
// target is planned, so that downloads start after the first lookup
// rather than after all of them (a list of 200 versions is 50 rounds of
// API calls). The channel is closed at the end, or when ctx ends (after
// an "interrupted" item for each target not sent yet, so that the --json
// report lists every target); wait then returns ctx's error, if any. The
// reader must read until the channel is closed. Not for --version picks
// beside model ids, which need every target planned first (plan).
func (p *planner) stream(ctx context.Context) (items <-chan *item, wait func() error) {
	out := make(chan *item)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		sent, err := p.emit(ctx, out)
		if err != nil {
			for _, t := range p.o.Targets[sent:] {
				out <- &item{Target: t.Input, Status: "interrupted"}
			}
		}
		errc <- err
	}()
	return out, func() error { return <-errc }
}

// emit is stream's work. It returns how many targets, from the first,
// were sent (a target counts once one of its items was, or it had none
// left after de-duplication).
func (p *planner) emit(ctx context.Context, out chan<- *item) (sent int, err error) {
	p.prefetchModels(ctx)
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := len(p.o.Targets)
	planned := make([][]*item, n)
	ready := make([]chan struct{}, n)
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(planConcurrency)
	submitted := make(chan struct{})
	// Every lookup has ended when emit returns, also when interrupted.
	defer func() {
		<-submitted
		_ = g.Wait()
	}()
	go func() {
		defer close(submitted)
		for i, t := range p.o.Targets {
			g.Go(func() error {
				defer close(ready[i])
				got, err := p.lookup(ctx, gctx, t, p.warn)
				planned[i] = got
				return err
			})
		}
	}()
	d := newDeduper(caseInsensitiveFS)
	for i := range n {
		select {
		case <-ready[i]:
		case <-ctx.Done():
			return i, ctx.Err()
		}
		for _, it := range planned[i] {
			if !d.keep(it) {
				continue
			}
			select {
			case out <- it:
				sent = i + 1
			case <-ctx.Done():
				return sent, ctx.Err()
			}
		}
		sent = i + 1
	}
	return n, ctx.Err()
}

// pick applies --version beside model ids: each picked version replaces its
// model's newest; a version of a model not given is refused.
func (p *planner) pick(planned [][]*item) {
	if len(p.o.picks) == 0 {
		return
	}
	models := map[int64]int{} // model id -> index of its target
	for i, t := range p.o.Targets {
		if !slices.Contains(p.o.picks, i) && t.ModelID != 0 {
			models[t.ModelID] = i
		}
	}
	replaced := map[int]bool{}
	for _, i := range p.o.picks {
		if m, ok := models[p.o.Targets[i].ModelID]; ok && p.o.Targets[i].ModelID != 0 {
			replaced[m] = true // bound to its model already (one model id given)
		}
		for _, it := range planned[i] {
			if it.Version == nil {
				continue // failed already
			}
			if m, ok := models[it.Version.ModelID]; ok {
				replaced[m] = true
				continue
			}
			given := "which is not among the models given"
			if len(models) == 1 {
				for id := range models {
					given = fmt.Sprintf("not %d", id)
				}
			}
			it.Status, it.Err = "failed", fmt.Errorf("version %d belongs to model %d, %s", it.Version.ID, it.Version.ModelID, given)
			it.File, it.Dest = nil, ""
		}
	}
	for m := range replaced {
		planned[m] = nil
	}
}

func (p *planner) planTarget(ctx context.Context, t target.Target, note func(string, ...any)) ([]*item, error) {
	var versions []*api.ModelVersion
	var model *api.Model
	switch {
	case t.VersionID != 0:
		v, err := p.c.GetModelVersion(ctx, t.VersionID)
		if err != nil {
			return nil, notFound(err, "version", t.VersionID)
		}
		if t.ModelID != 0 && v.ModelID != 0 && v.ModelID != t.ModelID {
			return nil, fmt.Errorf("version %d belongs to model %d, not %d", v.ID, v.ModelID, t.ModelID)
		}
		p.namedDirectly(t, v, note)
		versions = []*api.ModelVersion{v}
		model = p.models[v.ModelID] // fetched already for another target, or listed for this one
	default:
		m, err := p.models[t.ModelID], error(nil)
		if m == nil {
			m, err = p.c.GetModel(ctx, t.ModelID)
		}
		if errors.Is(err, api.ErrNotFound) {
			// A version id where a model id was expected (as show does).
			if v, verr := p.c.GetModelVersion(ctx, t.ModelID); verr == nil {
				note("%d is a version id, not a model id: downloading version %d (%s) of model %d (`civit download --version %d` says so)", t.ModelID, v.ID, v.Name, v.ModelID, v.ID)
				p.namedDirectly(t, v, note)
				versions = []*api.ModelVersion{v}
				break
			}
		}
		if err != nil {
			return nil, notFound(err, "model", t.ModelID)
		}
		model = m
		if m.Mode == "Archived" {
			return nil, &api.Error{Kind: api.KindArchived, Message: fmt.Sprintf("model %d (%s) is archived: its files can no longer be downloaded", m.ID, m.Name)}
		}
		chosen, err := p.chooseVersions(m, note)
		if err != nil {
			return nil, err
		}
		for _, mv := range chosen {
			// The detail endpoint has the fields sidecars need (model{},
			// full file metadata); it is one cached call per version.
			v, err := p.c.GetModelVersion(ctx, mv.ID)
			if err != nil {
				return nil, notFound(err, "version", mv.ID)
			}
			versions = append(versions, v)
		}
	}
	creator, err := p.creator(ctx, model, versions)
	if err != nil {
		return nil, err
	}
	var items []*item
	var firstErr error
	for _, v := range versions {
		files, err := p.chooseFiles(v, t)
		if err != nil && len(versions) > 1 {
			// --all-versions with a file choice: the versions that have
			// a match are downloaded, the others noted.
			note("%s: version %d (%s) skipped: %v", t.Input, v.ID, v.Name, firstLine(err))
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			it := &item{Target: t.Input, ModelID: v.ModelID, Version: v, File: f, Status: "planned"}
			if v.Model != nil {
				it.Model, it.Type = v.Model.Name, string(v.Model.Type)
			}
			if model != nil {
				it.Model, it.Type = model.Name, string(model.Type)
				it.ModelDescription, it.modelFetched = model.Description, true
			}
			it.Dest, err = p.dest(v, f, layout.Fields{
				Base: v.BaseModel, Type: it.Type, Creator: creator, Model: it.Model,
				ModelID: v.ModelID, Version: v.Name, VersionID: v.ID,
			})
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
	}
	if len(items) == 0 && firstErr != nil {
		return nil, fmt.Errorf("no version matches: %w", firstErr)
	}
	return items, nil
}

// firstLine is the start of err's message, up to the list of files that a
// failed choice appends.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "; its files are")
	return s
}

// chooseVersions picks the versions of a model to download: all with
// --all-versions, else the newest that is not in early access (telling the
// user when a newer early-access version was passed over).
func (p *planner) chooseVersions(m *api.Model, note func(string, ...any)) ([]*api.ModelVersion, error) {
	if len(m.ModelVersions) == 0 {
		return nil, fmt.Errorf("model %d (%s) has no published version", m.ID, m.Name)
	}
	versions := m.ModelVersions
	if b := p.o.BaseModel; b != "" {
		versions = nil
		var bases []string
		for _, v := range m.ModelVersions {
			if sameBase(v.BaseModel, b) {
				versions = append(versions, v)
			} else if !slices.Contains(bases, v.BaseModel) {
				bases = append(bases, v.BaseModel)
			}
		}
		if len(versions) == 0 {
			return nil, fmt.Errorf("model %d (%s) has no version for base model %q; its versions are for %s", m.ID, m.Name, b, cmdutil.QuoteList(bases))
		}
	}
	if p.o.AllVersions {
		return versions, nil
	}
	for _, v := range versions {
		if !inEarlyAccess(v) {
			// (Not said when another target names the newest version: the
			// user asked for it already, and hears about it there.)
			if newest := versions[0]; v != newest && !slices.ContainsFunc(p.o.Targets, func(t target.Target) bool { return t.VersionID == newest.ID }) {
				note("model %d: newest version %d (%s) is in early access%s; downloading version %d (%s); use `--version %d` to try the newer one",
					m.ID, newest.ID, newest.Name, until(newest), v.ID, v.Name, newest.ID)
			}
			return []*api.ModelVersion{v}, nil
		}
	}
	return versions[:1], nil
}

// namedDirectly notes the version choices that do not apply to a version
// the user named (--base-model, --all-versions choose among a model's).
func (p *planner) namedDirectly(t target.Target, v *api.ModelVersion, note func(string, ...any)) {
	if b := p.o.BaseModel; b != "" && !sameBase(v.BaseModel, b) {
		note("%s: version %d (%s) is for %s, not %s: a version named directly is taken as it is", t.Input, v.ID, v.Name, v.BaseModel, b)
	}
	if p.o.AllVersions {
		note("%s: --all-versions does not apply to version %d, named directly", t.Input, v.ID)
	}
}

// sameBase compares base model names as CivitAI spells them, ignoring
// case and spaces ("SDXL 1.0", "sdxl1.0").
func sameBase(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	return norm(a) == norm(b)
}

func inEarlyAccess(v *api.ModelVersion) bool {
	if v.Availability == "EarlyAccess" {
		return true
	}
	return !v.EarlyAccessDeadline.IsZero() && v.EarlyAccessDeadline.After(time.Now())
}

func until(v *api.ModelVersion) string {
	if v.EarlyAccessDeadline.IsZero() {
		return ""
	}
	return " until " + v.EarlyAccessDeadline.UTC().Format("2006-01-02")
}

// chooseFiles applies --file/--type/--format/--fp/--size/--all-files and a
// download link's own selectors to a version's files.
func (p *planner) chooseFiles(v *api.ModelVersion, t target.Target) ([]*api.File, error) {
	if len(v.Files) == 0 {
		if v.Model != nil && v.Model.Mode == "Archived" {
			return nil, &api.Error{Kind: api.KindArchived, Message: fmt.Sprintf("model %s is archived: the files of version %d (%s) can no longer be downloaded", v.Model.Name, v.ID, v.Name)}
		}
		return nil, fmt.Errorf("version %d (%s) has no downloadable files", v.ID, v.Name)
	}
	o := p.o
	if len(o.Files) > 1 {
		// Several --file: each chooses its own; together, once each.
		var out []*api.File
		seen := map[int64]bool{}
		for _, sel := range o.Files {
			one := *o
			one.File, one.Files = sel, nil
			pp := *p
			pp.o = &one
			fs, err := pp.chooseFiles(v, t)
			if err != nil {
				return nil, err
			}
			for _, f := range fs {
				if !seen[f.ID] {
					seen[f.ID] = true
					out = append(out, f)
				}
			}
		}
		return out, nil
	}
	fileSel, typ, format, fp, quant, size := o.File, o.FileType, o.Format, o.FP, o.Quant, o.Size
	if t.FileID != 0 && fileSel == "" {
		fileSel = strconv.FormatInt(t.FileID, 10)
	}
	typ, format, fp, size = or(typ, t.Type), or(format, t.Format), or(fp, t.FP), or(size, t.Size)
	filtered := fileSel != "" || typ != "" || format != "" || fp != "" || quant != "" || size != ""

	var match []*api.File
	for _, f := range v.Files {
		if fileSel != "" && !fileMatches(f, fileSel) {
			continue
		}
		if typ != "" && !strings.EqualFold(norm(f.Type), norm(typ)) {
			continue
		}
		if format != "" && !strings.EqualFold(norm(f.Metadata.Format), norm(format)) {
			continue
		}
		if fp != "" && !strings.EqualFold(f.Metadata.FP, fp) {
			continue
		}
		if quant != "" && !strings.EqualFold(f.Metadata.QuantType, quant) {
			continue
		}
		if size != "" && !strings.EqualFold(f.Metadata.Size, size) {
			continue
		}
		match = append(match, f)
	}
	if len(match) == 0 {
		return nil, &noMatchError{version: v, what: selectorText(fileSel, typ, format, fp, quant, size)}
	}
	if o.AllFiles {
		return match, nil
	}
	// A name that is not unique needs an id.
	if fileSel != "" && len(match) > 1 {
		if _, err := strconv.ParseInt(fileSel, 10, 64); err != nil {
			return nil, &noMatchError{version: v, what: fmt.Sprintf("%d files named %q", len(match), fileSel), ambiguous: true}
		}
	}
	if !filtered {
		for _, f := range match {
			if bool(f.Primary) {
				return []*api.File{f}, nil
			}
		}
	}
	// The primary file among the matches, else the first model file.
	for _, f := range match {
		if bool(f.Primary) {
			return []*api.File{f}, nil
		}
	}
	for _, f := range match {
		if f.Type == "Model" || f.Type == "Pruned Model" {
			return []*api.File{f}, nil
		}
	}
	return match[:1], nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func norm(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "") }

// conflictingChoice reports a target whose own file choice (an AIR's
// .format, a download link's ?type=&fp=) differs from the flag's: neither
// may silently win.
func conflictingChoice(o *Options) error {
	for _, t := range o.Targets {
		for _, c := range [][3]string{{"type", o.FileType, t.Type}, {"format", o.Format, t.Format}, {"fp", o.FP, t.FP}, {"size", o.Size, t.Size}} {
			if c[1] != "" && c[2] != "" && norm(c[1]) != norm(c[2]) {
				return cmdutil.FlagErrorf("%s asks for %s %s, `--%s` for %s: give one", t.Input, c[0], c[2], c[0], c[1])
			}
		}
	}
	return nil
}

// fileMatches: sel is the file's id or its name, in any case and either
// Unicode normalisation (macOS hands over decomposed names: "e" and a
// combining accent for "é"), or the name civit saved it under (made safe:
// '"' became '_'), so a name copied from the folder works too.
func fileMatches(f *api.File, sel string) bool {
	if id, err := strconv.ParseInt(sel, 10, 64); err == nil && id == f.ID {
		return true
	}
	want := unorm.NFC.String(sel)
	if strings.EqualFold(unorm.NFC.String(f.Name), want) {
		return true
	}
	safe, err := dl.SanitizeFilename(f.Name)
	return err == nil && strings.EqualFold(unorm.NFC.String(safe), want)
}

func describe(f *api.File) string {
	var parts []string
	for _, s := range []string{f.Type, f.Metadata.Format, f.Metadata.FP, f.Metadata.QuantType, f.Metadata.Size} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

func selectorText(file, typ, format, fp, quant, size string) string {
	var parts []string
	for _, kv := range [][2]string{{"file", file}, {"type", typ}, {"format", format}, {"fp", fp}, {"quant", quant}, {"size", size}} {
		if kv[1] != "" {
			parts = append(parts, fmt.Sprintf("%s %q", kv[0], kv[1]))
		}
	}
	return strings.Join(parts, ", ")
}

// noMatchError lists the files a version has when a choice matched none.
type noMatchError struct {
	version   *api.ModelVersion
	what      string
	ambiguous bool
}

func (e *noMatchError) Error() string {
	var b strings.Builder
	if e.ambiguous {
		fmt.Fprintf(&b, "version %d (%s) has %s: choose one with `--file ID`, or add --fp, --quant, --size or --format; its files are:", e.version.ID, e.version.Name, e.what)
	} else {
		fmt.Fprintf(&b, "no file of version %d (%s) matches %s; its files are:", e.version.ID, e.version.Name, e.what)
	}
	for _, f := range e.version.Files {
		primary := ""
		if bool(f.Primary) {
			primary = ", primary"
		}
		fmt.Fprintf(&b, "\n    %d  %s  (%s, %s%s)", f.ID, f.Name, describe(f), tableprinter.Bytes(f.SizeBytes()), primary)
	}
	return b.String()
}

// dest is where a file goes: -o DIR, or the layout's folder under --root,
// then the --subdir folders.
func (p *planner) dest(v *api.ModelVersion, f *api.File, fields layout.Fields) (string, error) {
	name, err := safeName(f.Name)
	if err != nil {
		return "", fmt.Errorf("file %d: %w", f.ID, err)
	}
	sub := p.o.Subdir.Path(fields, safeName)
	if p.o.Layout == layout.Flat {
		return filepath.Join(p.o.OutputDir, sub, name), nil
	}
	dir := layout.Dir(p.o.Layout, fields.Type, f.Type, f.Metadata.Format, v.BaseModel)
	return filepath.Join(p.o.Root, dir, sub, name), nil
}

// creator is the user name of the model's creator when --subdir uses it
// ("" otherwise). A version target has no model yet: one more (cached)
// API call.
func (p *planner) creator(ctx context.Context, model *api.Model, versions []*api.ModelVersion) (string, error) {
	if !p.o.Subdir.Uses("creator") || len(versions) == 0 {
		return "", nil
	}
	if model == nil {
		m, err := p.c.GetModel(ctx, versions[0].ModelID)
		if err != nil {
			return "", fmt.Errorf("the creator of model %d for --subdir: %w", versions[0].ModelID, err)
		}
		model = m
	}
	if model.Creator == nil {
		return "", nil
	}
	return model.Creator.Username, nil
}

func notFound(err error, what string, id int64) error {
	if errors.Is(err, api.ErrNotFound) {
		// CivitAI's API hides brand-new and just-edited models for hours
		// or days while the site shows them (civitai-api.md §2.2).
		return cmdutil.WithHint(fmt.Errorf("%s %d not found on CivitAI (a model id and a version id are different numbers)", what, id),
			cmdutil.HiddenModelHint)
	}
	return err
}
