package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// ExpandHome replaces a leading "~" in path with the user's home directory,
// as a shell would: "~" and "~/models" (also "~\models" on Windows) are
// expanded; on Windows so is %NAME% (expandPercent). Any other path is
// returned unchanged. The "~user/models" form
// is refused: civit does not look other users up. It is for path values
// that no shell expanded, such as config values and `--flag=~/dir`.
func ExpandHome(path string) (string, error) {
	path = expandPercent(trimQuote(path, runtime.GOOS), runtime.GOOS, os.LookupEnv)
	if !strings.HasPrefix(path, "~") {
		return path, nil
	}
	if err := checkHome(path); err != nil {
		return "", err
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("expand %q: %w", path, err)
	}
	return filepath.Join(home, path[1:]), nil
}

// percentVar is a Windows environment variable as cmd.exe writes it.
var percentVar = regexp.MustCompile(`%([A-Za-z_][A-Za-z0-9_()]*)%`)

// expandPercent replaces, on Windows, %NAME% with the variable's value where
// it is set, as cmd.exe would: PowerShell does not expand it in arguments,
// and nothing does in config.json, so "%USERPROFILE%\models" made a folder
// named %USERPROFILE%. Unset names stay as written.
func expandPercent(path, goos string, lookup func(string) (string, bool)) string {
	if goos != "windows" || !strings.Contains(path, "%") {
		return path
	}
	return percentVar.ReplaceAllStringFunc(path, func(m string) string {
		if v, ok := lookup(m[1 : len(m)-1]); ok && v != "" {
			return v
		}
		return m
	})
}

// trimQuote drops, on Windows, the quote that ends what cmd.exe and
// Windows PowerShell pass for "D:\Models\": there \" escapes the closing
// quote, and the program gets D:\Models". A Windows path cannot hold a ",
// so the user meant the folder.
func trimQuote(path, goos string) string {
	if goos == "windows" {
		return strings.TrimRight(path, `"`)
	}
	return path
}

// checkHome refuses, when a value is set, the "~user" forms ExpandHome
// refuses when it is read. It does not need a home directory.
func checkHome(path string) error {
	if strings.HasPrefix(path, "~") && len(path) > 1 && !isSep(path[1]) {
		return fmt.Errorf("%q: only ~ and ~/ are expanded, not ~user; write the full path", path)
	}
	return nil
}

func isSep(c byte) bool { return c == '/' || c == filepath.Separator }

func checkPathList(s string) error {
	for _, p := range filepath.SplitList(s) {
		if err := checkHome(strings.TrimSpace(p)); err != nil {
			return err
		}
	}
	return nil
}

// expandValue expands ~ in the value of a path key (in each element, trimmed,
// of a path list).
func expandValue(k Key, v string) (string, error) {
	if !k.List {
		return ExpandHome(v)
	}
	parts := filepath.SplitList(v)
	for i, p := range parts {
		e, err := ExpandHome(strings.TrimSpace(p))
		if err != nil {
			return "", err
		}
		parts[i] = e
	}
	return strings.Join(parts, string(filepath.ListSeparator)), nil
}
