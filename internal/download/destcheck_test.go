package download

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

func TestCheckDest(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, wantDir string
		wantErr            error
	}{
		{"existing folder", root, root, nil},
		{"folders to be made", filepath.Join(root, "a", "b", "c"), root, nil},
		{"a file in the way", filepath.Join(file, "sub"), "", syscall.ENOTDIR},
		{"the file itself", file, "", syscall.ENOTDIR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := CheckDest(tc.dir)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("CheckDest(%s) = %v, want %v", tc.dir, err, tc.wantErr)
			}
			var nf *NotFolderError
			if tc.wantErr != nil && (!errors.As(err, &nf) || nf.File != file) {
				t.Errorf("error %v does not name the file in the way, %s", err, file)
			}
			if err == nil && v.Dir != tc.wantDir {
				t.Errorf("Dir = %s, want %s", v.Dir, tc.wantDir)
			}
			if err == nil && runtime.GOOS != "plan9" && (!v.Known || v.Free == 0) {
				t.Errorf("free space not read: %+v", v)
			}
		})
	}
	// Two folders of one volume are one volume.
	a, _ := CheckDest(filepath.Join(root, "x"))
	b, _ := CheckDest(filepath.Join(root, "y", "z"))
	if a.ID != b.ID {
		t.Errorf("volume ids differ on one volume: %d, %d", a.ID, b.ID)
	}
}

func TestCheckDestUnwritable(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs Unix permissions that bind this user (not root)")
	}
	ro := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckDest(filepath.Join(ro, "models")); !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("CheckDest in a read-only folder = %v, want a permission error", err)
	}
}
