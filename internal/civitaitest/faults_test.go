package civitaitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFaultResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rule     FaultRule
		path     string // "" = a signed storage URL of FixturePublicLoRA
		status   int
		body     string // substring
		ctype    string
		retry    string
		cache    string
		recorded int // recorded status
	}{
		{name: "503 models", rule: FaultRule{Host: "api", PathPrefix: "/api/v1/models", Status: 503, RetryAfter: "2"},
			path: "/api/v1/models?query=x", status: 503, body: `{"error":"Model search is temporarily overloaded — please retry."}`, ctype: jsonContentType, retry: "2", cache: "no-store"},
		{name: "503 images", rule: FaultRule{Status: 503, RetryAfter: "2"}, path: "/api/v1/images", status: 503,
			body: `{"error":"Image search is temporarily overloaded — please retry."}`, ctype: jsonContentType, retry: "2"},
		{name: "429 download", rule: FaultRule{PathPrefix: "/api/download", Status: 429}, path: "/api/download/models/10101", status: 429,
			body: limiterMessage, ctype: jsonContentType},
		{name: "500 models shape", rule: FaultRule{Status: 500}, path: "/api/v1/models", status: 500,
			body: `{"message":"An unexpected error occurred","error":"URI malformed"}`, ctype: jsonContentType},
		{name: "maintenance", rule: FaultRule{HTMLMaintenance: true}, path: "/api/v1/models/101", status: 200,
			body: "We're adjusting a few things, be back in a few minutes...", ctype: htmlContentType},
		{name: "maintenance 503", rule: FaultRule{HTMLMaintenance: true, Status: 503}, path: "/api/v1/models/101", status: 503, ctype: htmlContentType},
		{name: "cloudflare 524", rule: FaultRule{Status: 524}, path: "/api/v1/models", status: 524, body: "Error code 524", ctype: "text/html; charset=UTF-8"},
		{name: "storage 503", rule: FaultRule{Host: "storage", Status: 503, RetryAfter: "1"}, status: 503, body: "<Code>SlowDown</Code>", ctype: "application/xml", retry: "1"},
		{name: "body override", rule: FaultRule{Status: 418, Body: `{"x":1}`}, path: "/api/v1/tags", status: 418, body: `{"x":1}`, ctype: jsonContentType},
		// A 503 of the API carries the overload answer's Retry-After: 2 by
		// default (§2.1, §2.6, §6); "none" drops it; other statuses and the
		// storage host send none unless asked.
		{name: "503 default Retry-After", rule: FaultRule{Status: 503}, path: "/api/v1/models?query=x", status: 503,
			body: `{"error":"Model search is temporarily overloaded — please retry."}`, ctype: jsonContentType, retry: "2", cache: "no-store"},
		{name: "503 tags default Retry-After", rule: FaultRule{Status: 503}, path: "/api/v1/tags", status: 503,
			body: `{"error":"Server busy, please retry shortly."}`, ctype: jsonContentType, retry: "2"},
		// The model search's overload message is the /models list's only
		// (§2.1); /models/{id} and the version endpoints have none (§2.2,
		// §2.3) and get the generic one.
		{name: "503 models list without query", rule: FaultRule{Status: 503}, path: "/api/v1/models?limit=1", status: 503,
			body: `{"error":"Model search is temporarily overloaded — please retry."}`, ctype: jsonContentType, retry: "2"},
		{name: "503 model by id", rule: FaultRule{Status: 503}, path: "/api/v1/models/101", status: 503,
			body: `{"error":"Server busy, please retry shortly."}`, ctype: jsonContentType, retry: "2"},
		{name: "503 version", rule: FaultRule{Status: 503}, path: "/api/v1/model-versions/10101", status: 503,
			body: `{"error":"Server busy, please retry shortly."}`, ctype: jsonContentType, retry: "2"},
		{name: "503 by-hash", rule: FaultRule{Status: 503}, path: "/api/v1/model-versions/by-hash/ABC", status: 503,
			body: `{"error":"Server busy, please retry shortly."}`, ctype: jsonContentType, retry: "2"},
		{name: "503 Retry-After none", rule: FaultRule{Status: 503, RetryAfter: "none"}, path: "/api/v1/images", status: 503, ctype: jsonContentType},
		{name: "503 Retry-After set", rule: FaultRule{Status: 503, RetryAfter: "7"}, path: "/api/v1/images", status: 503, ctype: jsonContentType, retry: "7"},
		{name: "storage 503 no default", rule: FaultRule{Host: "storage", Status: 503}, status: 503, body: "<Code>SlowDown</Code>", ctype: "application/xml"},
		{name: "500 no Retry-After", rule: FaultRule{Status: 500}, path: "/api/v1/models/101", status: 500, ctype: jsonContentType},
		// Each endpoint's own 404 body (§2.2, §2.3).
		{name: "404 model", rule: FaultRule{Status: 404}, path: "/api/v1/models/101", status: 404, body: `{"error":"No model with id 101"}`, ctype: jsonContentType},
		// A 404 of a download whose version exists is the storage resolve
		// failure: "File not found", not cacheable (§2.10).
		{name: "404 download resolve failure", rule: FaultRule{Status: 404}, path: "/api/download/models/10101", status: 404,
			body: `{"error":"File not found"}`, ctype: jsonContentType, cache: "private, no-store"},
		{name: "404 version", rule: FaultRule{Status: 404}, path: "/api/v1/model-versions/10101", status: 404, body: `{"error":"Model not found"}`, ctype: jsonContentType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
			u := s.URL + tt.path
			if tt.path == "" {
				u = signed(t, s, vid(FixturePublicLoRA, 1))
			}
			tt.rule.Times = 1
			s.AddFault(tt.rule)
			r := get(t, u)
			if r.status != tt.status || !bytes.Contains(r.body, []byte(tt.body)) {
				t.Errorf("got %d %s", r.status, r.body)
			}
			for k, want := range map[string]string{"Content-Type": tt.ctype, "Retry-After": tt.retry, "Cache-Control": tt.cache} {
				if want != "" && r.header.Get(k) != want {
					t.Errorf("%s = %q, want %q", k, r.header.Get(k), want)
				}
			}
			if tt.retry == "" && r.header.Get("Retry-After") != "" {
				t.Errorf("unexpected Retry-After")
			}
			if again := get(t, u); again.status == tt.status && tt.status != 200 {
				t.Errorf("Times=1 fault applied twice")
			}
		})
	}
}

