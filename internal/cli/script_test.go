package cli

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/civitaitest"
	"github.com/civit/civit/internal/tableprinter"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"civit": func() {
			testOnlyRetry = &api.RetryPolicy{MaxAttempts: 3, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond, MaxElapsed: 5 * time.Second,
				LimitWait: time.Second, LimitBudget: 3 * time.Second} // waits of 1 s and 2 s at the download limit
			// A script that checks the "slow to answer" note sets it short.
			testOnlySlowAfter, _ = time.ParseDuration(os.Getenv("CIVIT_TEST_SLOW_AFTER"))
			os.Exit(Main())
		},
		// exitcode N prog args... runs prog and fails unless it exits with N.
		"exitcode": func() { os.Exit(exitcodeMain(os.Args[1:])) },
		// headpipe stdout|stderr N prog args... runs prog with that stream
		// a pipe closed after N lines, as `prog | head -N` does.
		"headpipe": func() { os.Exit(headpipeMain(os.Args[1:])) },
		// sigrelay SIG[,SIG...] prog args... runs prog and sends it the
		// signals (HUP, TERM, INT), 50 ms apart, when sent Ctrl-C
		// (testscript's kill knows only INT and KILL).
		"sigrelay": func() { os.Exit(sigrelayMain(os.Args[1:])) },
		// holdlock DB FLAG DURATION holds DB's write lock for DURATION, as
		// another program writing the library does; FLAG exists while it
		// is held.
		"holdlock": func() { os.Exit(holdlockMain(os.Args[1:])) },
		// gonecwd prog args... runs prog in a current folder that was
		// deleted (a shell left in a folder another removed; Unix).
		"gonecwd": func() { os.Exit(gonecwdMain(os.Args[1:])) },
	})
}

func gonecwdMain(args []string) int {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: gonecwd prog [args...]")
		return 2
	}
	dir, err := os.MkdirTemp("", "civit-gone")
	if err == nil {
		if err = os.Chdir(dir); err == nil {
			err = os.Remove(dir)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gonecwd:", err)
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	return childCode(args[0], cmd.Run())
}

func holdlockMain(args []string) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: holdlock DB FLAG DURATION")
		return 2
	}
	d, err := time.ParseDuration(args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "holdlock:", err)
		return 2
	}
	db, err := sql.Open("sqlite", args[0])
	if err == nil {
		defer db.Close()
		var conn *sql.Conn
		if conn, err = db.Conn(context.Background()); err == nil {
			defer conn.Close()
			if _, err = conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err == nil {
				_, err = conn.ExecContext(context.Background(), "INSERT INTO misses VALUES ('holdlock', 1)")
			}
		}
	}
	if err == nil {
		err = os.WriteFile(args[1], nil, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "holdlock:", err)
		return 1
	}
	time.Sleep(d)
	os.Remove(args[1])
	return 0
}

// childCode is the exit code of a finished child as a shell gives it:
// 128+N for one killed by signal N, which is also said on stderr.
func childCode(name string, err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			fmt.Fprintf(os.Stderr, "%s: killed by signal: %v\n", name, ws.Signal())
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		return 2
	}
	return 0
}

func headpipeMain(args []string) int {
	n, err := 0, error(nil)
	if len(args) >= 3 {
		n, err = strconv.Atoi(args[1])
	}
	if len(args) < 3 || err != nil || args[0] != "stdout" && args[0] != "stderr" {
		fmt.Fprintln(os.Stderr, "usage: headpipe stdout|stderr N prog [args...]")
		return 2
	}
	cmd := exec.Command(args[2], args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "headpipe:", err)
		return 2
	}
	own := os.Stdout
	if args[0] == "stdout" {
		cmd.Stdout = w
	} else {
		cmd.Stderr, own = w, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "headpipe:", err)
		return 2
	}
	w.Close()
	line := make([]byte, 1)
	for i := 0; i < n; {
		if _, err := r.Read(line); err != nil {
			break
		}
		own.Write(line)
		if line[0] == '\n' {
			i++
		}
	}
	r.Close()
	return childCode(args[2], cmd.Wait())
}

