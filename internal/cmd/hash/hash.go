// Package hash implements `civit hash`: identify local model files, or
// hashes, by looking them up on CivitAI.
package hash

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/tableprinter"
)

// Options are the parsed flags of `civit hash`.
type Options struct {
	Factory *cmdutil.Factory

	Args    []string
	JSON    bool
	Refresh bool
}

// NewCmdHash returns the hash command. runF replaces the run in tests.
func NewCmdHash(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "hash {<file> | <hash>}... [flags]",
		Short: "Identify model files or hashes on CivitAI",
		Long: strings.TrimSpace(`
Identify local model files by their SHA-256, or look up hashes directly
(SHA-256, AutoV2 = the first 10 hex digits of the SHA-256, AutoV1, AutoV3,
CRC32 or BLAKE3), and print which model, version and file each one is.

Each argument is a file if such a file exists, else a hash; "-" is the file
piped to stdin (curl URL | civit hash -), and a pipe (/dev/stdin, <(...))
is read as a file. Several SHA-256 hashes are looked up in one request (up
to 100 at a time).

--json prints one object per argument, with always the same fields:
  input    the argument as given
  file     true when it was a local file, false for a hash
  sha256   the file's SHA-256, or for a hash the SHA-256 of the file on
           CivitAI it belongs to; null when not known
  hash     what was looked up, upper-case (a file's SHA-256, or the hash)
  found    whether CivitAI knows it
  version  the API's model-version object, null when not found
  error    why the lookup failed, null when it did not

An empty file is not looked up (no model is empty). A folder is not
hashed: alone it is a usage error, among several arguments (a glob that
caught one) it fails like a file that cannot be read.

EXIT STATUS
  0 all found, 1 the only argument was not found or failed, 2 an argument is
  neither a file nor a hash (or is a folder), 3 some of several were not
  found or failed, 130 interrupted.`),
		Example: strings.TrimSpace(`
$ civit hash ~/ComfyUI/models/loras/*.safetensors
$ civit hash D18E887B63
$ ssh nas cat /models/mystery.safetensors | civit hash -
$ civit hash 5C3CBC1B7C8B3A22D6F95A9E9A3D1E0C6B0E6A0B7A2F3F7D0C1A8E3B6D2C4F1A --json`),
		Args: cmdutil.MinimumArgs(1, "a file or hash"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Args, err = cmdutil.PathArgs(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print results as JSON")
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "ignore cached answers")
	return cmd
}

// item is one argument and what became of it; its JSON is what --json
// prints, documented in the command's help.
type item struct {
	Input   string            `json:"input"`
	File    bool              `json:"file"`
	SHA256  *string           `json:"sha256"`
	Lookup  string            `json:"hash"`
	Found   bool              `json:"found"`
	Version *api.ModelVersion `json:"-"`
	Raw     any               `json:"version"`
	Error   *string           `json:"error"`
	err     error
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	_, err := hex.DecodeString(strings.Repeat("0", len(s)%2) + s)
	return err == nil
}

// validHash reports whether s has the length of a hash CivitAI stores.
func validHash(s string) bool {
	switch len(s) {
	case 8, 10, 12, 64:
		return isHex(s)
	}
	return false
}

func run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	items := make([]*item, len(o.Args))
	stdin := false
	for i, a := range o.Args {
		it := &item{Input: a}
		items[i] = it
		// a as it goes into messages: a file name may hold a newline or a
		// terminal escape.
		shown := tableprinter.Clean(a)
		st, err := os.Stat(a)
		switch {
		case a == "-":
			// The bytes piped in (curl ... | civit hash -).
			if stdin {
				return cmdutil.FlagErrorf("`-` (stdin) can be given once")
			}
			stdin = true
			if ios.IsStdinTTY() {
				return &cmdutil.InputError{Err: cmdutil.WithHint(cmdutil.FlagErrorf("`-` reads the file from stdin, which is a terminal"),
					"pipe the file in: `cat model.safetensors | civit hash -`")}
			}
			it.File = true
		case err == nil && st.Mode()&os.ModeNamedPipe != 0:
			it.File = true // a pipe: /dev/stdin piped, <(...)
		case err == nil && st.Mode().IsRegular():
			it.File = true
			if st.Size() == 0 {
				// Its SHA-256 is that of nothing: no model has it.
				sum := emptySHA256
				it.SHA256, it.Lookup, it.err = &sum, sum, errors.New("the file is empty (0 bytes)")
			}
		case err == nil:
			what, hint := "not a regular file", "give a model file or a hash"
			if st.IsDir() {
				what, hint = "a folder", fmt.Sprintf("give its files (`civit hash %s`), or identify everything in it with `civit scan %s`", filepath.Join(shown, "*.safetensors"), shown)
			}
			if len(o.Args) == 1 {
				return &cmdutil.InputError{Err: cmdutil.WithHint(cmdutil.FlagErrorf("%s is %s", shown, what), hint)}
			}
			// One of several (a glob that caught a folder): fail that one.
			it.File, it.err = true, fmt.Errorf("is %s", what)
		case danglingLink(a):
			if len(o.Args) == 1 {
				return cmdutil.WithHint(fmt.Errorf("%s is a symbolic link to a missing file", shown), "give the file it should point to, or fix the link")
			}
			// One of several (a glob that caught a broken link): fail that
			// one, not the whole run.
			it.File, it.err = true, errors.New("is a symbolic link to a missing file")
		case validHash(strings.TrimSpace(a)):
			it.Lookup = strings.ToUpper(strings.TrimSpace(a))
		default:
			return &cmdutil.InputError{Err: cmdutil.WithHint(cmdutil.FlagErrorf("%s is neither an existing file nor a hash", cmdutil.Quote(a)),
				"give a file path, or a SHA-256 (64 hex digits), AutoV2 (10), AutoV3 (12), AutoV1 or CRC32 (8)")}
		}
	}
	// Hash files first (local work, may take a while for big checkpoints).
	for _, it := range items {
		if !it.File || it.err != nil {
			continue
		}
		if st, err := os.Stat(it.Input); err == nil && st.Size() >= bigFile && ios.IsStderrTTY() {
			// Hashing runs at disk speed: say why nothing happens yet.
			fmt.Fprintf(ios.ErrOut, "hashing %s (%s)...\n", tableprinter.Clean(it.Input), tableprinter.Bytes(st.Size()))
		}
		var sum string
		var err error
		if it.Input == "-" {
			sum, err = readerSHA256(ctx, ios.In, "stdin")
		} else {
			sum, err = fileSHA256(ctx, it.Input)
		}
		if err == nil && sum == emptySHA256 {
			err = errors.New("the file is empty (0 bytes)")
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			it.err = err
			continue
		}
		it.SHA256, it.Lookup = &sum, sum
	}
	c, err := o.Factory.APIClient(o.Refresh)
	if err != nil {
		return err
	}
	if err := lookup(ctx, c, items); err != nil {
		return err
	}
	return o.print(ios, items)
}

