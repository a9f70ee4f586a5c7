//go:build !windows

package winfs

// LongPath returns p: only Windows limits path lengths this way.
func LongPath(p string) string { return p }

// InUse: outside Windows an open file can be deleted, renamed and replaced.
func InUse(error) bool { return false }

// Unheld: outside Windows an open file can be deleted and renamed.
func Unheld(string) error { return nil }
