// Package download implements `civit download`: resolve targets to model
// files, choose the files, plan where each goes, then fetch them with the
// segmented, resumable, verified engine of internal/download, several at
// once, writing sidecars beside each model.
package download

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/layout"
	"github.com/civit/civit/internal/target"
)

// Options are the parsed flags of `civit download`.
type Options struct {
	Factory *cmdutil.Factory

	Targets  []target.Target
	Versions []int64

	// File choice. Files holds the --file values when there are several
	// (each chooses its file; File is the only one otherwise).
	File        string
	Files       []string
	FileType    string
	Format      string
	FP          string
	Quant       string // GGUF quantisation (Q8_0, Q4_K_M, ...)
	Size        string
	AllFiles    bool
	AllVersions bool
	BaseModel   string // the newest version (or all, with AllVersions) for this base model

	// Destination.
	OutputDir string
	Layout    layout.Layout
	// LayoutGiven: --layout was given (flat included), so the config's
	// layout does not apply.
	LayoutGiven bool
	Root        string
	Subdir      layout.Subdir // folders under the destination, from a template

	DryRun     bool
	JSON       bool
	Jobs       int
	Conns      int
	LimitRate  int64 // bytes per second, 0 = none
	NoSidecars bool
	Force      bool
	NoVerify   bool
	NoReuse    bool
	Quiet      bool
	Refresh    bool

	// picks are the indexes in Targets of the --version targets that pick
	// a version of the model ids given beside them.
	picks []int
	// noLibrary says once a run that there is no library to record in.
	noLibrary *sync.Once
	// pending are the files whose library record waits for the end of
	// the run (another process held the library's lock).
	pending *pendingRecords
	// rootIsOutput: OutputDir came from --root with --layout flat.
	rootIsOutput bool
}

