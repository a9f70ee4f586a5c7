package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe buffer for stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		code := run(ctx, []string{
			"--addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--models", "5", "--seed", "3",
			"--api-key", "k1", "--api-key", "k2", "--big-file-size", "1MiB", "--url-ttl", "1h",
			"--fault", "host=api,path=/api/v1/tags,status=503,retry-after=2,times=1", "--print-fixtures", "--count-page-totals",
		}, outW, &stderr)
		outW.Close()
		done <- code
	}()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var ready string
	select {
	case ready = <-lines:
	case <-time.After(10 * time.Second):
		t.Fatalf("no ready line; stderr: %s", stderr.String())
	}
	m := regexp.MustCompile(`^civitai-fake: api=(http://127\.0\.0\.1:\d+) storage=(http://localhost:\d+)$`).FindStringSubmatch(ready)
	if m == nil {
		t.Fatalf("ready line %q", ready)
	}
	api := m[1]
	var fixtures []string
	for len(fixtures) < 12 {
		select {
		case l := <-lines:
			fixtures = append(fixtures, l)
		case <-time.After(5 * time.Second):
			t.Fatalf("fixtures: %v", fixtures)
		}
	}
	if fixtures[0] != "fixture PublicLoRA model=101 version=10101 file=1010101" {
		t.Errorf("first fixture line %q", fixtures[0])
	}
	get := func(path string, hdr ...string) int {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", api+path, nil)
		for _, h := range hdr {
			k, v, _ := strings.Cut(h, ": ")
			req.Header.Set(k, v)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/api/v1/models/101"); got != 200 {
		t.Errorf("model: %d", got)
	}
	if got := get("/api/v1/tags"); got != 503 {
		t.Errorf("--fault not applied: %d", got)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", api+"/api/v1/tags?limit=1", nil)
	if resp, err := (&http.Client{}).Do(req); err != nil {
		t.Error(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !regexp.MustCompile(`"totalItems":[1-9]`).Match(b) {
			t.Errorf("--count-page-totals not applied: %s", b)
		}
	}
	if got := get("/api/download/models/10301", "Authorization: Bearer k2"); got != 307 {
		t.Errorf("second --api-key not accepted: %d", got)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if !strings.Contains(stderr.String(), "api GET /api/v1/models/101 -> 200") {
		t.Errorf("request log missing: %s", stderr.String())
	}
}

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"--nope"}, 2},
		{[]string{"--fault", "host=web"}, 2},
		{[]string{"--big-file-size", "2XB"}, 2},
		{[]string{"extra"}, 2},
		{[]string{"--addr", "256.0.0.1:99999"}, 1},
		{[]string{"-h"}, 0},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if got := run(t.Context(), tt.args, &out, &errb); got != tt.code {
			t.Errorf("run(%q) = %d, want %d (stderr %s)", tt.args, got, tt.code, errb.String())
		}
		if out.Len() != 0 {
			t.Errorf("run(%q) wrote stdout %q", tt.args, out.String())
		}
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false},
		{"4096", 4096, false},
		{"4KiB", 4096, false},
		{"2MiB", 2 << 20, false},
		{"2GiB", 2 << 30, false},
		{"2G", 2 << 30, false},
		{"1.5GiB", 3 << 29, false},
		{"10MB", 10_000_000, false},
		{" 64 mib ", 64 << 20, false},
		{"1TiB", 1 << 40, false},
		{"", 0, true},
		{"GiB", 0, true},
		{"-1", 0, true},
		{"1e9", 0, true},
		{"5XB", 0, true},
		{"99999999999TiB", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"2GiB", "1.5 MB", "0", "12", "k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("parseSize(%q) = %d", s, n)
		}
		// A plain number of bytes round-trips.
		if m, err := parseSize(fmt.Sprint(n)); err != nil || m != n {
			t.Fatalf("round trip of %d: %d, %v", n, m, err)
		}
	})
}