func sigrelayMain(args []string) int {
	var send []os.Signal
	for _, name := range strings.Split(firstOr(args, ""), ",") {
		sig := map[string]os.Signal{"HUP": syscall.SIGHUP, "TERM": syscall.SIGTERM, "INT": os.Interrupt}[strings.TrimPrefix(name, "SIG")]
		if sig == nil {
			send = nil
			break
		}
		send = append(send, sig)
	}
	if len(args) < 2 || len(send) == 0 {
		fmt.Fprintln(os.Stderr, "usage: sigrelay HUP|TERM|INT[,...] prog [args...]")
		return 2
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "sigrelay:", err)
		return 2
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	go func() {
		for range sigs {
			for i, sig := range send {
				if i > 0 {
					time.Sleep(50 * time.Millisecond)
				}
				cmd.Process.Signal(sig)
			}
		}
	}()
	err := cmd.Wait()
	signal.Stop(sigs)
	return childCode(args[1], err)
}

func firstOr(args []string, def string) string {
	if len(args) == 0 {
		return def
	}
	return args[0]
}

func exitcodeMain(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: exitcode N prog [args...]")
		return 2
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "exitcode: bad code", args[0])
		return 2
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "exitcode:", err)
		return 2
	}
	// Forward Ctrl-C and SIGTERM so scripts can interrupt the wrapped program.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	signal.Stop(sigs)
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "exitcode:", err)
		return 2
	}
	if got != want {
		fmt.Fprintf(os.Stderr, "exitcode: %s exited with %d, want %d\n", args[1], got, want)
		return 1
	}
	return 0
}

