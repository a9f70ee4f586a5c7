// Package search implements `civit search`: query CivitAI's model catalog
// with every filter the API has (civitai-api.md §2.1; not exposed: the
// deprecated rating, allowNoCredit/allowDerivatives/allowDifferentLicense,
// which the server cannot parse from a query string, and the internal
// fromPlatform and followed).
package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/tableprinter"
	"github.com/civit/civit/internal/target"
)

// batchConcurrency is how many batch queries run at once (the original
// design's semaphore of 3).
const batchConcurrency = 3

// maxLimit bounds how many results one search may page through.
const maxLimit = 1000

// Options are the parsed flags of `civit search`.
type Options struct {
	Factory *cmdutil.Factory

	Query              string
	Types              []string
	BaseModels         []string
	Tag                string
	User               string
	Sort               string
	Period             string
	PeriodMode         string
	CheckpointType     string
	CommercialUse      []string
	IDs                []int64
	EarlyAccess        bool
	SupportsGeneration bool
	Archived           bool
	Favorites          bool
	Hidden             bool
	NSFW               *bool
	PrimaryFileOnly    bool
	Limit              int
	JSON               bool
	Batch              string
	Refresh            bool

	types    []api.ModelType
	limitSet bool // --limit was given (0 is then an error, not "the default")
}

// onceFlags are the flags the API takes a single value for: given twice,
// the server would get an array and answer 400, so civit refuses it.
type onceFlags struct {
	tag, user, sort, period, periodMode, checkpointType, batch, limit []string
}

