// Command civitai-fake runs the fake CivitAI server of package
// internal/civitaitest as a standalone process, for scripts, demos and
// out-of-process tests.
//
// Usage:
//
//	civitai-fake [--addr 127.0.0.1:8787] [--storage-addr 127.0.0.1:8788] [--storage-host localhost]
//	             [--models 300] [--seed 1] [--api-key K]... [--early-access-key K]...
//	             [--big-file-size 64MiB] [--min-file-size 4KiB] [--max-file-size 2MiB]
//	             [--url-ttl 24h] [--download-limit N] [--download-limit-window 1m] [--require-auth] [--count-page-totals]
//	             [--fault 'host=storage,path=/model,bytes-per-sec=20000000']...
//	             [--print-fixtures] [--quiet]
//
// When both hosts listen it prints one line on stdout,
//
//	civitai-fake: api=http://127.0.0.1:8787 storage=http://localhost:8788
//
// so that scripts can wait for it, then (with --print-fixtures) one line per
// fixture. Requests are logged on stderr. It stops on SIGINT or SIGTERM.
// Exit status: 0 after a signal, 1 when the server cannot start, 2 on a
// usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/civit/civit/internal/civitaitest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// sizeFlag is a byte size flag accepting units (see parseSize).
type sizeFlag struct{ n *int64 }

func (f sizeFlag) String() string {
	if f.n == nil {
		return "0"
	}
	return strconv.FormatInt(*f.n, 10)
}

func (f sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*f.n = n
	return nil
}

// run parses args, serves until ctx is done and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("civitai-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opts          civitaitest.Options
		keys, eaKeys  stringList
		faults        stringList
		hidden        stringList
		printFixtures bool
		quiet         bool
	)
	fs.StringVar(&opts.APIAddr, "addr", "127.0.0.1:8787", "API host listen `address`")
	fs.StringVar(&opts.StorageAddr, "storage-addr", "127.0.0.1:8788", "storage host listen `address`")
	fs.StringVar(&opts.StorageHost, "storage-host", "localhost", "host `name` of the storage host in signed URLs (must reach --storage-addr)")
	fs.IntVar(&opts.Models, "models", civitaitest.DefaultModels, "number of generated models besides the fixtures (negative: none)")
	fs.Int64Var(&opts.Seed, "seed", 1, "catalog seed")
	fs.Var(&keys, "api-key", "accepted API `key` (repeatable; default test-key)")
	fs.Var(&eaKeys, "early-access-key", "API `key` that bought early access (repeatable)")
	fs.Var(sizeFlag{&opts.BigFileSize}, "big-file-size", "`size` of the Big fixture's file, e.g. 2GiB (default 64MiB)")
	fs.Var(sizeFlag{&opts.MinFileSize}, "min-file-size", "minimum generated file `size` (default 4KiB)")
	fs.Var(sizeFlag{&opts.MaxFileSize}, "max-file-size", "maximum generated file `size` (default 2MiB)")
	fs.DurationVar(&opts.URLTTL, "url-ttl", civitaitest.DefaultURLTTL, "validity of signed storage URLs")
	fs.IntVar(&opts.DownloadLimit, "download-limit", 0, "downloads allowed per key and minute (0: unlimited)")
	fs.DurationVar(&opts.DownloadLimitWindow, "download-limit-window", civitaitest.DefaultDownloadLimitWindow, "the download limit's sliding window")
	fs.BoolVar(&opts.RequireAuthForDownloads, "require-auth", false, "every download needs a valid key")
	fs.BoolVar(&opts.CountPageTotals, "count-page-totals", false, "/tags reports exact totalItems and totalPages instead of 0 (/creators always does)")
	fs.Var(&faults, "fault", "fault `rule` such as 'host=storage,path=/model,bytes-per-sec=20000000' or 'host=storage,max-concurrent=4,status=503' (repeatable)")
	fs.Var(&hidden, "hide-model", "model `id` that CivitAI hides for now, as it does new and just-edited models: 404 on /models/{id} and /model-versions/{id}, left out of lists, found by hash (repeatable)")
	fs.BoolVar(&printFixtures, "print-fixtures", false, "print the fixtures after the ready line")
	fs.BoolVar(&quiet, "quiet", false, "do not log requests")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "civitai-fake: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if opts.Models == 0 {
		opts.Models = -1 // 0 means "none" on the command line
	}
	opts.APIKeys = keys
	opts.EarlyAccessKeys = eaKeys
	var rules []civitaitest.FaultRule
	for _, f := range faults {
		r, err := civitaitest.ParseFaultRule(f)
		if err != nil {
			fmt.Fprintf(stderr, "civitai-fake: --fault %q: %v\n", f, err)
			return 2
		}
		rules = append(rules, r)
	}
	if !quiet {
		opts.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	}
	s, err := civitaitest.NewServer(opts)
	if err != nil {
		fmt.Fprintf(stderr, "civitai-fake: %v\n", err)
		return 1
	}
	defer s.Close()
	for _, r := range rules {
		s.AddFault(r)
	}
	for _, h := range hidden {
		id, err := strconv.ParseInt(h, 10, 64)
		if err == nil {
			err = s.HideModel(id, true)
		}
		if err != nil {
			fmt.Fprintf(stderr, "civitai-fake: --hide-model %q: %v\n", h, err)
			return 2
		}
	}
	fmt.Fprintf(stdout, "civitai-fake: api=%s storage=%s\n", s.URL, s.StorageURL)
	if printFixtures {
		for _, f := range s.Catalog.Fixtures() {
			fmt.Fprintf(stdout, "fixture %s model=%d version=%d file=%d\n", f.Name, f.ModelID, f.VersionID, f.FileID)
		}
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "civitai-fake: stopping")
	return 0
}

// parseSize parses a byte size: a number with an optional unit B, K/KB,
// KiB, M/MB, MiB, G/GB, GiB, T/TB, TiB (K, M, G and T alone are binary;
// KB, MB... are decimal). Fractions are allowed ("1.5GiB").
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') && t[i-1] != '.' {
		i--
	}
	num, unit := strings.TrimSpace(t[:i]), strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
		"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
		"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
		"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q", s, unit)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || strings.ContainsAny(num, "eE+-") {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	v := f * mult
	if math.IsNaN(v) || v < 0 || v > math.MaxInt64/2 {
		return 0, fmt.Errorf("size %q out of range", s)
	}
	return int64(v), nil
}
