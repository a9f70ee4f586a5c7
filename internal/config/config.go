// Package config reads and writes civit's configuration file and resolves
// the settings that can also come from the environment (API key, base URL).
//
// The file is JSON at $XDG_CONFIG_HOME/civit/config.json (usually
// ~/.config/civit/config.json), written with mode 0600 because it may hold
// the API key. The environment always wins over the file.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"unicode"

	"github.com/civit/civit/internal/layout"
	"github.com/civit/civit/internal/suggest"
)

// Environment variables civit reads.
const (
	EnvAPIKey   = "CIVITAI_API_KEY"
	EnvToken    = "CIVITAI_TOKEN"
	EnvAPIToken = "CIVITAI_API_TOKEN"
	EnvBaseURL  = "CIVITAI_BASE_URL"
)

// DefaultBaseURL is used when neither the environment nor the file names one.
const DefaultBaseURL = "https://civitai.com"

// Key describes one setting of the file.
type Key struct {
	Name   string
	Help   string
	Secret bool
	// Path marks a folder: a leading ~ is expanded when the value is read
	// (see ExpandHome), so hand-edited files behave as `config set` does.
	Path bool
	// List marks a Path key that holds several folders separated by the
	// OS path list separator.
	List bool
	// Clean, when set, turns a value into the form civit stores and uses
	// (the API key without a pasted "Bearer ").
	Clean func(string) string
	Check func(string) error
}

// Keys lists every setting `civit config` accepts, in display order.
var Keys = []Key{
	{Name: "api_key", Help: "CivitAI API key (create one at civitai.com/user/account)", Secret: true, Clean: CleanKey, Check: checkAPIKey},
	{Name: "base_url", Help: "API base URL (https://civitai.com, https://civitai.red, or a fake server)", Check: checkURL},
	{Name: "nsfw", Help: "default for `--nsfw` in search (true or false)", Check: checkBool},
	{Name: "limit", Help: "default number of search results (1 to 1000, as `--limit`)", Check: checkLimit},
	{Name: "output_dir", Help: "default download directory (`-o`)", Path: true, Check: checkHome},
	{Name: "layout", Help: "default download layout (" + strings.Join(layout.Names(), ", ") + ")", Check: checkLayout},
	{Name: "root", Help: "default root folder of the UI for `--layout` (also scanned by `civit scan`)", Path: true, Check: checkHome},
	{Name: "subdir", Help: "default `--subdir` template of `civit download`, e.g. {base}/{creator}", Check: checkSubdir},
	{Name: "roots", Help: "model folders `civit scan` indexes by default, separated by " + listSepName, Path: true, List: true, Check: checkPathList},
	{Name: "cache_ttl", Help: "how long API answers are cached (Go duration, e.g. 5m; 0 disables)", Check: checkDuration},
	{Name: "preview_max_rating", Help: "most mature image saved as a model's preview: pg, pg13, r, x or any (default any: the first image)", Check: checkPreviewRating},
}

// listSepName names the OS path list separator for help texts.
const listSepName = "the OS path list separator (':', or ';' on Windows)"

// LookupKey returns the Key with the given name.
func LookupKey(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// KeyNames returns the names of all keys.
func KeyNames() []string {
	names := make([]string, len(Keys))
	for i, k := range Keys {
		names[i] = k.Name
	}
	return names
}

// Config is the parsed configuration file.
type Config struct {
	path   string
	values map[string]string
	// other holds the values that are not strings (objects, arrays) of
	// keys civit does not know, written back unchanged.
	other map[string]json.RawMessage
	// unknown are the keys of the file civit does not know, sorted.
	unknown []string
	// noDir is why there is no file: no folder for it (LoadDefault).
	noDir *NoDirError
}

// Dir returns civit's configuration directory.
func Dir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find config directory: %w", err)
	}
	return filepath.Join(d, "civit"), nil
}

