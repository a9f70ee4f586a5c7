package download

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/tableprinter"
)

// destChecks is what a dry run finds out about the folders a run would
// write to: whether it could create files there (a run fails each file of
// a read-only or foreign folder), and whether each volume has room for
// what is to be fetched onto it.
type destChecks struct {
	errs    map[string]error     // by folder; nil when it looks writable
	vols    map[string]dl.Volume // by folder
	volumes []*volumeNeed        // in the order first met
}

type volumeNeed struct {
	dl.Volume
	need int64
}

// check looks at dir once and adds need bytes to its volume's count.
func (d *destChecks) check(dir string, need int64) error {
	if d.errs == nil {
		d.errs, d.vols = map[string]error{}, map[string]dl.Volume{}
	}
	if _, seen := d.errs[dir]; !seen {
		v, err := dl.CheckDest(dir)
		d.errs[dir], d.vols[dir] = destError(err), v
	}
	if v := d.vols[dir]; d.errs[dir] == nil && v.Known {
		d.add(v, need)
	}
	return d.errs[dir]
}

func (d *destChecks) add(v dl.Volume, need int64) {
	for _, n := range d.volumes {
		if n.ID == v.ID {
			n.need += need
			return
		}
	}
	d.volumes = append(d.volumes, &volumeNeed{Volume: v, need: need})
}

// warnSpace warns of each volume that has less room than the plan fetches
// onto it: a warning, not a failure, since files that fit are still
// downloaded and space may be freed before the run.
func (d *destChecks) warnSpace(o *Options) {
	for _, v := range d.volumes {
		if v.need > 0 && uint64(v.need) > v.Free {
			fmt.Fprintf(o.Factory.IOStreams.ErrOut, "civit: warning: not enough disk space: %s to download onto the volume of %s, %s free there\n",
				tableprinter.Bytes(v.need), v.Dir, tableprinter.Bytes(int64(min(v.Free, 1<<62))))
		}
	}
}

// destError gives the reasons a run would fail there their advice.
func destError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EROFS):
		return cmdutil.WithHint(err, "the folder is on a read-only file system; choose another folder with `-o` or `--root`, or mount it writable")
	case errors.Is(err, fs.ErrPermission):
		return cmdutil.WithHint(err, "you may not write there; choose another folder with `-o` or `--root`, or change the folder's permissions")
	}
	return err // ENOTDIR: the CLI's own hint names the file in the way
}
