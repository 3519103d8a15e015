package ctdcimport_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/ctdcimport"
)

// BenchmarkImport100k imports a generated file of 100 000 rows in each
// release's layout (a new file per iteration: the same file cannot be
// imported twice). Besides the time per import it reports the file's
// size, the time parsing takes alone and the peak of the Go heap during
// the import. docs/ctdc-import.md gives the figures and the command.
func BenchmarkImport100k(b *testing.B) {
	const rows = 100000
	for _, tc := range []struct {
		name   string
		layout layout
		ignore []string
	}{
		{"KAnonymizedSemicolon", kAnonSemicolon, kAnonIgnore},
		{"SyntheticComma", synthComma, []string{"traffickMonths"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b)
			var size, parse float64
			peak := heapPeak{}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				data := []byte(tc.layout.generate(rows, uint64(i)))
				start := time.Now()
				if p, err := ctdcimport.Parse(data, time.Now(), tc.ignore); err != nil || len(p.Persons) != rows {
					b.Fatalf("parse: %d persons, %v %v", len(p.Persons), p.Problems, err)
				}
				parse += time.Since(start).Seconds()
				size = float64(len(data)) / 1e6
				runtime.GC()
				stop := peak.watch()
				b.StartTimer()
				rep, err := e.imp.Import(context.Background(), data, ctdcimport.Options{Organization: "SEZIM", IgnoreColumns: tc.ignore})
				b.StopTimer()
				stop()
				if err != nil || rep.Imported != rows {
					b.Fatalf("imported %d: %v", rep.Imported, err)
				}
			}
			b.ReportMetric(size, "MB-file")
			b.ReportMetric(parse/float64(b.N), "s-parse/op")
			b.ReportMetric(float64(peak.max)/1e6, "MB-peak-heap")
		})
	}
}

// heapPeak samples the Go heap in use while it watches.
type heapPeak struct{ max uint64 }

// watch samples every 10 ms until the returned function is called.
func (h *heapPeak) watch() func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			h.max = max(h.max, m.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