// TestScripts runs testdata/script/*.txtar: the real civit against a fake
// CivitAI server on loopback. Each script gets its own server and
// $CIVITAI_BASE_URL, and XDG dirs inside $WORK.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		// [symlinks-visible]: a symbolic link can be made and Lstat sees
		// it as one. Wine 8 makes them but shows them to Lstat as the
		// files they point to; Windows without the privilege cannot make
		// them at all. [tinyfs]: the tinyfs command can mount.
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "symlinks-visible":
				return symlinksVisible(), nil
			case "tinyfs": // root on Linux: scripts can mount a small tmpfs
				return canMount(), nil
			case "readonly": // the readonly command can keep civit from writing
				return runtime.GOOS != "windows" && (os.Geteuid() != 0 || canMount()), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			srv, err := civitaitest.NewServer(civitaitest.Options{Seed: 1, Models: 300, APIKeys: []string{"test-key-123456"}})
			if err != nil {
				return err
			}
			env.Defer(srv.Close)
			env.Values["srv"] = srv
			env.Values["proxy"] = new(proxyBox) // the proxy command's
			// A forward HTTP proxy in front of the fake API, so scripts can
			// check that HTTP_PROXY is honoured (loopback is never proxied by
			// Go, so scripts use a made-up host name behind it).
			target, _ := url.Parse(srv.URL)
			proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
			env.Defer(proxy.Close)
			env.Setenv("PROXY_URL", proxy.URL)
			env.Setenv("CIVITAI_BASE_URL", srv.URL)
			// Under -race every process sleeps 1 s at exit by default;
			// scripts run civit dozens of times.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			env.Setenv("FAKE_STORAGE", srv.StorageURL)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, ".local/share"))
			// Windows reads its config and cache folders from these
			// (os.UserConfigDir, os.UserCacheDir), not from XDG_*.
			env.Setenv("APPDATA", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("LOCALAPPDATA", filepath.Join(env.WorkDir, ".cache"))
			for name, id := range srv.Catalog.FixtureIDs() {
				env.Setenv("FIXTURE_"+strings.ToUpper(name), strconv.FormatInt(id, 10))
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"fault":      cmdFault,
			"nofaults":   func(ts *testscript.TestScript, _ bool, _ []string) { server(ts).ClearFaults() },
			"fixture":    cmdFixture,
			"hide-model": cmdHideModel,
			"readlink":   cmdReadlink,
			"sleep-till": cmdSleepTill,
			"checkfile":  cmdCheckFile,
			"corrupt":    cmdCorrupt,
			"mutate": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: mutate FILEID (re-upload: new bytes and hash)")
				}
				id, err := strconv.ParseInt(args[0], 10, 64)
				ts.Check(err)
				ts.Check(server(ts).MutateFile(id))
			},
			"storage-saw-no-key": func(ts *testscript.TestScript, neg bool, _ []string) {
				n := 0
				for _, r := range server(ts).Requests() {
					if r.Host == "storage" {
						n++
						if r.HasAuthorization {
							ts.Fatalf("storage request %s %s carried Authorization", r.Method, r.Path)
						}
					}
				}
				if n == 0 {
					ts.Fatalf("no storage request was made")
				}
			},
			// requests-at-most N [PATH-PREFIX]: the fake got at most N API
			// requests (under PATH-PREFIX) since the last clear-requests.
			"requests-at-most": cmdRequestsAtMost,
			// answered-before A B: a request whose path starts with A was
			// answered before the last one whose path starts with B.
			"answered-before": cmdAnsweredBefore,
			"clear-requests":  func(ts *testscript.TestScript, _ bool, _ []string) { server(ts).ResetRequests() },
			// download-limit N [WINDOW]: CivitAI's download limiter lets N
			// downloads through per WINDOW (default a minute); 0: none.
			"download-limit": cmdDownloadLimit,
			"hardlink":       cmdHardlink,
			"tinyfs":         cmdTinyfs,
			"lsdir":          cmdLsdir,
			// sum-fetched: the bytesFetched of the --json report on stdout
			// add up to the bytes of the summary on stderr.
			"sum-fetched": cmdSumFetched,
			"envq":        cmdEnvq,
			"readonly":    cmdReadonly,
			// sparse PATH SIZE: a file of SIZE bytes (4g, 512m) that takes
			// no room, slow to hash.
			"sparse": cmdSparse,
			// age PATH DURATION: PATH was last modified DURATION ago.
			"age": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: age PATH DURATION")
				}
				d, err := time.ParseDuration(args[1])
				ts.Check(err)
				t := time.Now().Add(-d)
				ts.Check(os.Chtimes(ts.MkAbs(args[0]), t, t))
			},
			// proxy [refuse | user:password]: a fake CivitAI behind a
			// forward proxy (proxy_script_test.go); proxy-saw HOST.
			"proxy":     cmdProxy,
			"proxy-saw": cmdProxySaw,
			// agents: "HOST METHOD PATH USER-AGENT" of every request
			// the fake answered, one a line on stdout.
			"agents": func(ts *testscript.TestScript, _ bool, _ []string) {
				for _, r := range server(ts).Requests() {
					fmt.Fprintf(ts.Stdout(), "%s %s %s %s\n", r.Host, r.Method, r.Path, r.UserAgent)
				}
			},
			"sleep": func(ts *testscript.TestScript, _ bool, args []string) {
				d, err := time.ParseDuration(args[0])
				ts.Check(err)
				time.Sleep(d)
			},
		},
	})
}

func server(ts *testscript.TestScript) *civitaitest.Server {
	return ts.Value("srv").(*civitaitest.Server)
}

// cmdFault adds a fault rule: fault host=api path=/api/v1/models status=503 times=2 retry-after=1
func cmdFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! fault")
	}
	// The keys of civitai-fake's --fault flag, one argument each.
	r, err := civitaitest.ParseFaultRule(strings.Join(args, ","))
	if err != nil {
		ts.Fatalf("fault: %v", err)
	}
	server(ts).AddFault(r)
}

