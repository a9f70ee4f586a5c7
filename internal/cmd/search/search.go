// Package search implements `civit search`: query CivitAI's model catalog
// with every filter the API has.
package search

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/tableprinter"
)

// batchConcurrency is how many batch queries run at once (the original
// design's semaphore of 3).
const batchConcurrency = 3

// maxLimit bounds how many results one search may page through.
const maxLimit = 1000

// Options are the parsed flags of `civit search`.
type Options struct {
	Factory *cmdutil.Factory

	Query           string
	Types           []string
	BaseModels      []string
	Tag             string
	User            string
	Sort            string
	Period          string
	NSFW            *bool
	PrimaryFileOnly bool
	Limit           int
	JSON            bool
	Batch           string
	Refresh         bool

	types []api.ModelType
}

// NewCmdSearch returns the search command. runF replaces the run in tests.
func NewCmdSearch(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	var nsfw bool
	cmd := &cobra.Command{
		Use:   "search [<query>...] [flags]",
		Short: "Search CivitAI models",
		Long: strings.TrimSpace(`
Search the CivitAI catalog. Words are joined into one full-text query; with no
words, the filters alone select models (sorted by --sort).

On a terminal the results are an aligned table; when piped, tab-separated
columns (id, name, type, base model, downloads, updated as RFC 3339); with
--json, a JSON array of the API's model objects, unchanged.

Answers are cached for 5 minutes ('civit config set cache_ttl'); --refresh
asks CivitAI again.

--batch FILE runs one search per line of FILE (blank lines and lines starting
with # are skipped), three at a time, sharing the cache; the flags apply to
every line.

EXIT STATUS
  0 results printed (an empty result is not an error), 1 error,
  2 bad flags, 3 some batch queries failed, 130 interrupted.`),
		Example: strings.TrimSpace(`
# LoRAs for SDXL about pixel art, most downloaded first
$ civit search "pixel art" --type lora --base-model "SDXL 1.0" --sort "most downloaded"

# the newest checkpoints this week, as JSON
$ civit search --type checkpoint --sort newest --period week --json

# everything by a creator
$ civit search --user someartist --limit 100

# many searches at once
$ civit search --batch queries.txt`),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Query = strings.TrimSpace(strings.Join(args, " "))
			if cmd.Flags().Changed("nsfw") {
				opts.NSFW = &nsfw
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVarP(&opts.Types, "type", "t", nil, "model `type` (repeatable or comma-separated): checkpoint, lora, locon, dora, embedding, vae, controlnet, upscaler, ...")
	fl.StringArrayVarP(&opts.BaseModels, "base-model", "b", nil, "base `model` (repeatable): \"SDXL 1.0\", \"SD 1.5\", \"Pony\", \"Flux.1 D\", \"Illustrious\", ...")
	fl.StringVar(&opts.Tag, "tag", "", "only models with this `tag`")
	fl.StringVarP(&opts.User, "user", "u", "", "only models by this `username`")
	fl.StringVarP(&opts.Sort, "sort", "s", "", "`order`: \"Highest Rated\", \"Most Downloaded\", \"Most Liked\", \"Most Discussed\", \"Most Collected\", \"Most Images\", \"Newest\", \"Oldest\"")
	fl.StringVarP(&opts.Period, "period", "p", "", "time `window` for the sort: AllTime, Year, Month, Week, Day")
	fl.BoolVar(&nsfw, "nsfw", false, "include NSFW models (default from config `nsfw`, else false)")
	fl.BoolVar(&opts.PrimaryFileOnly, "primary-file-only", false, "list only each version's primary file")
	fl.IntVarP(&opts.Limit, "limit", "n", 0, "maximum number of `results` (default 20, at most 1000)")
	fl.BoolVar(&opts.JSON, "json", false, "print the API's model objects as a JSON array")
	fl.StringVar(&opts.Batch, "batch", "", "run one search per line of `file`")
	fl.BoolVar(&opts.Refresh, "refresh", false, "ignore cached answers")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(modelTypeNames(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions(sorts, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("period", cobra.FixedCompletions(periods, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("base-model", cobra.FixedCompletions(api.BaseModels(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

var (
	sorts   = []string{"Highest Rated", "Most Downloaded", "Most Liked", "Most Discussed", "Most Collected", "Most Images", "Newest", "Oldest"}
	periods = []string{"AllTime", "Year", "Month", "Week", "Day"}
)

func modelTypeNames() []string {
	var out []string
	for _, t := range api.KnownModelTypes() {
		out = append(out, string(t))
	}
	return out
}

func (o *Options) validate() error {
	if o.Batch != "" && o.Query != "" {
		return cmdutil.FlagErrorf("give either a query or `--batch`, not both")
	}
	known := map[api.ModelType]bool{}
	for _, t := range api.KnownModelTypes() {
		known[t] = true
	}
	o.types = nil
	for _, raw := range o.Types {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		t := api.ParseModelType(raw)
		if !known[t] {
			return cmdutil.EnumError("type", raw, modelTypeNames())
		}
		o.types = append(o.types, t)
	}
	if o.Sort != "" {
		s, ok := api.NormalizeEnum(o.Sort, sorts)
		if !ok {
			return cmdutil.EnumError("sort", o.Sort, sorts)
		}
		o.Sort = s
	}
	if o.Period != "" {
		p, ok := api.NormalizeEnum(o.Period, periods)
		if !ok {
			return cmdutil.EnumError("period", o.Period, periods)
		}
		o.Period = p
	}
	if o.Limit < 0 || o.Limit > maxLimit {
		return cmdutil.FlagErrorf("`--limit` must be between 1 and %d, got %d", maxLimit, o.Limit)
	}
	return nil
}

// defaults fills values from the config file.
func (o *Options) defaults() error {
	cfg, err := o.Factory.Config()
	if err != nil {
		return err
	}
	if o.NSFW == nil {
		if v := cfg.Get("nsfw"); v != "" {
			b, err := strconv.ParseBool(v)
			if err == nil {
				o.NSFW = &b
			}
		}
	}
	if o.Limit == 0 {
		o.Limit = 20
		if v := cfg.Get("limit"); v != "" {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				o.Limit = min(n, maxLimit)
			}
		}
	}
	return nil
}

func run(ctx context.Context, o *Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	client, err := o.Factory.APIClient(o.Refresh)
	if err != nil {
		return err
	}
	if err := o.resolveBaseModels(ctx, client); err != nil {
		return err
	}
	if o.Batch != "" {
		return runBatch(ctx, o, client)
	}
	models, err := searchOnce(ctx, client, o, o.Query)
	if err != nil {
		return err
	}
	return o.print(models)
}

func (o *Options) modelsOptions(query string) *api.ModelsOptions {
	return &api.ModelsOptions{
		Query:           query,
		Tag:             o.Tag,
		Username:        o.User,
		Types:           o.types,
		BaseModels:      o.BaseModels,
		Sort:            o.Sort,
		Period:          o.Period,
		NSFW:            o.NSFW,
		PrimaryFileOnly: o.PrimaryFileOnly,
		Limit:           min(o.Limit, 100),
	}
}

func searchOnce(ctx context.Context, c *api.Client, o *Options, query string) ([]*api.Model, error) {
	var out []*api.Model
	for m, err := range c.Models(ctx, o.modelsOptions(query), o.Limit) {
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
	return out, nil
}

type batchResult struct {
	Query  string            `json:"query"`
	Items  []json.RawMessage `json:"items"`
	Error  string            `json:"error,omitempty"`
	models []*api.Model
	err    error
}

func readBatch(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read batch file: %w", err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		qs = append(qs, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read batch file: %w", err)
	}
	if len(qs) == 0 {
		return nil, cmdutil.FlagErrorf("batch file %s has no queries", path)
	}
	return qs, nil
}

func runBatch(ctx context.Context, o *Options, c *api.Client) error {
	queries, err := readBatch(o.Batch)
	if err != nil {
		return err
	}
	results := make([]*batchResult, len(queries))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	var mu sync.Mutex
	for i, q := range queries {
		g.Go(func() error {
			models, err := searchOnce(gctx, c, o, q)
			mu.Lock()
			results[i] = &batchResult{Query: q, models: models, err: err}
			mu.Unlock()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	failed := 0
	ios := o.Factory.IOStreams
	for _, r := range results {
		if r.err != nil {
			failed++
			r.Error = r.err.Error()
			fmt.Fprintf(ios.ErrOut, "civit: error: query %q: %v\n", r.Query, r.err)
		}
		r.Items = []json.RawMessage{}
		for _, m := range r.models {
			r.Items = append(r.Items, m.Raw)
		}
	}
	if o.JSON {
		if err := cmdutil.WriteJSON(ios.Out, results); err != nil {
			return err
		}
	} else {
		tp := tableprinter.New(ios.Out, ios.IsStdoutTTY(), ios.TerminalWidth(), "query", "id", "name", "type", "base model", "downloads", "updated")
		now := time.Now()
		for _, r := range results {
			for _, m := range r.models {
				tp.AddRow(append([]string{r.Query}, row(m, ios.IsStdoutTTY(), now)...)...)
			}
		}
		if err := tp.Render(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &cmdutil.PartialError{Failed: failed, Total: len(results), What: "queries"}
	}
	return nil
}

func (o *Options) print(models []*api.Model) error {
	ios := o.Factory.IOStreams
	if o.JSON {
		raw := make([]json.RawMessage, 0, len(models))
		for _, m := range models {
			raw = append(raw, m.Raw)
		}
		return cmdutil.WriteRawArray(ios.Out, raw)
	}
	if len(models) == 0 {
		if ios.IsStderrTTY() {
			fmt.Fprintln(ios.ErrOut, "no models match")
		}
		return nil
	}
	tty := ios.IsStdoutTTY()
	tp := tableprinter.New(ios.Out, tty, ios.TerminalWidth(), "id", "name", "type", "base model", "downloads", "updated")
	now := time.Now()
	for _, m := range models {
		tp.AddRow(row(m, tty, now)...)
	}
	return tp.Render()
}

func row(m *api.Model, tty bool, now time.Time) []string {
	base, updated := "", time.Time{}
	for i, v := range m.ModelVersions {
		if i == 0 {
			base = v.BaseModel
		}
		for _, t := range []time.Time{v.PublishedAt.Time, v.UpdatedAt.Time, v.CreatedAt.Time} {
			if t.After(updated) {
				updated = t
			}
		}
	}
	return []string{
		strconv.FormatInt(m.ID, 10),
		m.Name,
		string(m.Type),
		base,
		tableprinter.Count(m.Stats.DownloadCount, tty),
		tableprinter.Time(updated, tty, now),
	}
}