// NewCmdDownload returns the download command. runF replaces the run in tests.
func NewCmdDownload(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	var (
		layoutName, rate, subdir string
		inputFiles               []string
		versions                 []string
		files                    []string
		once                     struct{ typ, format, fp, quant, size []string }
	)
	cmd := &cobra.Command{
		Use:   "download {<target>... | -i <file> | --version <id>} [flags]",
		Short: "Download model files fast, resumably and verified",
		Long: strings.TrimSpace(`
Download CivitAI model files. A target is a model id (its newest version
that is not in early access), a civitai.com or civitai.red URL (model page
with or without ?modelVersionId=, version page, or /api/download/models/ID
link), or an AIR (urn:air:sdxl:lora:civitai:ID@VERSION). --version names
versions directly; beside model ids each picks the version of one of them,
as in show ("civit download 101 102 --version 10203"). -i FILE reads targets
one per line (# comments and blank lines are skipped; "-i -" reads stdin,
where the piped output of 'civit search' works as it is; UTF-8, or UTF-16
with its mark as PowerShell's > writes it). Targets are de-duplicated;
downloads start as soon as the first are looked up.

Each version's primary file is downloaded unless --file (a file id or name;
repeat it for several), --type (Model, Pruned Model, VAE, Config, Training
Data, ...), --format (SafeTensor, PickleTensor, GGUF, ...), --fp (fp16,
bf16, fp32, fp8, ...), --quant (a GGUF's Q8_0, Q4_K_M, ...) or --size
(full, pruned) choose others; --all-files takes every file that matches;
--all-versions every version. -b/--base-model takes each model's newest
version for that base model: a model with SD 1.5 and SDXL versions that a
search for SDXL found. A choice that matches nothing lists what there is.
Files are fetched by file id, which works where the server's type/format
matching fails.

Files go to -o DIR (default: the current directory), or with --layout
comfyui|a1111|forge|swarmui|invokeai --root PATH into the folder that UI
reads for the model's type (see 'civit help layouts'); a --root that does
not look like that UI's folder gets a warning. --subdir TEMPLATE adds
folders under it named from the model: {base} (base model), {type},
{creator}, {model}, {model_id}, {version}, {version_id}; "/" nests them
(default: config subdir; --subdir '' for none). The file name is the
server's, made safe (no paths, no control characters, no reserved names).

The engine splits each file over -x connections (default 8, at most 16),
runs -j files at once (default 5), resumes after Ctrl-C, a crash or a reboot
(re-run the same command), and verifies the published SHA-256 while the
bytes arrive. A storage host that refuses some connections (503 or 429 while
others stream) gets only as many at once as it takes. At CivitAI's download
limit (429) no file asks for its link for 60 s (files streaming go on),
then the run goes on; while still refused, it waits 120 s, twice at most,
then the files not started fail: run the same command later (files done
are skipped). Until a file is complete and verified it lives in NAME.part
beside a small NAME.part.civit control file: a wrong or partial file never
has the final name. A file already there with the right hash is skipped
(one the library recorded and nobody changed since, same size, time and
inode, is not even read again; --force hashes it); a different file is not
replaced without --force. A file the library (see 'civit scan') already
has elsewhere, with the published SHA-256, is not downloaded again: it is
hard-linked where the file system allows, else copied, and hashed before
it gets its name, replacing a different file there only with --force
(--no-reuse downloads anyway).

Beside each model civit writes NAME.civitai.info (the version's JSON, as
Civitai Helper does), NAME.preview.EXT (the first example image) and
NAME.json (A1111's extra-networks metadata: activation text = trigger
words; only for checkpoints, LoRAs, embeddings and hypernetworks, the kinds
A1111 lists). Existing sidecars are kept unless --force. --no-sidecars
skips them.

Downloads that need an account use CIVITAI_API_KEY, or the ?token= of a
pasted download link when no key is configured (shown as token=REDACTED).
The key is sent to the API only, never to the storage host the files come
from. --dry-run also says what is on disk: the file already present, a
different file (needs --force), or a partial download and where it resumes;
and whether a key is needed or access must be bought (early access), from
the version's pre-flight answer: it never asks the download endpoint, so
it counts as no download and uses none of the per-user download limit.

EXIT STATUS
  0 all files downloaded or already present, 1 error, 2 bad flags,
  3 some targets failed (each is listed), 4 a key is needed or refused
  (single target), 130 interrupted (run the command again to resume).`),
		Example: strings.TrimSpace(`
# the newest version of a model into the current directory
$ civit download 4201

# a LoRA straight into ComfyUI's loras folder
$ civit download "https://civitai.com/models/328553?modelVersionId=368189" --layout comfyui --root ~/ComfyUI

# LoRAs sorted by base model: models/loras/SDXL 1.0/, models/loras/Flux.1 D/, ...
$ civit download -i loras.txt --layout comfyui --root ~/ComfyUI --subdir "{base}"

# the fp16 file of a checkpoint, 16 connections, at most 20 MB/s
$ civit download 4201 --fp fp16 -x 16 --limit-rate 20M

# the ten most downloaded SDXL LoRAs of the month
$ civit search -t lora -b "SDXL 1.0" -s "Most Downloaded" -p Month -n 10 | civit download -i - -b "SDXL 1.0" --layout comfyui --root ~/ComfyUI

# every model of a creator (up to 100), sorted by base model
$ civit search --user someone -n 100 | civit download -i - -o ~/models --subdir "{base}/{type}"

# what would happen, as JSON
$ civit download -i wanted.txt --layout a1111 --root ~/sd-webui --dry-run --json`),
		RunE: func(cmd *cobra.Command, args []string) error {
			// --type, --format, --fp and --size filter together; a second
			// value of one would silently replace the first.
			for _, o := range []struct {
				flag string
				vals []string
				dst  *string
			}{{"type", once.typ, &opts.FileType}, {"format", once.format, &opts.Format}, {"fp", once.fp, &opts.FP}, {"quant", once.quant, &opts.Quant}, {"size", once.size, &opts.Size}} {
				switch len(o.vals) {
				case 0:
				case 1:
					*o.dst = o.vals[0]
				default:
					return cmdutil.FlagErrorf("`--%s` can be given once (got %s); to take several files, repeat `--file ID` or use `--all-files`", o.flag, cmdutil.QuoteList(o.vals))
				}
			}
			switch {
			case len(files) == 1:
				opts.File = files[0]
			case len(files) > 1:
				opts.Files = files
			}
			extra := cmdutil.ConfigHost(f)
			seen := map[string]bool{}
			add := func(s string) error {
				t, err := target.Parse(s, extra)
				if err != nil {
					return err
				}
				key := fmt.Sprintf("%d/%d/%d/%s/%s/%s/%s", t.ModelID, t.VersionID, t.FileID, t.Type, t.Format, t.Size, t.FP)
				if !seen[key] {
					seen[key] = true
					opts.Targets = append(opts.Targets, t)
				}
				return nil
			}
			for _, a := range args {
				if err := add(a); err != nil {
					return err
				}
			}
			var bad []string // every bad line, so that one run finds them all
			var firstBad error
			for _, in := range inputFiles {
				lines, err := readTargets(in, f.IOStreams.In)
				if err != nil {
					return err
				}
				for _, l := range lines {
					if err := add(l.text); err != nil {
						if firstBad == nil {
							firstBad = fmt.Errorf("%s: %w", l.pos, err)
						} else {
							bad = append(bad, l.pos)
						}
					}
				}
			}
			if firstBad != nil {
				if len(bad) > 0 {
					firstBad = fmt.Errorf("%w (and %d more bad lines: %s)", firstBad, len(bad), strings.Join(bad, ", "))
				}
				return &cmdutil.InputError{Err: firstBad}
			}
			// "civit download 102 --version 10203" means that version of
			// model 102, as in show and images: beside model ids, each
			// --version picks the version of one of them (matched when
			// planning); alone, or beside -i, it names versions directly.
			picking := len(versions) > 0 && len(args) > 0
			if picking {
				for _, t := range opts.Targets {
					if len(inputFiles) > 0 || t.ModelID == 0 || t.VersionID != 0 {
						return cmdutil.FlagErrorf("`--version` goes with model ids (or alone), not with %s: give other versions as URLs with ?modelVersionId= or as AIRs", t.Input)
					}
				}
			}
			var model *target.Target
			if picking && len(opts.Targets) == 1 {
				model = &opts.Targets[0]
			}
			for _, v := range versions {
				for _, s := range strings.Split(v, ",") {
					id, err := target.ParseID(s)
					if err != nil {
						return cmdutil.FlagErrorf("`--version`: %v", err)
					}
					t := target.Target{Input: fmt.Sprintf("--version %d", id), VersionID: id}
					if model != nil {
						t.Input, t.ModelID = fmt.Sprintf("%s --version %d", model.Input, id), model.ModelID
					}
					if key := fmt.Sprintf("0/%d/0////", id); !seen[key] {
						seen[key] = true
						if picking {
							opts.picks = append(opts.picks, len(opts.Targets))
						}
						opts.Targets = append(opts.Targets, t)
					}
				}
			}
			onlyInput := len(inputFiles) > 0 && len(args) == 0 && len(versions) == 0
			if len(opts.Targets) == 0 && !onlyInput {
				return cmdutil.FlagErrorf("nothing to download: give a model id, URL, AIR, `--version` or `-i FILE`")
			}
			if err := opts.parseFlags(layoutName, rate); err != nil {
				return err
			}
			if err := conflictingChoice(opts); err != nil {
				return err
			}
			if err := opts.parseSubdir(subdir, cmd.Flags().Changed("subdir")); err != nil {
				return err
			}
			if len(opts.Targets) == 0 {
				// An empty list (a search that found nothing, piped in) is
				// not a mistake: a scheduled job must not fail on it.
				ios := opts.Factory.IOStreams
				fmt.Fprintln(ios.ErrOut, "nothing to download: the input has no targets")
				if opts.JSON {
					fmt.Fprintln(ios.Out, "[]")
				}
				return nil
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&inputFiles, "input-file", "i", nil, "read targets from `file`, one per line (- for stdin; repeatable)")
	fl.StringSliceVar(&versions, "version", nil, "download this version `id` (repeatable)")
	fl.StringArrayVar(&files, "file", nil, "choose a file by `id or name` (repeatable: a checkpoint and its VAE)")
	fl.StringArrayVar(&once.typ, "type", nil, "choose files of this file `type` (Model, Pruned Model, VAE, Config, Training Data, ...)")
	fl.StringArrayVar(&once.format, "format", nil, "choose files of this `format` (SafeTensor, PickleTensor, GGUF, ...)")
	fl.StringArrayVar(&once.fp, "fp", nil, "choose files of this `precision` (fp16, bf16, fp32, fp8, ...)")
	fl.StringArrayVar(&once.quant, "quant", nil, "choose GGUF files of this `quantisation` (Q8_0, Q5_K_M, Q4_K_S, ...)")
	fl.StringArrayVar(&once.size, "size", nil, "choose `full` or pruned files")
	fl.BoolVar(&opts.AllFiles, "all-files", false, "download every file that matches, not only the best one")
	fl.BoolVar(&opts.AllVersions, "all-versions", false, "download every version of each model")
	fl.StringVarP(&opts.BaseModel, "base-model", "b", "", "choose each model's newest version for this `base model` (\"SDXL 1.0\", \"Flux.1 D\", ...)")
	fl.StringVarP(&opts.OutputDir, "output", "o", "", "download into `dir` (default: config output_dir or the current directory)")
	fl.StringVar(&layoutName, "layout", "", "route files into a UI's folders: "+strings.Join(layout.Names(), ", "))
	fl.StringVar(&opts.Root, "root", "", "the UI's root `folder` for --layout")
	fl.StringVar(&subdir, "subdir", "", "put files in subfolders named from a `template`: "+layout.SubdirHelp()+`, e.g. "{base}/{creator}" (default: config subdir)`)
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the plan and download nothing")
	fl.BoolVar(&opts.JSON, "json", false, "print the plan or the final report as JSON on stdout")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 5, "download `N` files at once")
	fl.IntVarP(&opts.Conns, "connections", "x", 8, "connections per file (1-16; fewer when --limit-rate leaves each under 128 KiB/s)")
	fl.StringVar(&rate, "limit-rate", "", "cap total bandwidth, e.g. 500K, 20M, 1G (`bytes/s`)")
	fl.BoolVar(&opts.NoSidecars, "no-sidecars", false, "do not write .civitai.info, preview and .json files")
	fl.BoolVar(&opts.Force, "force", false, "replace a different existing file and existing sidecars")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "neither hash the file nor check the published hash")
	fl.BoolVar(&opts.NoReuse, "no-reuse", false, "download even when the library has the file elsewhere")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only errors and the final summary")
	fl.BoolVar(&opts.Refresh, "refresh", false, "ignore cached API answers")
	_ = cmd.RegisterFlagCompletionFunc("layout", cobra.FixedCompletions(layout.Names(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (o *Options) parseFlags(layoutName, rate string) error {
	if layoutName != "" {
		l, err := layout.Parse(layoutName)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		o.Layout, o.LayoutGiven = l, true
	}
	// No shell expands the ~ of --root=~/ComfyUI or of a quoted path.
	for _, p := range []*string{&o.OutputDir, &o.Root} {
		v, err := config.ExpandHome(*p)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		*p = v
	}
	if o.Jobs < 1 || o.Jobs > 32 {
		return cmdutil.FlagErrorf("`--jobs` must be between 1 and 32, got %d", o.Jobs)
	}
	if o.Conns < 1 || o.Conns > 16 {
		return cmdutil.FlagErrorf("`--connections` must be between 1 and 16, got %d", o.Conns)
	}
	if rate != "" {
		n, err := ParseRate(rate)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		o.LimitRate = n
	}
	o.Size = strings.ToLower(o.Size)
	if o.Size != "" && o.Size != "full" && o.Size != "pruned" {
		return cmdutil.EnumError("size", o.Size, []string{"full", "pruned"})
	}
	return nil
}

// parseSubdir reads --subdir, or the config's subdir when the flag is not
// given (`--subdir ""` turns the config's off). Only the download command
// reads the config: update puts a new version beside the old one.
func (o *Options) parseSubdir(flag string, given bool) error {
	if !given {
		cfg, err := o.Factory.Config()
		if err != nil {
			return err
		}
		v, err := cfg.Value("subdir")
		if err != nil {
			return err
		}
		d, err := layout.ParseSubdir(v)
		if err != nil {
			return fmt.Errorf("config subdir: %w", err)
		}
		o.Subdir = d
		return nil
	}
	d, err := layout.ParseSubdir(flag)
	if err != nil {
		return cmdutil.WithHint(&cmdutil.FlagError{Err: err}, `e.g. --subdir "{base}" or --subdir "{base}/{creator}"`)
	}
	o.Subdir = d
	return nil
}

// defaults fills the destination from the config file.
func (o *Options) defaults() error {
	if o.noLibrary == nil {
		o.noLibrary = new(sync.Once)
	}
	cfg, err := o.Factory.Config()
	if err != nil {
		return err
	}
	// A bad preview_max_rating fails the run before any download, not
	// each file's preview after.
	if _, err := cmdutil.PreviewMaxNSFW(o.Factory); err != nil {
		return err
	}
	flatChosen := o.LayoutGiven
	if !o.LayoutGiven && o.OutputDir == "" {
		v, err := cfg.Value("layout")
		if err != nil {
			return err
		}
		if v != "" {
			l, err := layout.Parse(v)
			if err != nil {
				return fmt.Errorf("config layout: %w", err)
			}
			o.Layout, flatChosen = l, true
		}
	}
	if o.Layout != layout.Flat {
		if o.OutputDir != "" {
			return cmdutil.FlagErrorf("give either `-o` or `--layout`, not both")
		}
		if o.Root == "" {
			if o.Root, err = cfg.Value("root"); err != nil {
				return err
			}
		}
		if o.Root == "" {
			return cmdutil.WithHint(cmdutil.FlagErrorf("`--layout %s` needs `--root`, the folder of your UI", o.Layout),
				"e.g. `--root ~/ComfyUI`, or set it once with `civit config set root PATH`")
		}
		return nil
	}
	if o.Root != "" {
		// The flat layout's root is the output folder ('civit help
		// layouts'); without any layout, --root is a forgotten --layout.
		if !flatChosen {
			return cmdutil.FlagErrorf("`--root` goes with `--layout`")
		}
		if o.OutputDir != "" {
			return cmdutil.FlagErrorf("give either `-o` or `--root`, not both")
		}
		o.OutputDir, o.Root, o.rootIsOutput = o.Root, "", true
	}
	if o.OutputDir == "" {
		if o.OutputDir, err = cfg.Value("output_dir"); err != nil {
			return err
		}
	}
	if o.OutputDir == "" {
		o.OutputDir = "."
	}
	return nil
}

// inputLine is one target read by -i, with where it was: "list.txt:12".
type inputLine struct{ text, pos string }

// readTargets reads targets one per line from path ("-": in). Blank lines
// and # comments are skipped. A line with tabs counts by its first field,
// so the piped output of `civit search` (id, name, type, ...) can be fed
// to `civit download -i -` as it is.
func readTargets(path string, in io.Reader) ([]inputLine, error) {
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, &cmdutil.InputError{Err: cmdutil.FlagErrorf("read targets: %v", err)}
		}
		defer f.Close()
		in = f
	}
	name := path
	if path == "-" {
		name = "stdin"
	}
	var out []inputLine
	sc := cmdutil.LineScanner(in) // also UTF-16 and byte order marks (Notepad, PowerShell)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		line, _, _ := strings.Cut(text, "\t")
		line = strings.TrimSpace(line)
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, inputLine{text: line, pos: fmt.Sprintf("%s:%d", name, n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read targets from %s: %w", name, err)
	}
	return out, nil
}

// ParseRate parses a bandwidth such as 500K, 20M, 1.5G or 1000 (bytes per
// second; K, M, G are powers of 1024; an optional B or /s is accepted).
func ParseRate(s string) (int64, error) {
	in := strings.TrimSpace(s)
	v := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(in), "/S"), "B")
	v = strings.TrimSuffix(v, "I")
	mult := 1.0
	if n := len(v); n > 0 {
		switch v[n-1] {
		case 'K':
			mult, v = 1<<10, v[:n-1]
		case 'M':
			mult, v = 1<<20, v[:n-1]
		case 'G':
			mult, v = 1<<30, v[:n-1]
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(f*mult >= 1024 && f*mult <= 1<<50) { // NaN fails too
		return 0, fmt.Errorf("invalid `--limit-rate` %q: use a speed such as 500K, 20M or 1G (at least 1K)", in)
	}
	return int64(f * mult), nil
}