func cmdRequestsAtMost(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: requests-at-most N [PATH-PREFIX]")
	}
	limit, err := strconv.Atoi(args[0])
	ts.Check(err)
	n := 0
	for _, r := range server(ts).Requests() {
		if r.Host == "api" && (len(args) == 1 || strings.HasPrefix(r.Path, args[1])) {
			n++
		}
	}
	if n > limit {
		ts.Fatalf("%d API requests, want at most %d", n, limit)
	}
	ts.Logf("%d API requests", n)
}

func cmdDownloadLimit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: download-limit N [WINDOW]")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	var window time.Duration
	if len(args) == 2 {
		window, err = time.ParseDuration(args[1])
		ts.Check(err)
	}
	server(ts).SetDownloadLimit(n, window)
}

func cmdAnsweredBefore(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: answered-before PATH-PREFIX-A PATH-PREFIX-B")
	}
	firstA, lastB := -1, -1
	for i, r := range server(ts).Requests() { // in the order they were answered
		if firstA < 0 && strings.HasPrefix(r.Path, args[0]) {
			firstA = i
		}
		if strings.HasPrefix(r.Path, args[1]) {
			lastB = i
		}
	}
	if firstA < 0 || lastB < 0 {
		ts.Fatalf("no request under %s or %s", args[0], args[1])
	}
	if got := firstA < lastB; got == neg {
		ts.Fatalf("first %s answered as request %d, last %s as %d", args[0], firstA, args[1], lastB)
	}
}

// cmdFixture sets an env var to a property of a fixture: fixture VAR sha256|blake3 <file-id>
func cmdFixture(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: fixture VAR sha256|blake3 FILEID")
	}
	id, err := strconv.ParseInt(args[2], 10, 64)
	ts.Check(err)
	f, ok := server(ts).Catalog.File(id)
	if !ok {
		ts.Fatalf("no file %d", id)
	}
	switch args[1] {
	case "sha256":
		ts.Setenv(args[0], f.SHA256())
	case "blake3":
		ts.Setenv(args[0], f.BLAKE3())
	default:
		ts.Fatalf("fixture: unknown property %q", args[1])
	}
}

// cmdReadlink prints the target of a symbolic link: readlink PATH
func cmdReadlink(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: readlink PATH")
	}
	t, err := os.Readlink(ts.MkAbs(args[0]))
	ts.Check(err)
	fmt.Fprintln(ts.Stdout(), t)
}

// cmdHideModel hides a model as CivitAI hides new and just-edited ones
// (civitaitest.Server.HideModel): hide-model ID [off]
func cmdHideModel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 || len(args) == 2 && args[1] != "off" {
		ts.Fatalf("usage: hide-model ID [off]")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	ts.Check(err)
	ts.Check(server(ts).HideModel(id, len(args) == 1))
}

// cmdSleepTill waits until a file exists (for background commands).
func cmdSleepTill(ts *testscript.TestScript, neg bool, args []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("timed out waiting for %s", args[0])
}

// cmdCorrupt flips the first byte of a file and puts its modification time
// back, as bit rot would: size and mtime (what a cache trusts) unchanged.
// corrupt PATH
func cmdCorrupt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: corrupt PATH")
	}
	p := ts.MkAbs(args[0])
	fi, err := os.Stat(p)
	ts.Check(err)
	b, err := os.ReadFile(p)
	ts.Check(err)
	b[0] ^= 0xff
	ts.Check(os.WriteFile(p, b, fi.Mode()))
	ts.Check(os.Chtimes(p, fi.ModTime(), fi.ModTime()))
}

// cmdCheckFile checks that a downloaded file has the bytes of a catalog
// file: checkfile PATH FILEID
func cmdCheckFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: checkfile PATH FILEID")
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	f, ok := server(ts).Catalog.File(id)
	if !ok {
		ts.Fatalf("no file %d", id)
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	if err != nil {
		if neg {
			return
		}
		ts.Fatalf("%v", err)
	}
	sum := sha256.Sum256(b)
	got := hex.EncodeToString(sum[:])
	h := sha256.New()
	_, err = io.Copy(h, io.NewSectionReader(f.Body(), 0, f.Size))
	ts.Check(err)
	want := hex.EncodeToString(h.Sum(nil))
	if (got == want) == neg {
		ts.Fatalf("%s: sha256 %s, catalog file %d has %s", args[0], got, id, want)
	}
}