// Load reads the file at path; a missing file is an empty configuration.
func Load(path string) (*Config, error) {
	c := &Config{path: path, values: map[string]string{}, other: map[string]json.RawMessage{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return c, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, &FileError{Path: path, Err: fmt.Errorf("config file %s is not valid JSON: %w", path, err)}
	}
	for k, msg := range raw {
		if _, known := LookupKey(k); !known {
			c.unknown = append(c.unknown, k)
		}
		var v any
		if err := json.Unmarshal(msg, &v); err != nil {
			return nil, &FileError{Path: path, Err: fmt.Errorf("config file %s is not valid JSON: %w", path, err)}
		}
		switch v := v.(type) {
		case string:
			c.values[k] = v
		case nil:
		case bool, float64:
			c.values[k] = fmt.Sprint(v)
		default:
			key, known := LookupKey(k)
			if !known {
				c.other[k] = msg
				continue
			}
			if list, ok := stringList(v); ok && key.List {
				// "roots": ["/a", "/b"], as one would write it by hand.
				c.values[k] = strings.Join(list, string(filepath.ListSeparator))
				continue
			}
			return nil, &FileError{Path: path, Err: fmt.Errorf("config file %s: the value of %s must be a string, not %s", path, k, strings.TrimSpace(string(msg)))}
		}
	}
	slices.Sort(c.unknown)
	return c, nil
}

// Unknown returns the keys of the file civit does not know (a typo such
// as "apikey"), sorted. They are kept, and ignored.
func (c *Config) Unknown() []string { return c.unknown }

// aliases are the names people give the keys: the environment's words
// (CIVITAI_TOKEN), other tools' and the flags' (-o, --output).
var aliases = map[string]string{
	"token": "api_key", "apitoken": "api_key", "apikey": "api_key", "key": "api_key", "civitaiapikey": "api_key", "civitaitoken": "api_key",
	"output": "output_dir", "out": "output_dir", "outputdirectory": "output_dir", "dir": "output_dir", "o": "output_dir",
	"url": "base_url", "baseurl": "base_url", "host": "base_url",
	"ttl": "cache_ttl",
}

// Suggest returns the known key meant by an unknown one ("" when none is
// close): same letters but for case, '-' and '_'; a known alias ("token",
// "output"); a key it starts ("preview", "cache");
// or a few edits away for its length (one in three letters: "api_kye", not
// "foo" for "root").
func Suggest(name string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "", ".", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	}
	n := norm(name)
	if n == "" {
		return ""
	}
	if k, ok := aliases[n]; ok {
		return k
	}
	best, bestD := "", max(1, len(n)/3)+1
	for _, k := range Keys {
		kn := norm(k.Name)
		if kn == n {
			return k.Name
		}
		if len(n) >= 4 && strings.HasPrefix(kn, n) {
			return k.Name
		}
		if d := suggest.Distance(n, kn); d < bestD {
			best, bestD = k.Name, d
		}
	}
	return best
}

// UnknownWarning is the warning about an unknown key of the file, with
// the known key meant when one is close. It does not show the value (the
// key "apikey" holds an API key).
func (c *Config) UnknownWarning(key string) string {
	w := fmt.Sprintf("config file %s: unknown key %q is ignored", c.path, key)
	if s := Suggest(key); s != "" {
		w += fmt.Sprintf("; did you mean %q?", s)
	}
	return w
}

