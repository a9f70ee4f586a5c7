package library

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/civit/civit/internal/store"
)

// The test binary doubles as a scanning process that the crash test kills.
func TestMain(m *testing.M) {
	if db := os.Getenv("CIVIT_SCAN_CRASH_DB"); db != "" {
		os.Exit(crashScanProcess(db, os.Getenv("CIVIT_SCAN_CRASH_DIR")))
	}
	os.Exit(m.Run())
}

// crashScanProcess scans dir slowly (one file per 5 ms per hasher) until
// it is killed.
func crashScanProcess(db, dir string) int {
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, err = Scan(ctx, ScanOptions{Roots: []string{dir}, Store: st, Jobs: 2, OnHashed: func(string) { time.Sleep(5 * time.Millisecond) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestScanSurvivesSIGKILL kills a scanning process in the middle, then
// checks the database is sound, holds only whole rows, and that a new scan
// finishes the work without hashing again what was recorded.
func TestScanSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 300
	for i := range n {
		e.randomFile(fmt.Sprintf("d%d/%03d.safetensors", i%7, i), 4096+i)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CIVIT_SCAN_CRASH_DB="+e.st.Path(), "CIVIT_SCAN_CRASH_DIR="+e.dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until some batches are committed, then kill it mid-scan.
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := e.st.Count(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if c >= 2*writeBatch {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the scanning process wrote %d rows in 20 s", c)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	st, err := store.Open(t.Context(), e.st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.IntegrityCheck(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := st.List(t.Context(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || len(rows) >= n {
		t.Fatalf("%d rows after the kill: not killed mid-scan", len(rows))
	}
	paths := map[string]bool{}
	for _, r := range rows {
		if paths[r.Path] {
			t.Errorf("duplicate row %s", r.Path)
		}
		paths[r.Path] = true
		fi, err := os.Stat(r.Path)
		if err != nil || r.SHA256 == "" || len(r.SHA256) != 64 || r.Size != fi.Size() || r.Inode == 0 {
			t.Errorf("half a row: %+v (%v)", r, err)
		}
	}
	sum, err := Scan(t.Context(), ScanOptions{Roots: []string{e.dir}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Scanned != n || sum.Hashed != n-len(rows) || sum.Errors != 0 {
		t.Errorf("rescan: scanned %d hashed %d errors %d, want %d, %d, 0", sum.Scanned, sum.Hashed, sum.Errors, n, n-len(rows))
	}
	if c, _ := st.Count(t.Context()); c != n {
		t.Errorf("%d rows, want %d", c, n)
	}
}
