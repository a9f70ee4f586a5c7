//go:build windows

package download

import (
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// preallocate makes the .part sparse, checks that the volume has room for
// it, and sets its size.
//
// NTFS keeps a "valid data length" per file and, on a write past it,
// first writes zeros over the whole gap, synchronously ("your single-byte
// write lasts forever", Raymond Chen, The Old New Thing, 2015-07-10). With
// 8 connections the last one's first write, at 7/8 of a 6 GB file, would
// wait while NTFS wrote 5 GB of zeros (a minute on a hard disk: the stall
// watchdog would fire), and every byte would reach the disk twice. A sparse
// file has no gap to fill: clusters are allocated as data arrives. As a
// sparse file reserves nothing, claim checks the free space up front
// instead, less what the process's other sparse downloads on the volume
// still have to write (see spaceBook). File systems without sparse files
// (FAT32, exFAT) get a plain size.
func preallocate(f *os.File, size int64, claim claimFunc) error {
	if size <= 0 {
		return nil
	}
	if setSparse(f, true) {
		if err := claim(volumeName(f.Name()), 0, func() (uint64, bool) { return freeSpace(f.Name()) }); err != nil {
			return err
		}
	}
	return f.Truncate(size)
}

// claimResumed books with claim what a resumed .part of size bytes has
// still to write when the file is sparse (preallocate made it so), as a
// fresh one is booked: otherwise a file started beside the resume takes
// the free space the resume needs. What is on disk is taken from the
// bytes the download has written (the control file's, resumed), which
// claim gets through the job's count.
func claimResumed(f *os.File, size int64, claim claimFunc) error {
	var info windows.ByHandleFileInformation
	if size <= 0 || windows.GetFileInformationByHandle(windows.Handle(f.Fd()), &info) != nil ||
		info.FileAttributes&windows.FILE_ATTRIBUTE_SPARSE_FILE == 0 {
		return nil
	}
	return claim(volumeName(f.Name()), 0, func() (uint64, bool) { return freeSpace(f.Name()) })
}

// volumeName names the volume of path for claim: its drive or UNC share,
// as volumeOf (destcheck_windows.go) tells volumes apart.
func volumeName(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	return strings.ToUpper(filepath.VolumeName(abs))
}

// finishAllocation makes the complete file an ordinary one again: every
// byte is written, so no range is sparse any more, and backup and copy
// tools need not treat it specially.
func finishAllocation(f *os.File) { setSparse(f, false) }

// setSparse sets or clears f's sparse attribute (FSCTL_SET_SPARSE); false
// when the file system refused.
func setSparse(f *os.File, on bool) bool {
	var in byte // FILE_SET_SPARSE_BUFFER.SetSparse
	if on {
		in = 1
	}
	var n uint32
	return windows.DeviceIoControl(windows.Handle(f.Fd()), windows.FSCTL_SET_SPARSE, &in, uint32(unsafe.Sizeof(in)), nil, 0, &n, nil) == nil
}

// freeSpace returns the bytes free for this user on the volume of path.
func freeSpace(path string) (uint64, bool) {
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return 0, false
	}
	p, err := windows.UTF16PtrFromString(abs)
	if err != nil {
		return 0, false
	}
	var free, total, totalFree uint64
	if windows.GetDiskFreeSpaceEx(p, &free, &total, &totalFree) != nil {
		return 0, false
	}
	return free, true
}
