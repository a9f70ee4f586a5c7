package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// RequireValues refuses a flag of names given with an empty value: a
// filter such as `--tag ""` would otherwise be left out of the request and
// the whole catalog listed. A repeatable flag is refused when any value is
// blank; a comma-separated one when it holds no item at all (`--type ""`),
// while a stray comma (`--type lora,`) is forgiven.
func RequireValues(fs *pflag.FlagSet, names ...string) error {
	for _, name := range names {
		f := fs.Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		vals := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			vals = sv.GetSlice()
		}
		blank, items := false, 0
		for _, v := range vals {
			if strings.TrimSpace(v) == "" {
				blank = true
			} else {
				items++
			}
		}
		if items == 0 || blank && f.Value.Type() != "stringSlice" {
			return FlagErrorf("`--%s` needs a value, got an empty one", name)
		}
	}
	return nil
}

// BoolWord reports whether s is a word strconv.ParseBool takes (true,
// false, t, f, in any case; not 1 or 0, which may be ids): after a flag
// that takes no value it is a value typed for it (`--nsfw false`), left as
// an argument. images refuses it, search warns.
func BoolWord(s string) bool {
	_, err := strconv.ParseBool(s)
	return err == nil && s != "1" && s != "0"
}

// ExactArgs is cobra.ExactArgs with a usage error that names what is
// expected.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			if len(args) == 0 {
				return FlagErrorf("missing %s", what)
			}
			return FlagErrorf("expected %s, got %d arguments", what, len(args))
		}
		return nil
	}
}

// MinimumArgs requires at least n arguments.
func MinimumArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < n {
			return FlagErrorf("missing %s", what)
		}
		return nil
	}
}

// NoArgs refuses positional arguments.
func NoArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %s", Quote(args[0]))
	}
	return nil
}

// WriteJSON writes v as indented JSON followed by a newline, without HTML
// escaping (model descriptions are HTML).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteRawArray writes pre-encoded JSON values as one indented JSON array.
func WriteRawArray(w io.Writer, items []json.RawMessage) error {
	if items == nil {
		items = []json.RawMessage{}
	}
	return WriteJSON(w, items)
}

// EnumError is the usage error for a value outside a fixed set.
func EnumError(flag, value string, valid []string) error {
	return FlagErrorf("invalid value %q for `--%s`: valid values are %s", value, flag, QuoteList(valid))
}

// QuoteList is `"a", "b"`: values as the user must type them.
func QuoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// CheckRate validates the `--rate` flag of the library commands (CivitAI
// requests per second).
func CheckRate(rate float64) error {
	if rate <= 0 || rate > 1000 {
		return FlagErrorf("`--rate` must be more than 0 and at most 1000 requests per second, got %g", rate)
	}
	return nil
}
