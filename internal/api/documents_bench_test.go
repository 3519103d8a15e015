package api_test

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// BenchmarkDocument20MB uploads and downloads a 20 MB PDF through the HTTP
// API (multipart in, sealed in chunks into PostgreSQL, opened and streamed
// out), with neither side holding the file whole: the client streams a
// generated body and discards the download. It reports throughput (MB/s)
// and the process's live heap before the operation (base-heap-MB) and its
// peak during it (peak-heap-MB, server and client together; sampled every
// millisecond).
//
//	bash .ci/test-db.sh go test -run '^$' -bench BenchmarkDocument20MB -benchtime 5x ./internal/api/
func BenchmarkDocument20MB(b *testing.B) {
	env := apitest.New(b)
	tok := env.Token("caseworker@sezim.kg")
	c := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: tok,
		Body: map[string]any{"identity": map[string]any{"given_name": "Бенч", "family_name": "Тест"}}})
	if c.Status != http.StatusCreated {
		b.Fatalf("case: %d %s", c.Status, c.Body)
	}
	caseID := c.Map(b)["id"].(string)
	const size = 20 << 20
	var lastID string
	b.Run("upload", func(b *testing.B) {
		b.SetBytes(size)
		base, peak := benchPeakHeap(b, func() {
			for range b.N {
				lastID = benchUpload(b, env.HTTP.URL+"/api/v1/cases/"+caseID+"/documents", tok, size)
			}
		})
		b.ReportMetric(peak, "peak-heap-MB")
		b.ReportMetric(base, "base-heap-MB")
	})
	b.Run("download", func(b *testing.B) {
		b.SetBytes(size)
		base, peak := benchPeakHeap(b, func() {
			for range b.N {
				req, _ := http.NewRequest(http.MethodGet, env.HTTP.URL+"/api/v1/documents/"+lastID+"/content", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK || n != size {
					b.Fatalf("download: %d, %d bytes", resp.StatusCode, n)
				}
			}
		})
		b.ReportMetric(peak, "peak-heap-MB")
		b.ReportMetric(base, "base-heap-MB")
	})
}

// benchUpload streams a generated PDF of size bytes and returns the new
// document's id.
func benchUpload(b *testing.B, url, tok string, size int) string {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("title", "Benchmark")
		_ = mw.WriteField("category", "identity")
		fw, err := mw.CreateFormFile("file", "bench.pdf")
		if err == nil {
			_, err = fw.Write([]byte("%PDF-1.7\n"))
		}
		rng := rand.NewChaCha8([32]byte{7})
		buf := make([]byte, 64<<10)
		for left := size - 9; left > 0 && err == nil; left -= len(buf) {
			_, _ = rng.Read(buf)
			_, err = fw.Write(buf[:min(left, len(buf))])
		}
		if err == nil {
			err = mw.Close()
		}
		_ = pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, url, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var d struct {
		ID   string
		Size int
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != http.StatusCreated || d.Size != size {
		b.Fatalf("upload: %d, %v, size %d", resp.StatusCode, err, d.Size)
	}
	return d.ID
}

// benchPeakHeap runs fn and returns the live heap (MiB) before it ran,
// after a collection, and the largest sampled while it ran.
func benchPeakHeap(b *testing.B, fn func()) (base, peak float64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base = float64(sample[0].Value.Uint64()) / (1 << 20)
	var top atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > top.Load() {
				top.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	b.ResetTimer()
	fn()
	b.StopTimer()
	close(stop)
	wg.Wait()
	return base, float64(top.Load()) / (1 << 20)
}