// lookup resolves every item: SHA-256s in bulk, the rest one by one.
// The bulk endpoint matches SHA-256 only, so a typed 64-digit hash it
// does not know is asked alone (it may be a BLAKE3).
func lookup(ctx context.Context, c *api.Client, items []*item) error {
	var bulk []string
	for _, it := range items {
		if it.err == nil && len(it.Lookup) == 64 {
			bulk = append(bulk, it.Lookup)
		}
	}
	found := map[string]*api.ModelVersion{}
	bulkOK := false
	var notAPI error // a web page answered instead of the API: ask no more
	if len(bulk) > 1 {
		vs, err := c.GetModelVersionsByHashes(ctx, bulk)
		switch {
		case err == nil:
			bulkOK = true
			for _, v := range vs {
				for _, f := range v.Files {
					if h := f.Hashes.SHA256(); h != "" {
						if _, dup := found[h]; !dup {
							found[h] = v
						}
					}
				}
			}
		case ctx.Err() != nil:
			return ctx.Err()
		}
		// Any other bulk failure: fall back to one lookup per hash.
	}
	for _, it := range items {
		if it.err != nil || it.Lookup == "" {
			continue
		}
		if bulkOK && len(it.Lookup) == 64 {
			if v, ok := found[it.Lookup]; ok {
				it.Version, it.Found = v, true
				continue
			}
			if it.SHA256 != nil {
				continue // a file's SHA-256: the bulk answer is final
			}
			// A typed 64-digit hash may be a BLAKE3, which the bulk
			// endpoint does not match (civitai-api.md §2.4): ask alone.
		}
		if notAPI != nil {
			it.err = notAPI
			continue
		}
		first := it.Input
		v, err := c.GetModelVersionByHash(ctx, it.Lookup)
		switch {
		case err == nil:
			it.Version, it.Found = v, true
		case errors.Is(err, api.ErrNotFound):
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, api.ErrNotAPI):
			// A web page, not the API (wrong base URL, proxy): every
			// other lookup would get it too. Never a miss.
			notAPI = &notAskedError{first: first, err: err}
			it.err = err
		default:
			it.err = err
		}
	}
	return nil
}

