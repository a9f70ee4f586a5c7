package download

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Volume is what a dry run can tell of a destination folder before a run
// creates it: the nearest folder that exists, the volume it is on and the
// bytes this user may still write there.
type Volume struct {
	Dir   string // the folder itself, or its nearest existing ancestor
	ID    uint64 // tells volumes apart; meaningful only when Free is known
	Free  uint64
	Known bool // whether ID and Free were read
}

// CheckDest tells, without creating anything, whether a run could create
// files in dir (which may not exist yet): an error as the run would meet
// it (ENOTDIR for a file where a folder must be, EACCES for a folder this
// user may not write, EROFS for a read-only file system), with the
// volume's free space when it can be read. Where permissions cannot be
// told from outside (Windows' ACLs), only the file-in-the-way case fails.
func CheckDest(dir string) (Volume, error) {
	d, err := nearestDir(dir)
	if err != nil {
		return Volume{}, err
	}
	v := volumeOf(d)
	return v, writable(d)
}

// nearestDir returns dir or its nearest ancestor that exists, which must
// be a folder.
func nearestDir(dir string) (string, error) {
	d := filepath.Clean(dir)
	for {
		fi, err := os.Stat(d)
		switch {
		case err == nil && fi.IsDir():
			return d, nil
		case err == nil:
			return "", &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		case !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
		up := filepath.Dir(d)
		if up == d {
			return "", err
		}
		d = up
	}
}