// ValueError is a value of the file civit cannot use (a hand edit such as
// "nsfw": "yes" or "limit": 5000): it names the file, the key and, unless
// the key is a secret, the value.
type ValueError struct {
	Path string
	Key  string
	Err  error
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("config file %s: invalid value for %s: %v", e.Path, e.Key, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// Hint says how to fix the value.
func (e *ValueError) Hint() string {
	return fmt.Sprintf("set a valid one with `civit config set %s VALUE`, or remove it with `civit config unset %s`", e.Key, e.Key)
}

// Check reports a value of the file civit cannot use as a *ValueError;
// nil for a value that is good, or not set.
func (c *Config) Check(key string) error {
	v := c.values[key]
	k, ok := LookupKey(key)
	if !ok || v == "" {
		return nil
	}
	v = strings.TrimSpace(v)
	if k.Clean != nil {
		v = k.Clean(v)
	}
	if k.Check != nil {
		if err := k.Check(v); err != nil {
			return &ValueError{Path: c.path, Key: key, Err: err}
		}
	}
	return nil
}

// stringList returns v as a list of strings when it is a JSON array of them.
func stringList(v any) ([]string, bool) {
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		if out[i], ok = e.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

// FileError is a configuration file civit cannot make sense of (not JSON,
// a value of the wrong kind): the user has to fix or remove it.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// Hint says how to get going again; every command prints it.
func (e *FileError) Hint() string {
	return fileHint(e.Path, runtime.GOOS)
}

// fileHint: cmd.exe has no rm and takes no ” quotes; del "..." works
// there and in PowerShell.
func fileHint(path, goos string) string {
	rm := fmt.Sprintf("rm '%s'", path)
	if goos == "windows" {
		rm = fmt.Sprintf("del \"%s\"", path)
	}
	return fmt.Sprintf("fix it in an editor, or remove it to start over (`%s`)", rm)
}

// DefaultPath is where LoadDefault reads the file.
func DefaultPath() (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "config.json"), nil
}

// LoadDefault reads the file at DefaultPath. Where there is no folder for
// it (neither $XDG_CONFIG_HOME nor $HOME, as under a stripped cron or a
// systemd unit without a user), the configuration is empty: the commands
// run on the environment alone, and only saving it fails (*NoDirError).
func LoadDefault() (*Config, error) {
	p, err := DefaultPath()
	if err != nil {
		return &Config{values: map[string]string{}, other: map[string]json.RawMessage{}, noDir: &NoDirError{Err: err}}, nil
	}
	return Load(p)
}

// NoDirError is a configuration file that cannot be written (or named)
// because there is no folder for it.
type NoDirError struct{ Err error }

func (e *NoDirError) Error() string {
	return "no folder for the config file: neither $XDG_CONFIG_HOME nor $HOME is set"
}
func (e *NoDirError) Unwrap() error { return e.Err }

// Hint says how to give civit a folder for its config file.
func (e *NoDirError) Hint() string {
	return "set HOME (or XDG_CONFIG_HOME; on Windows %AppData%); without a config file, settings come from the environment (CIVITAI_API_KEY, CIVITAI_BASE_URL)"
}

// Path is where the file lives; "" when there is no folder for it (see
// Err).
func (c *Config) Path() string { return c.path }

// Err is why the file has no place (a *NoDirError), nil when it has one.
func (c *Config) Err() error {
	if c.noDir != nil {
		return c.noDir
	}
	return nil
}

// Get returns the value of key in the file ("" when unset). The value of
// a path key has a leading ~ expanded; when that fails (a ~user form in a
// hand-edited file, no home directory) or the value is not valid, Get
// returns it as written, and Value says why.
func (c *Config) Get(key string) string {
	if v, err := c.Value(key); err == nil {
		return v
	}
	return c.values[key]
}

// Value returns the value of key as a command uses it: checked as `config
// set` checks it (a bad value in a hand-edited file is a *ValueError, not
// silently ignored or clamped), trimmed, and for a folder with a leading ~
// expanded to the home directory (in each folder of a path list, such as
// roots).
func (c *Config) Value(key string) (string, error) {
	if err := c.Check(key); err != nil {
		return "", err
	}
	v := strings.TrimSpace(c.values[key])
	k, ok := LookupKey(key)
	if !ok || v == "" {
		return v, nil
	}
	if k.Clean != nil {
		v = k.Clean(v)
	}
	if !k.Path {
		return v, nil
	}
	e, err := expandValue(k, v)
	if err != nil {
		return "", &ValueError{Path: c.path, Key: key, Err: err}
	}
	return e, nil
}

// Set validates and stores a value in memory; call Save to write it.
func (c *Config) Set(key, value string) error {
	k, ok := LookupKey(key)
	if !ok {
		return fmt.Errorf("unknown config key %q (valid keys: %s)", key, strings.Join(KeyNames(), ", "))
	}
	value = strings.TrimSpace(value)
	raw := value
	if k.Clean != nil {
		value = k.Clean(value)
	}
	if value == "" && raw != "" {
		// "Bearer " or an invisible character alone: nothing left.
		return fmt.Errorf("invalid value for %s: %q holds no value once cleaned (use `civit config unset %s` to remove it)", key, raw, key)
	}
	if k.Check != nil {
		if err := k.Check(value); err != nil {
			return fmt.Errorf("invalid value for %s: %w", key, err)
		}
	}
	c.values[key] = value
	delete(c.other, key)
	return nil
}

// Unset removes a key: a known one, or an unknown one the file has (the
// "apikey" civit warns about on every command).
func (c *Config) Unset(key string) error {
	if _, ok := LookupKey(key); !ok {
		i := slices.Index(c.unknown, key)
		if i < 0 {
			return fmt.Errorf("unknown config key %q (valid keys: %s)", key, strings.Join(KeyNames(), ", "))
		}
		c.unknown = slices.Delete(c.unknown, i, i+1)
	}
	delete(c.values, key)
	delete(c.other, key)
	return nil
}

// Save writes the file atomically with mode 0600. A config.json that is a
// symbolic link (dotfiles kept elsewhere) stays one: the file it points
// to is replaced.
func (c *Config) Save() error {
	if c.noDir != nil {
		return c.noDir
	}
	path := c.path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		path = t
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	out := make(map[string]any, len(c.values)+len(c.other))
	for k, v := range c.other {
		out[k] = v
	}
	for k, v := range c.values {
		out[k] = v
	}
	b, err := json.MarshalIndent(out, "", "  ") // keys sorted
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.json")
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}

// Source says where a resolved setting came from.
type Source string

// Sources of a setting.
const (
	SourceEnv     Source = "environment"
	SourceFile    Source = "config file"
	SourceDefault Source = "default"
	SourceNone    Source = "unset"
)

// APIKey resolves the API key: CIVITAI_API_KEY, CIVITAI_TOKEN,
// CIVITAI_API_TOKEN, then the file. The third result names where it came
// from: the variable, or the file's path. The key is cleaned (CleanKey);
// it is not checked (ValidAPIKey does).
func (c *Config) APIKey(getenv func(string) string) (string, Source, string) {
	for _, name := range []string{EnvAPIKey, EnvToken, EnvAPIToken} {
		if v := CleanKey(getenv(name)); v != "" {
			return v, SourceEnv, name
		}
	}
	if v := CleanKey(c.Get("api_key")); v != "" {
		return v, SourceFile, c.path
	}
	return "", SourceNone, ""
}

// ValidAPIKey is APIKey for sending: a key civit cannot send (spaces or
// control characters inside) is a *KeyError naming where it came from.
func (c *Config) ValidAPIKey(getenv func(string) string) (string, error) {
	key, src, from := c.APIKey(getenv)
	if err := checkAPIKey(key); err != nil {
		return "", &KeyError{Source: src, From: from, Err: err}
	}
	return key, nil
}

// CleanKey is an API key as civit uses it: trimmed of whitespace and
// newlines (a key pasted with a trailing newline breaks the header
// otherwise), and without a leading "Bearer " in any case (pasted with the
// key from a curl example).
func CleanKey(s string) string {
	// Invisible format characters come with a paste from a web page (a
	// zero-width space) or a file saved by Notepad (a byte order mark);
	// a key never has them.
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if f := strings.Fields(s); len(f) > 1 && strings.EqualFold(f[0], "bearer") {
		s = strings.TrimSpace(s[len(f[0]):])
	} else if len(f) == 1 && strings.EqualFold(f[0], "bearer") {
		return "" // "Bearer " pasted without its key: no key at all
	}
	return s
}

// KeyError is an API key civit cannot send, with where it came from.
// It never holds the key.
type KeyError struct {
	Source Source
	From   string // the variable's name, or the config file's path
	Err    error
}

func (e *KeyError) Error() string {
	if e.Source == SourceEnv {
		return fmt.Sprintf("the API key in %s is not valid: %v", e.From, e.Err)
	}
	return fmt.Sprintf("the API key in the config file %s is not valid: %v", e.From, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

// Hint says how to fix the key where it is.
func (e *KeyError) Hint() string {
	if e.Source == SourceEnv {
		return fmt.Sprintf("set %s to the key alone (from https://civitai.com/user/account), or unset it", e.From)
	}
	return "store the key alone with `civit config set api_key -`, or remove it with `civit config unset api_key`"
}

// BaseURL resolves the API base URL: CIVITAI_BASE_URL, the file, the default.
func (c *Config) BaseURL(getenv func(string) string) (string, Source) {
	if v := strings.TrimSpace(getenv(EnvBaseURL)); v != "" {
		return v, SourceEnv
	}
	if v := strings.TrimSpace(c.Get("base_url")); v != "" {
		return v, SourceFile
	}
	return DefaultBaseURL, SourceDefault
}

// Mask hides all but the last four characters of a secret.
func Mask(s string) string {
	if s == "" {
		return ""
	}
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return strings.Repeat("*", 8) + s[len(s)-4:]
}