// symlinksVisible reports whether a symbolic link can be made and Lstat
// sees it as one (the [symlinks-visible] condition).
var symlinksVisible = sync.OnceValue(func() bool {
	dir, err := os.MkdirTemp("", "civit-symlink")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	link := filepath.Join(dir, "link")
	if err := os.Symlink("target", link); err != nil {
		return false
	}
	fi, err := os.Lstat(link)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
})

// cmdHardlink makes NEW a hard link to OLD, as `ln OLD NEW` does (Windows
// has no ln): hardlink OLD NEW
func cmdHardlink(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: hardlink OLD NEW")
	}
	ts.Check(os.Link(ts.MkAbs(args[0]), ts.MkAbs(args[1])))
}

// cmdLsdir prints the names in each folder, dot files too, one a line and
// sorted, as `ls -A` does (Windows has no ls): lsdir DIR...
func cmdLsdir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: lsdir DIR...")
	}
	for _, dir := range args {
		entries, err := os.ReadDir(ts.MkAbs(dir))
		ts.Check(err)
		for _, e := range entries {
			fmt.Fprintln(ts.Stdout(), e.Name())
		}
	}
}

// cmdReadonly keeps civit from writing in a folder and its files, as a
// library.db of another user or on a read-only mount is: modes 0555 and
// 0444, and for root, whom modes do not stop, a read-only bind mount too
// (guard the script with [readonly]): readonly DIR
func cmdReadonly(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: readonly DIR")
	}
	dir := ts.MkAbs(args[0])
	entries, err := os.ReadDir(dir)
	ts.Check(err)
	for _, e := range entries {
		if e.Type().IsRegular() {
			ts.Check(os.Chmod(filepath.Join(dir, e.Name()), 0o444))
		}
	}
	ts.Check(os.Chmod(dir, 0o555))
	// Modes back first (the work folder is removed after), unmounted
	// before that (deferred calls run last first).
	ts.Defer(func() {
		os.Chmod(dir, 0o755)
		for _, e := range entries {
			os.Chmod(filepath.Join(dir, e.Name()), 0o644)
		}
	})
	if os.Geteuid() == 0 {
		bindReadOnly(ts, dir)
	}
}

func cmdSparse(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sparse PATH SIZE")
	}
	mult := map[byte]int64{'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30}[args[1][len(args[1])-1]]
	num := args[1]
	if mult == 0 {
		mult = 1
	} else {
		num = num[:len(num)-1]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	ts.Check(err)
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Check(f.Truncate(n * mult))
	ts.Check(f.Close())
}

// cmdEnvq sets VAR to a string written with Go escapes, for names no
// script line can hold (a newline) or should (an ESC): unquote VAR 'a\nb'
func cmdEnvq(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envq VAR GO-ESCAPED-STRING")
	}
	s, err := strconv.Unquote(`"` + args[1] + `"`)
	ts.Check(err)
	ts.Setenv(args[0], s)
}

func cmdSumFetched(ts *testscript.TestScript, neg bool, _ []string) {
	if neg {
		ts.Fatalf("unsupported: ! sum-fetched")
	}
	var rep []struct {
		BytesFetched int64 `json:"bytesFetched"`
	}
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &rep))
	var sum int64
	for _, r := range rep {
		sum += r.BytesFetched
	}
	want := fmt.Sprintf(" downloaded (%s in ", tableprinter.Bytes(sum))
	if !strings.Contains(ts.ReadFile("stderr"), want) {
		ts.Fatalf("the summary does not say %q (the sum of bytesFetched)", want)
	}
}
