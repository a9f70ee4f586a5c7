package download

import (
	"errors"
	"fmt"
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
			return "", &NotFolderError{Dir: dir, File: d}
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return "", err // ENOTDIR: the file is further up
		}
		up := filepath.Dir(d)
		if up == d {
			return "", err
		}
		d = up
	}
}

// NotFolderError: a file is where a folder must be made. It is
// syscall.ENOTDIR, which Windows spells "Path not found".
type NotFolderError struct {
	Dir  string // the folder to be made
	File string // the file in its way: Dir or one of its ancestors
}

func (e *NotFolderError) Error() string {
	return fmt.Sprintf("cannot make the folder %s: %s is a file, not a folder", e.Dir, e.File)
}

func (e *NotFolderError) Unwrap() error { return syscall.ENOTDIR }
