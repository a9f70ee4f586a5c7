package download_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/civit/civit/internal/download"
	"golang.org/x/time/rate"
)

// A caller resolves the CivitAI download redirect to a signed storage URL,
// then hands it to the engine with the published hash. Resolve is asked
// for a fresh URL if the signature expires mid-way.
func ExampleDownloader_Download() {
	var done atomic.Int64
	d := download.New(download.Options{
		UserAgent: "civit/1.0",
		Limiter:   rate.NewLimiter(50<<20, 1<<20), // 50 MiB/s over all downloads
		Progress: func(ev download.Event) {
			if ev.Kind == download.EventProgress {
				done.Add(ev.N) // cheap: a renderer samples it on a ticker
			}
		},
	})
	res, err := d.Download(context.Background(), download.Request{
		Source: download.Source{
			URL: "https://storage.example/model.safetensors?X-Amz-Signature=...",
			Resolve: func(ctx context.Context) (string, error) {
				return "https://storage.example/model.safetensors?X-Amz-Signature=fresh", nil
			},
		},
		Dest:     "/models/lora/model.safetensors",
		SHA256:   "5f8e0b9ff5d3a09a5bc85dd2cd5c1a8b0a1ee0a1c09bd9e3bb7b9c8c27de5ffc",
		Identity: "mv:123/f:456",
	})
	switch {
	case download.IsPermanent(err):
		fmt.Println("giving up:", err)
	case err != nil:
		fmt.Println("try again later:", err)
	default:
		fmt.Println(res.Path, res.SHA256, res.Resumed)
	}
}
