package library

import (
	"io/fs"

	"golang.org/x/sys/windows"

	"github.com/civit/civit/internal/winfs"
)

// idsFromStat is false: what FindNextFile and GetFileAttributesEx return
// (an fs.FileInfo) has no file index, so a file's identity costs an open
// (FileID), and Scan asks it only of files it needs it for.
const idsFromStat = false

// InodeOf returns 0, 0: an fs.FileInfo has no file index on Windows. Use
// FileID.
func InodeOf(fs.FileInfo) (inode, dev uint64) { return 0, 0 }

// FileID returns the identity of the file at path, as os.SameFile sees it:
// its NTFS file index and its volume's serial number (0, 0 when the file
// cannot be opened). Two paths with the same non-zero identity are one
// file (a rename, a hard link). The file is opened for no access at all,
// which another program's lock does not refuse, and the link itself when
// it is one, as Lstat does.
func FileID(path string, _ fs.FileInfo) (inode, dev uint64) {
	p, err := windows.UTF16PtrFromString(winfs.LongPath(path))
	if err != nil {
		return 0, 0
	}
	h, err := windows.CreateFile(p, 0, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return 0, 0
	}
	defer windows.CloseHandle(h)
	var i windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &i); err != nil {
		return 0, 0
	}
	return uint64(i.FileIndexHigh)<<32 | uint64(i.FileIndexLow), uint64(i.VolumeSerialNumber)
}