// NewCmdSearch returns the search command. runF replaces the run in tests.
func NewCmdSearch(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	var (
		nsfw bool
		once onceFlags
		ids  []string
	)
	cmd := &cobra.Command{
		Use:   "search [<query>...] [flags]",
		Short: "Search CivitAI models",
		Long: strings.TrimSpace(`
Search the CivitAI catalog. Words are joined into one full-text query; with no
words, the filters alone select models, in --sort order.

With words, CivitAI orders the matches by relevance and ignores --sort, and
it filters its search hits after paging, so pages come back short or empty.
civit therefore asks for full pages and keeps paging until it has --limit
results (--limit only caps what is printed). When a --sort is given with
words, civit sorts the best max(--limit, 100) matches itself: Most
Downloaded, Most Liked, Most Discussed and Highest Rated (likes minus
dislikes) by the all-time counts the API returns, Newest and Oldest by the
newest version's publication date. "Most Collected" and "Most Images" cannot
be computed from the results: civit warns and keeps the relevance order.
If CivitAI sends too many empty pages in a row, civit stops and says so on
stderr ("results may be incomplete").

On a terminal the results are an aligned table; when piped, tab-separated
columns (id, name, type, base model, downloads, updated as RFC 3339); with
--json, a JSON array of the API's model objects, unchanged. The piped rows
can be fed to 'civit download -i -', which reads the id in the first column.

--id lists models by id; an id that gives no result is named on stderr with
the likely reason (rated above PG without --nsfw, left out by the other
filters, no such model), at the cost of one request per missing id.

--favorites and --hidden list your own marks on civitai.com and need an API
key (CIVITAI_API_KEY or 'civit config set api_key').

Answers are cached for 5 minutes ('civit config set cache_ttl'); --refresh
asks CivitAI again.

--batch FILE runs one search per line of FILE ('-': standard input; blank
lines and lines starting with # are skipped), three at a time, sharing the
cache; the flags apply to every line. Piped, each row is the usual columns
followed by the query that found it (so 'civit download -i -' still reads
the id first); --json prints [{"query", "items", "error"}].

EXIT STATUS
  0 results printed (an empty result is not an error), 1 error,
  2 bad flags, 3 some batch queries failed, 4 API key missing or refused
  (--favorites, --hidden), 130 interrupted.`),
		Example: strings.TrimSpace(`
# the most downloaded SDXL LoRAs
$ civit search --type lora --base-model "SDXL 1.0" --sort "most downloaded"

# LoRAs about pixel art, the best matches sorted by downloads
$ civit search "pixel art" --type lora --sort "most downloaded" --limit 10

# the newest checkpoints this week, as JSON
$ civit search --type checkpoint --sort newest --period week --json

# everything by a creator
$ civit search --user someartist --limit 100

# many searches at once, then download what they found
$ civit search --batch queries.txt --limit 1 | civit download -i -`),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Query = strings.TrimSpace(strings.Join(args, " "))
			if cmd.Flags().Changed("nsfw") {
				opts.NSFW = &nsfw
				for _, a := range args {
					if cmdutil.BoolWord(a) {
						fmt.Fprintf(f.IOStreams.ErrOut, "civit: warning: searching for the word %q: `--nsfw` takes no value (`--nsfw=false` turns it off)\n", a)
					}
				}
			}
			if err := cmdutil.RequireValues(cmd.Flags(), "type", "base-model", "tag", "user", "sort", "period", "period-mode",
				"checkpoint-type", "commercial-use", "id", "limit", "batch"); err != nil {
				return err
			}
			opts.limitSet = cmd.Flags().Changed("limit")
			for _, v := range []struct {
				name string
				vals []string
				dst  *string
			}{{"tag", once.tag, &opts.Tag}, {"user", once.user, &opts.User}, {"sort", once.sort, &opts.Sort},
				{"period", once.period, &opts.Period}, {"period-mode", once.periodMode, &opts.PeriodMode},
				{"checkpoint-type", once.checkpointType, &opts.CheckpointType}, {"batch", once.batch, &opts.Batch}} {
				if err := single(v.name, v.vals, v.dst); err != nil {
					return err
				}
			}
			if opts.User != "" {
				name, err := target.ParseUser(opts.User, cmdutil.ConfigHost(f))
				if err != nil {
					return cmdutil.FlagErrorf("`--user`: %v", err)
				}
				opts.User = name
			}
			var limit string
			if err := single("limit", once.limit, &limit); err != nil {
				return err
			}
			if limit != "" {
				n, err := strconv.Atoi(strings.TrimSpace(limit))
				if err != nil {
					return cmdutil.FlagErrorf("`--limit` must be a whole number from 1 to 1000, got %q", limit)
				}
				opts.Limit = n
			}
			for _, raw := range ids {
				if strings.TrimSpace(raw) == "" {
					continue
				}
				id, err := target.ParseID(raw)
				if err != nil {
					return cmdutil.FlagErrorf("`--id`: %v", err)
				}
				opts.IDs = append(opts.IDs, id)
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
	fl.StringArrayVarP(&opts.BaseModels, "base-model", "b", nil, "base `model` (repeatable), spelled loosely: \"SDXL 1.0\", sd15, \"Pony\", \"Flux.1 D\", \"Illustrious\", ...")
	fl.StringArrayVar(&once.tag, "tag", nil, "only models with this `tag`")
	fl.StringArrayVarP(&once.user, "user", "u", nil, "only models by this `user`: a name, @name or their civitai.com/user/ URL")
	fl.StringArrayVarP(&once.sort, "sort", "s", nil, "`order`: \"Highest Rated\", \"Most Downloaded\", \"Most Liked\", \"Most Discussed\", \"Most Collected\", \"Most Images\", \"Newest\", \"Oldest\"")
	fl.StringArrayVarP(&once.period, "period", "p", nil, "time `window`: AllTime, Year, Month, Week, Day")
	fl.StringArrayVar(&once.periodMode, "period-mode", nil, "`mode` of --period (needs --period): published (by publication date, the default) or stats (the counters --sort uses)")
	fl.StringArrayVar(&once.checkpointType, "checkpoint-type", nil, "only checkpoints of this `kind`: Trained, Merge (alone it implies --type checkpoint; beside other types, those are listed too)")
	fl.StringSliceVar(&opts.CommercialUse, "commercial-use", nil, "only models allowing this commercial `use` (repeatable or comma-separated, any matches): None, Image, RentCivit, Rent, Sell")
	fl.StringSliceVar(&ids, "id", nil, "only these model `ids` (repeatable or comma-separated; not with a query)")
	fl.BoolVar(&opts.EarlyAccess, "early-access", false, "only models with a version in early access")
	fl.BoolVar(&opts.SupportsGeneration, "supports-generation", false, "only models CivitAI can generate images with")
	fl.BoolVar(&opts.Archived, "archived", false, "only archived models (their files can no longer be downloaded)")
	fl.BoolVar(&opts.Favorites, "favorites", false, "only models you marked as favorites (needs an API key)")
	fl.BoolVar(&opts.Hidden, "hidden", false, "only models you hid (needs an API key)")
	fl.BoolVar(&nsfw, "nsfw", false, "include NSFW models (default: the config key nsfw, else off); takes no value")
	fl.BoolVar(&opts.PrimaryFileOnly, "primary-file-only", false, "list only each version's primary file")
	fl.StringArrayVarP(&once.limit, "limit", "n", nil, "print at most this many `results`, 1 to 1000 (default: the config key limit, else 20)")
	fl.BoolVar(&opts.JSON, "json", false, "print the API's model objects as a JSON array")
	fl.StringArrayVar(&once.batch, "batch", nil, "run one search per line of `file` ('-': standard input)")
	fl.BoolVar(&opts.Refresh, "refresh", false, "ignore cached answers")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(modelTypeNames(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions(sorts, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("period", cobra.FixedCompletions(periods, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("period-mode", cobra.FixedCompletions(api.PeriodModes(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("checkpoint-type", cobra.FixedCompletions(api.CheckpointTypes(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("commercial-use", cobra.FixedCompletions(api.CommercialUses(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("base-model", cobra.FixedCompletions(api.BaseModels(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// single stores the only value of a flag the API takes once.
func single(flag string, vals []string, dst *string) error {
	switch len(vals) {
	case 0:
		return nil
	case 1:
		*dst = vals[0]
		return nil
	}
	return cmdutil.FlagErrorf("`--%s` can be given once (got %s)", flag, cmdutil.QuoteList(vals))
}

var (
	sorts   = api.ModelSorts()
	periods = api.Periods()
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
	if len(o.IDs) > 0 && (o.Query != "" || o.Batch != "") {
		return cmdutil.FlagErrorf("`--id` cannot be combined with a query: CivitAI ignores ids when searching")
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
	for _, e := range []struct {
		flag  string
		v     *string
		valid []string
	}{{"sort", &o.Sort, sorts}, {"period", &o.Period, periods}, {"period-mode", &o.PeriodMode, api.PeriodModes()},
		{"checkpoint-type", &o.CheckpointType, api.CheckpointTypes()}} {
		if *e.v == "" {
			continue
		}
		v, ok := api.NormalizeEnum(*e.v, e.valid)
		if !ok {
			return cmdutil.EnumError(e.flag, *e.v, e.valid)
		}
		*e.v = v
	}
	// CivitAI applies checkpointType to checkpoints only: other types pass
	// it, and with --type naming no checkpoint it is ignored. Alone, the
	// flag means what its help says: only checkpoints of that kind.
	if o.CheckpointType != "" {
		switch {
		case len(o.types) == 0:
			o.types = []api.ModelType{api.ModelTypeCheckpoint}
		case !slices.Contains(o.types, api.ModelTypeCheckpoint):
			return cmdutil.WithHint(cmdutil.FlagErrorf("`--checkpoint-type` only applies to checkpoints, and `--type` names none"),
				"add `--type checkpoint`, or leave out `--checkpoint-type`")
		}
	}
	// periodMode says how --period applies; without one it does nothing.
	if o.PeriodMode != "" && o.Period == "" {
		return cmdutil.WithHint(cmdutil.FlagErrorf("`--period-mode` has no effect without `--period`"),
			"add `--period` (Year, Month, Week or Day), or leave out `--period-mode`")
	}
	var uses []string
	for _, raw := range o.CommercialUse {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		v, ok := api.NormalizeEnum(raw, api.CommercialUses())
		if !ok {
			return cmdutil.EnumError("commercial-use", raw, api.CommercialUses())
		}
		uses = append(uses, v)
	}
	o.CommercialUse = uses
	if o.Limit < 0 || o.Limit > maxLimit || o.limitSet && o.Limit == 0 {
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
	// A value the file holds is checked (Value): "nsfw": "yes" or
	// "limit": 5000 is an error naming the file, not ignored or clamped.
	if o.NSFW == nil {
		v, err := cfg.Value("nsfw")
		if err != nil {
			return err
		}
		if v != "" {
			b, _ := strconv.ParseBool(v)
			o.NSFW = &b
		}
	}
	if o.Limit == 0 {
		v, err := cfg.Value("limit")
		if err != nil {
			return err
		}
		o.Limit = 20
		if v != "" {
			o.Limit, _ = strconv.Atoi(v)
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
	if err := o.checkAuth(client); err != nil {
		return err
	}
	if err := o.resolveBaseModels(ctx, client); err != nil {
		return err
	}
	if o.Batch != "" {
		return runBatch(ctx, o, client)
	}
	o.warnSort(o.Query != "")
	res := searchOnce(ctx, client, o, o.Query)
	if res.err != nil && len(res.models) > 0 && ctx.Err() == nil {
		// A page after the first failed (CivitAI overloaded, the network):
		// the models that came are shown, and the run says it stopped.
		if err := o.print(res.models); err != nil {
			return err
		}
		fails := cmdutil.NewFailures(o.Factory)
		fails.Add("", res.err)
		return &stoppedError{n: len(res.models), err: fails.Err(1, 2, "")}
	}
	if res.err != nil {
		return res.err
	}
	o.warnIncomplete(res, "")
	if err := o.explainMissingIDs(ctx, client, res.models); err != nil {
		return err
	}
	return o.print(res.models)
}

// stoppedError is a search that failed after some models were printed: it
// exits 3 (err, a *cmdutil.PartialError), as a partly failed run does.
type stoppedError struct {
	n   int
	err error
}

func (e *stoppedError) Error() string {
	return fmt.Sprintf("the search stopped after %d models: the list above is incomplete; run it again", e.n)
}

func (e *stoppedError) Unwrap() error { return e.err }

// maxMissingChecks caps the ids explainMissingIDs asks about, one request
// each.
const maxMissingChecks = 20

// explainMissingIDs says on stderr why an `--id` gave no result, asking
// CivitAI once per missing id (/models/{id}, which has every browsing
// level): a model rated above PG without --nsfw, one the other filters
// leave out, or no model at all (a version's id, most often). Nothing is
// asked when --limit may have cut the list.
func (o *Options) explainMissingIDs(ctx context.Context, c *api.Client, got []*api.Model) error {
	if len(o.IDs) == 0 || len(got) >= o.Limit {
		return nil
	}
	seen := map[int64]bool{}
	for _, m := range got {
		seen[m.ID] = true
	}
	var missing []int64
	for _, id := range o.IDs {
		if !seen[id] {
			seen[id] = true
			missing = append(missing, id)
		}
	}
	w := o.Factory.IOStreams.ErrOut
	for i, id := range missing {
		if i == maxMissingChecks {
			fmt.Fprintf(w, "civit: warning: %d more `--id` values gave no result\n", len(missing)-i)
			break
		}
		m, err := c.GetModel(ctx, id)
		var why string
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, api.ErrNotFound):
			why = fmt.Sprintf("no model has this id, or CivitAI's API is hiding it for now (a version's id? `civit show %d` says)", id)
		case err != nil:
			why = "no result (" + err.Error() + ")"
		case (o.NSFW == nil || !*o.NSFW) && matureOnly(m):
			why = "rated above PG: listed only with `--nsfw`"
		case o.filtered():
			why = "the other filters leave it out"
		default:
			why = "CivitAI's list leaves it out (no published version?)"
		}
		fmt.Fprintf(w, "civit: warning: `--id` %d: %s\n", id, why)
	}
	return nil
}

// matureOnly reports a model with no PG-rated content, which the list
// leaves out without nsfw=true (NSFW level bits: PG=1, PG13=2, R=4, ...).
func matureOnly(m *api.Model) bool {
	level := m.NSFWLevel.Value
	return level != 0 && level&1 == 0 || level == 0 && bool(m.NSFW)
}

// filtered reports whether a filter other than --id and --nsfw is set.
func (o *Options) filtered() bool {
	return len(o.types) > 0 || len(o.BaseModels) > 0 || o.Tag != "" || o.User != "" || o.Period != "" ||
		o.CheckpointType != "" || len(o.CommercialUse) > 0 || o.EarlyAccess || o.SupportsGeneration ||
		o.Archived || o.Favorites || o.Hidden
}

// checkAuth refuses --favorites and --hidden without an API key before
// asking: the server answers 401 to them without a session.
func (o *Options) checkAuth(c *api.Client) error {
	if c.HasAPIKey() {
		return nil
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{o.Favorites, "favorites"}, {o.Hidden, "hidden"}} {
		if f.on {
			return &api.Error{Kind: api.KindAuthRequired, Message: fmt.Sprintf("`--%s` lists your own marks and needs an API key", f.name)}
		}
	}
	return nil
}

// warnSort says when --sort cannot be honoured: with a query CivitAI orders
// by relevance, and some orders cannot be computed from the results.
func (o *Options) warnSort(query bool) {
	if query && o.Sort != "" && !sortable(o.Sort) {
		fmt.Fprintf(o.Factory.IOStreams.ErrOut, "civit: warning: `--sort %q` is ignored with a query: CivitAI orders search results by relevance and civit cannot compute this order\n", o.Sort)
	}
}

func (o *Options) warnIncomplete(r searchResult, query string) {
	if r.incomplete == nil {
		return
	}
	prefix := ""
	if query != "" {
		prefix = fmt.Sprintf("query %q: ", query)
	}
	fmt.Fprintf(o.Factory.IOStreams.ErrOut, "civit: warning: %s%v\n", prefix, r.incomplete)
}

// pageSize is the page size to ask for. Without a query the filters run in
// the database and a page of --limit is exact. With a query CivitAI filters
// its search hits after paging, so pages come back short or empty; asking
// for --limit (say 1) would mean one candidate per request and giving up
// after a run of empty pages, so full pages are requested instead.
func (o *Options) pageSize(query string) int {
	if query != "" {
		return 100
	}
	return min(o.Limit, 100)
}

func (o *Options) modelsOptions(query string) *api.ModelsOptions {
	opts := &api.ModelsOptions{
		Query:              query,
		Tag:                o.Tag,
		Username:           o.User,
		Types:              o.types,
		BaseModels:         o.BaseModels,
		Sort:               o.Sort,
		Period:             o.Period,
		PeriodMode:         o.PeriodMode,
		CheckpointType:     o.CheckpointType,
		CommercialUse:      o.CommercialUse,
		SupportsGeneration: o.SupportsGeneration,
		EarlyAccess:        o.EarlyAccess,
		Archived:           o.Archived,
		Favorites:          o.Favorites,
		Hidden:             o.Hidden,
		IDs:                o.IDs,
		NSFW:               o.NSFW,
		PrimaryFileOnly:    o.PrimaryFileOnly,
		Limit:              o.pageSize(query),
	}
	if query != "" {
		// Ignored by the server with a query (civitai-api.md §2.1); civit
		// sorts the results itself where it can.
		opts.Sort = ""
	}
	return opts
}

// searchResult is one search's models, and whether civit gave up early.
type searchResult struct {
	models     []*api.Model
	incomplete *api.IncompleteError
	err        error
}

func searchOnce(ctx context.Context, c *api.Client, o *Options, query string) searchResult {
	var r searchResult
	want := o.Limit
	sortHere := query != "" && o.Sort != "" && sortable(o.Sort)
	if sortHere {
		// Sort a pool of the best matches, not only the first --limit.
		want = max(o.Limit, 100)
	}
	for m, err := range c.Models(ctx, o.modelsOptions(query), want) {
		if err != nil {
			if !errors.As(err, &r.incomplete) {
				r.err = err
			}
			break
		}
		if !o.JSON {
			slim(m)
		}
		r.models = append(r.models, m)
	}
	if r.err != nil {
		return r
	}
	if sortHere {
		sortModels(r.models, o.Sort)
	}
	if len(r.models) > o.Limit {
		r.models = r.models[:o.Limit]
	}
	return r
}

// slim drops what a table of models does not show (the bytes received,
// kept for --json, descriptions, example images), so that a batch of
// searches of a thousand models each stays in tens of MB.
func slim(m *api.Model) {
	m.Raw, m.Description = nil, ""
	for _, v := range m.ModelVersions {
		v.Raw, v.Description, v.Images = nil, "", nil
	}
}

type batchResult struct {
	Query      string            `json:"query"`
	Items      []json.RawMessage `json:"items"`
	Error      *string           `json:"error"` // null when the query worked
	models     []*api.Model
	incomplete *api.IncompleteError
	err        error
}

// readBatch reads one query per line from path, or from in when path is
// "-".
func readBatch(path string, in io.Reader) ([]string, error) {
	name := path
	if path == "-" {
		name = "standard input"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read batch file: %w", err)
		}
		defer f.Close()
		in = f
	}
	var qs []string
	sc := cmdutil.LineScanner(in) // also UTF-16 and byte order marks (Notepad, PowerShell)
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
		return nil, cmdutil.FlagErrorf("batch file %s has no queries", name)
	}
	return qs, nil
}

func runBatch(ctx context.Context, o *Options, c *api.Client) error {
	ios := o.Factory.IOStreams
	queries, err := readBatch(o.Batch, ios.In)
	if err != nil {
		return err
	}
	o.warnSort(true)
	results := make([]*batchResult, len(queries))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	var mu sync.Mutex
	for i, q := range queries {
		g.Go(func() error {
			r := searchOnce(gctx, c, o, q)
			mu.Lock()
			results[i] = &batchResult{Query: q, models: r.models, incomplete: r.incomplete, err: r.err}
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
	fails := cmdutil.NewFailures(o.Factory)
	for _, r := range results {
		if r.err != nil {
			failed++
			msg := r.err.Error()
			r.Error = &msg
			fails.Add(fmt.Sprintf("query %q", r.Query), r.err)
		}
		o.warnIncomplete(searchResult{incomplete: r.incomplete}, r.Query)
		if r.err == nil && len(r.models) == 0 {
			fmt.Fprintf(ios.ErrOut, "civit: note: query %q: no models match\n", r.Query)
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
		// The id comes first, as in a plain search, so that the rows can
		// be piped to `civit download -i -`; the query is the last column.
		tp := tableprinter.New(ios.Out, ios.IsStdoutTTY(), ios.TerminalWidth(), "id", "name", "type", "base model", "downloads", "updated", "query")
		tp.SetHeaderStyle(ios.ColorScheme().Bold)
		now := time.Now()
		for _, r := range results {
			for _, m := range r.models {
				tp.AddRow(append(row(m, o.BaseModels, ios.IsStdoutTTY(), now), r.Query)...)
			}
		}
		if err := tp.Render(); err != nil {
			return err
		}
	}
	return fails.Err(failed, len(results), "queries")
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
	tp.SetHeaderStyle(ios.ColorScheme().Bold)
	now := time.Now()
	for _, m := range models {
		tp.AddRow(row(m, o.BaseModels, tty, now)...)
	}
	return tp.Render()
}

// row is a model's line. With --base-model the API finds a model by any of
// its versions: the base model shown is then that of the newest version
// that matched, not the newest version's (an SD 1.5 row in an SDXL search
// read like a wrong answer).
func row(m *api.Model, bases []string, tty bool, now time.Time) []string {
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
	if len(bases) > 0 && !slices.Contains(bases, base) {
		for _, v := range m.ModelVersions {
			if slices.Contains(bases, v.BaseModel) {
				base = v.BaseModel
				break
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