func TestFaultSkipTimesHostAndClear(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	s.AddFault(FaultRule{Host: "api", PathPrefix: "/api/v1/tags", Skip: 1, Times: 2, Status: 502})
	s.AddFault(FaultRule{Host: "storage", Status: 500})
	var got []int
	for i := 0; i < 5; i++ {
		got = append(got, get(t, s.URL+"/api/v1/tags").status)
	}
	if diff := cmp.Diff([]int{200, 502, 502, 200, 200}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if r := get(t, s.URL+"/api/v1/enums"); r.status != 200 {
		t.Errorf("other path affected: %d", r.status)
	}
	if len(s.Faults()) != 2 {
		t.Errorf("Faults() = %v", s.Faults())
	}
	s.ClearFaults()
	if r := get(t, signed(t, s, vid(FixturePublicLoRA, 1))); r.status != 200 {
		t.Errorf("after ClearFaults: %d", r.status)
	}
}

// TestFaultMaxConcurrent checks that a max-concurrent rule refuses only the
// requests beyond the limit, and only while the others are being answered.
func TestFaultMaxConcurrent(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	loc := signed(t, s, vid(FixturePublicLoRA, 1))
	s.AddFault(FaultRule{Host: "storage", MaxConcurrent: 2, Status: 503})
	// The first two answers stall after 10 bytes: two requests in flight.
	s.AddFault(FaultRule{Host: "storage", Stall: time.Minute, StallAfterBytes: 10, Times: 2})
	var open []*http.Response
	for range 2 {
		resp, err := rawGet(t, loc)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("request within the limit: %d", resp.StatusCode)
		}
		open = append(open, resp)
	}
	if r := get(t, loc); r.status != 503 || !strings.Contains(string(r.body), "SlowDown") {
		t.Errorf("third request at once: %d %s, want 503 SlowDown", r.status, r.body)
	}
	if r := get(t, s.URL+"/api/v1/enums"); r.status != 200 {
		t.Errorf("api host affected: %d", r.status)
	}
	for _, resp := range open {
		resp.Body.Close() // the server sees the connection go and returns
	}
	// The server counts a request answered when its handler returns,
	// which may trail the client's last read by a moment.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := get(t, loc)
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the others finished: %d, want 200", r.status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rawGet performs a GET and returns the response for streaming reads.
func rawGet(t *testing.T, u string, hdr ...string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", u, nil)
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	return (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
}

func TestFaultDropAfterBytes(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	loc := signed(t, s, vid(FixturePublicLoRA, 1))
	f := mustFile(t, s, fid(vid(FixturePublicLoRA, 1), 1))
	s.AddFault(FaultRule{Host: "storage", DropAfterBytes: 1000, Times: 1})
	resp, err := rawGet(t, loc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(b) != 1000 {
		t.Fatalf("read %d bytes, err %v; want 1000 and unexpected EOF", len(b), err)
	}
	if resp.ContentLength != f.Size {
		t.Errorf("Content-Length %d, want the full %d", resp.ContentLength, f.Size)
	}
	if !bytes.Equal(b, bodyOf(f)[:1000]) {
		t.Error("bytes before the drop are wrong")
	}
	// Resume from the drop point works.
	r := get(t, loc, "Range: bytes=1000-")
	if r.status != 206 || !bytes.Equal(append(b, r.body...), bodyOf(f)) {
		t.Errorf("resume: %d", r.status)
	}
	var rec *RequestRecord
	for _, x := range s.Requests() {
		if x.Host == "storage" && x.Range == "" {
			rec = &x
		}
	}
	if rec == nil || rec.BytesSent != 1000 || rec.Status != 200 {
		t.Errorf("record %+v", rec)
	}
}

func TestFaultResetConnection(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	s.AddFault(FaultRule{PathPrefix: "/api/v1/enums", ResetConnection: true, Times: 1})
	if resp, err := rawGet(t, s.URL+"/api/v1/enums"); err == nil {
		resp.Body.Close()
		t.Fatalf("got response %d, want a connection error", resp.StatusCode)
	}
	if r := get(t, s.URL+"/api/v1/enums"); r.status != 200 {
		t.Errorf("after the reset: %d", r.status)
	}
	recs := s.Requests()
	if len(recs) < 1 || recs[0].Status != 0 {
		t.Errorf("records %+v", recs)
	}
}

func TestFaultStallLatencyAndBandwidth(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	loc := signed(t, s, vid(FixturePublicLoRA, 1))
	f := mustFile(t, s, fid(vid(FixturePublicLoRA, 1), 1))
	full := bodyOf(f)

	t.Run("stall", func(t *testing.T) {
		s.AddFault(FaultRule{Host: "storage", Stall: 300 * time.Millisecond, StallAfterBytes: 100, Times: 1})
		resp, err := rawGet(t, loc)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		head := make([]byte, 100)
		if _, err := io.ReadFull(resp.Body, head); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rest, err := io.ReadAll(resp.Body)
		if d := time.Since(start); err != nil || d < 250*time.Millisecond {
			t.Errorf("rest after %v, err %v; want a stall of ~300ms", d, err)
		}
		if !bytes.Equal(append(head, rest...), full) {
			t.Error("stalled body differs")
		}
	})
	t.Run("latency", func(t *testing.T) {
		s.AddFault(FaultRule{Host: "api", PathPrefix: "/api/v1/enums", Latency: 200 * time.Millisecond, Times: 1})
		start := time.Now()
		if r := get(t, s.URL+"/api/v1/enums"); r.status != 200 || time.Since(start) < 190*time.Millisecond {
			t.Errorf("latency: %d after %v", r.status, time.Since(start))
		}
	})
	t.Run("bandwidth", func(t *testing.T) {
		// ~200 KiB at 800 KiB/s takes ~250 ms.
		s.AddFault(FaultRule{Host: "storage", BytesPerSec: 800 << 10, Times: 1})
		start := time.Now()
		r := get(t, loc)
		d := time.Since(start)
		if r.status != 200 || !bytes.Equal(r.body, full) {
			t.Fatalf("throttled download: %d", r.status)
		}
		want := time.Duration(float64(f.Size) / float64(800<<10) * float64(time.Second))
		if d < want*8/10 {
			t.Errorf("took %v, want at least ~%v", d, want)
		}
	})
	t.Run("disposition", func(t *testing.T) {
		plain := get(t, loc, "Range: bytes=0-0")
		if cd := plain.header.Get("Content-Disposition"); !strings.Contains(cd, "filename=") {
			t.Fatalf("storage sends no file name: %q", cd)
		}
		const other = `attachment; filename="../../other.safetensors"`
		s.AddFault(FaultRule{Host: "storage", Disposition: other, Times: 1})
		r := get(t, loc, "Range: bytes=0-0")
		if r.status != 206 || r.header.Get("Content-Disposition") != other {
			t.Errorf("disposition fault: %d %q", r.status, r.header.Get("Content-Disposition"))
		}
		if r := get(t, loc, "Range: bytes=0-0"); r.header.Get("Content-Disposition") != plain.header.Get("Content-Disposition") {
			t.Errorf("after the fault: %q", r.header.Get("Content-Disposition"))
		}
	})
	t.Run("ignore range", func(t *testing.T) {
		s.AddFault(FaultRule{Host: "storage", IgnoreRange: true, Times: 1})
		r := get(t, loc, "Range: bytes=10-20")
		if r.status != 200 || !bytes.Equal(r.body, full) {
			t.Errorf("ignore range: %d, %d bytes", r.status, len(r.body))
		}
	})
}

func TestCloseAbortsStalledResponses(t *testing.T) {
	t.Parallel()
	s, err := NewServer(Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	if err != nil {
		t.Fatal(err)
	}
	loc := signed(t, s, vid(FixturePublicLoRA, 1))
	s.AddFault(FaultRule{Host: "storage", Stall: time.Hour})
	resp, err := rawGet(t, loc)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(resp.Body)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	s.Close()
	s.Close() // idempotent
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("stalled body completed without error")
		}
	case <-time.After(5 * time.Second):
		t.Error("client still blocked after Close")
	}
	resp.Body.Close()
}

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	rules := `[{"host":"api","pathPrefix":"/api/v1/tags","times":1,"status":503,"retryAfter":"2","latency":"10ms"},{"host":"storage","stall":1000000,"times":1}]`
	r := call(t, "POST", s.URL+"/__fake/faults", []byte(rules))
	if r.status != 200 {
		t.Fatalf("POST faults: %d %s", r.status, r.body)
	}
	want := []FaultRule{
		{Host: "api", PathPrefix: "/api/v1/tags", Times: 1, Status: 503, RetryAfter: "2", Latency: 10 * time.Millisecond},
		{Host: "storage", Stall: time.Millisecond, Times: 1},
	}
	if diff := cmp.Diff(want, s.Faults()); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if r := get(t, s.URL+"/api/v1/tags"); r.status != 503 {
		t.Errorf("fault from admin not applied: %d", r.status)
	}
	listed := decode[[]FaultRule](t, get(t, s.URL+"/__fake/faults").body)
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("GET faults round trip (-want +got):\n%s", diff)
	}
	if r := call(t, "DELETE", s.URL+"/__fake/faults", nil); r.status != 200 || len(s.Faults()) != 0 {
		t.Errorf("DELETE faults: %d, %d left", r.status, len(s.Faults()))
	}
	if r := call(t, "POST", s.URL+"/__fake/faults", []byte(`{"latency":"soon"}`)); r.status != 400 {
		t.Errorf("bad rule: %d", r.status)
	}
	// Requests: admin calls are not recorded.
	get(t, s.URL+"/api/v1/enums?token=abc", "Authorization: Bearer test-key")
	recs := decode[[]RequestRecord](t, get(t, s.URL+"/__fake/requests").body)
	last := recs[len(recs)-1]
	if last.Path != "/api/v1/enums" || last.RawQuery != "token=abc" || !last.HasAuthorization || last.UserAgent != "civit-test/1.0" || last.Status != 200 {
		t.Errorf("last record %+v", last)
	}
	for _, rec := range recs {
		if strings.HasPrefix(rec.Path, "/__fake/") {
			t.Errorf("admin request recorded: %+v", rec)
		}
	}
	call(t, "DELETE", s.URL+"/__fake/requests", nil)
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d records after DELETE", n)
	}
	// Mutation and fixtures.
	id := fid(vid(FixturePublicLoRA, 1), 1)
	old := mustFile(t, s, id).ETag()
	r = call(t, "POST", fmt.Sprintf("%s/__fake/files/%d/mutate", s.URL, id), nil)
	if r.status != 200 || mustFile(t, s, id).ETag() == old {
		t.Errorf("mutate: %d %s", r.status, r.body)
	}
	fx := decode[[]FixtureInfo](t, get(t, s.URL+"/__fake/fixtures").body)
	if len(fx) != len(s.Catalog.FixtureIDs()) || fx[0] != (FixtureInfo{Name: "PublicLoRA", ModelID: 101, VersionID: 10101, FileID: 1010101}) {
		t.Errorf("fixtures %+v", fx)
	}
	if r := get(t, s.URL+"/__fake/nope"); r.status != 404 {
		t.Errorf("unknown admin: %d", r.status)
	}
}

func TestParseFaultRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    FaultRule
		wantErr bool
	}{
		{in: "host=storage,path=/model,bytes-per-sec=20000000", want: FaultRule{Host: "storage", PathPrefix: "/model", BytesPerSec: 20000000}},
		{in: "status=503, retry-after=2 ,times=3,skip=1", want: FaultRule{Status: 503, RetryAfter: "2", Times: 3, Skip: 1}},
		{in: "html-maintenance,latency=1.5s", want: FaultRule{HTMLMaintenance: true, Latency: 1500 * time.Millisecond}},
		{in: "drop-after-bytes=1024,stall=2s,stall-after-bytes=10,ignore-range=true,reset=false", want: FaultRule{DropAfterBytes: 1024, Stall: 2 * time.Second, StallAfterBytes: 10, IgnoreRange: true}},
		{in: "body={\"error\":\"x\"},content-type=application/json", want: FaultRule{Body: `{"error":"x"}`, ContentType: "application/json"}},
		{in: `host=storage,disposition=attachment; filename="../../x.bin"`, want: FaultRule{Host: "storage", Disposition: `attachment; filename="../../x.bin"`}},
		{in: "host=storage,max-concurrent=2,status=503", want: FaultRule{Host: "storage", MaxConcurrent: 2, Status: 503}},
		{in: "max-concurrent=-1", wantErr: true},
		{in: "", wantErr: true},
		{in: "host=web", wantErr: true},
		{in: "status=99", wantErr: true},
		{in: "times=-1", wantErr: true},
		{in: "latency=-1s", wantErr: true},
		{in: "bogus=1", wantErr: true},
		{in: "ignore-range=maybe", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseFaultRule(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseFaultRule(%q) error %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFaultRule(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseFaultRule checks that parsed rules are valid and that String
// round-trips through the parser.
func FuzzParseFaultRule(f *testing.F) {
	for _, s := range []string{"host=storage,path=/model,bytes-per-sec=20000000", "status=503,retry-after=2", "html-maintenance,stall=1s", "drop-after=5,times=+3", "disposition=attachment; filename=a.bin"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseFaultRule(s)
		if err != nil {
			return
		}
		if r.Times < 0 || r.Skip < 0 || r.MaxConcurrent < 0 || r.Latency < 0 || r.Stall < 0 || r.DropAfterBytes < 0 || r.BytesPerSec < 0 ||
			(r.Status != 0 && (r.Status < 100 || r.Status > 599)) || (r.Host != "" && r.Host != "api" && r.Host != "storage") {
			t.Fatalf("invalid rule %+v from %q", r, s)
		}
		if r.String() == "" {
			return
		}
		r2, err := ParseFaultRule(r.String())
		if err != nil {
			t.Fatalf("String %q does not parse: %v", r.String(), err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip %q -> %+v -> %q -> %+v", s, r, r.String(), r2)
		}
	})
}

func TestFaultRuleJSON(t *testing.T) {
	t.Parallel()
	var r FaultRule
	if err := json.Unmarshal([]byte(`{"latency":250000000,"stall":"1m","bytesPerSec":5}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Latency != 250*time.Millisecond || r.Stall != time.Minute || r.BytesPerSec != 5 {
		t.Errorf("%+v", r)
	}
	if err := json.Unmarshal([]byte(`{"stall":true}`), &r); err == nil {
		t.Error("bool duration accepted")
	}
}