// notAskedError is the error of the items not looked up after the
// answer to first's lookup was not CivitAI's API: that answer's URL names
// first's hash, not theirs. It unwraps to the answer's error for the hint.
type notAskedError struct {
	first string
	err   error
}

func (e *notAskedError) Error() string {
	return fmt.Sprintf("not asked: the answer for %s was not CivitAI's API", tableprinter.Clean(e.first))
}

func (e *notAskedError) Unwrap() error { return e.err }

// danglingLink reports a symbolic link whose target does not exist.
func danglingLink(p string) bool {
	if _, err := os.Stat(p); err == nil {
		return false
	}
	li, err := os.Lstat(p)
	return err == nil && li.Mode()&os.ModeSymlink != 0
}

// bigFile is the size from which a terminal is told a file is being hashed.
var bigFile int64 = 1 << 30 // a variable for tests

// emptySHA256 is the SHA-256 of no bytes.
const emptySHA256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"

func fileSHA256(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return readerSHA256(ctx, f, path)
}

// readerSHA256 is the upper-case hex SHA-256 of what r holds; name says
// what r is in errors.
func readerSHA256(ctx context.Context, r io.Reader, name string) (string, error) {
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", name, err)
		}
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), nil
}

// matchFile finds the file of v the hash belongs to (exact), else its
// primary file.
func matchFile(v *api.ModelVersion, hash string) (f *api.File, exact bool) {
	for _, f := range v.Files {
		for _, h := range f.Hashes {
			if strings.EqualFold(h, hash) {
				return f, true
			}
		}
	}
	for _, f := range v.Files {
		if bool(f.Primary) {
			return f, false
		}
	}
	return nil, false
}

// fillSHA256 sets the SHA-256 of a hash argument when it is one, or when
// CivitAI's file with that hash publishes it.
func (it *item) fillSHA256() {
	if it.SHA256 != nil {
		return
	}
	if len(it.Lookup) == 64 {
		h := it.Lookup
		it.SHA256 = &h
		return
	}
	if it.Version != nil {
		if f, exact := matchFile(it.Version, it.Lookup); exact && f.Hashes.SHA256() != "" {
			h := strings.ToUpper(f.Hashes.SHA256())
			it.SHA256 = &h
		}
	}
}

func (o *Options) print(ios interface {
	IsStdoutTTY() bool
	TerminalWidth() int
}, items []*item) error {
	out := o.Factory.IOStreams.Out
	failed := 0
	fails := cmdutil.NewFailures(o.Factory)
	for _, it := range items {
		if it.err != nil {
			msg := it.err.Error()
			it.Error = &msg
			failed++
			if len(items) > 1 { // one alone is returned, with its hint
				fails.Add(it.Input, it.err)
			}
		} else if !it.Found {
			msg := "not found on CivitAI" // counted as failed below: say so here too
			it.Error = &msg
			failed++
		}
	}
	if o.JSON {
		for _, it := range items {
			if it.Version != nil {
				it.Raw = it.Version.Raw
			}
			it.fillSHA256()
		}
		if err := cmdutil.WriteJSON(out, items); err != nil {
			return err
		}
	} else {
		tty := ios.IsStdoutTTY()
		tp := tableprinter.New(out, tty, ios.TerminalWidth(), "input", "model", "version", "type", "base model", "file", "model id", "version id")
		tp.SetHeaderStyle(o.Factory.IOStreams.ColorScheme().Bold)
		tp.SetPathColumn(0) // cut in the middle: the file names tell rows apart
		for _, it := range items {
			if it.err != nil {
				continue
			}
			if !it.Found {
				tp.AddRow(it.Input, "(not found on CivitAI)", "", "", "", "", "", "")
				continue
			}
			v := it.Version
			name, typ := "", ""
			if v.Model != nil {
				name, typ = v.Model.Name, string(v.Model.Type)
			}
			fname := ""
			if f, _ := matchFile(v, it.Lookup); f != nil {
				fname = f.Name
			}
			tp.AddRow(it.Input, name, v.Name, typ, v.BaseModel, fname, strconv.FormatInt(v.ModelID, 10), strconv.FormatInt(v.ID, 10))
		}
		if err := tp.Render(); err != nil {
			return err
		}
	}
	if failed == 0 {
		return nil
	}
	if len(items) == 1 {
		if err := items[0].err; err != nil {
			return fmt.Errorf("%s: %w", tableprinter.Clean(items[0].Input), err)
		}
		return cmdutil.WithHint(fmt.Errorf("no model on CivitAI has the hash of %s", tableprinter.Clean(items[0].Input)),
			"the file may be private, deleted, converted or merged locally, or CivitAI published a wrong hash for it")
	}
	return fails.Err(failed, len(items), "lookups")
}
