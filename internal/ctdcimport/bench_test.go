package ctdcimport_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/ctdcimport"
)

// measured are the layouts the benchmarks generate files in, with the
// columns each must ignore.
var measured = []struct {
	name   string
	layout layout
	ignore []string
}{
	{"KAnonymizedSemicolon", kAnonSemicolon, kAnonIgnore},
	{"SyntheticComma", synthComma, []string{"traffickMonths"}},
}

// BenchmarkImport100k imports a generated file of 100 000 rows in each
// release's layout (a new file per iteration: the same file cannot be
// imported twice). Besides the time per import it reports the file's
// size, the time parsing takes alone, the peak of the Go heap during the
// import, and the CPU time the import takes in this process and in its
// PostgreSQL backend (the pool is held to one connection, so the backend
// is known): on a shared machine the CPU times say more than the wall
// clock. docs/ctdc-import.md gives the figures and the command.
func BenchmarkImport100k(b *testing.B) {
	const rows = 100000
	for _, tc := range measured {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b)
			backend := e.backend()
			var size, parse, goCPU, pgCPU float64
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
				go0, pg0 := processCPU(), procCPU(b, backend)
				b.StartTimer()
				rep, err := e.imp.Import(context.Background(), data, ctdcimport.Options{Organization: "SEZIM", IgnoreColumns: tc.ignore})
				b.StopTimer()
				goCPU += processCPU() - go0
				pgCPU += procCPU(b, backend) - pg0
				stop()
				if err != nil || rep.Imported != rows {
					b.Fatalf("imported %d: %v", rep.Imported, err)
				}
			}
			b.ReportMetric(size, "MB-file")
			b.ReportMetric(parse/float64(b.N), "s-parse/op")
			b.ReportMetric(float64(peak.max)/1e6, "MB-peak-heap")
			b.ReportMetric(goCPU/float64(b.N), "s-cpu-go/op")
			b.ReportMetric(pgCPU/float64(b.N), "s-cpu-postgres/op")
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

// backend holds the application pool to one connection and returns the
// process id of its PostgreSQL backend.
func (e *env) backend() int {
	e.t.Helper()
	sqlDB, err := e.d.App.DB()
	if err != nil {
		e.t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetMaxIdleConns(1)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	var pid int
	if err := e.d.App.Raw(`SELECT pg_backend_pid()`).Scan(&pid).Error; err != nil {
		e.t.Fatal(err)
	}
	return pid
}

// procCPU is the CPU time, user and system, a local process has taken, in
// seconds (from /proc: the server runs on this machine).
func procCPU(b *testing.B, pid int) float64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("the PostgreSQL backend's CPU time: %v", err)
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // clock ticks of 10 ms
}

// processCPU is this process's CPU time, user and system, in seconds.
func processCPU() float64 {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
}

// BenchmarkParse100k parses a generated file of 100 000 rows in each
// release's layout, without a database.
func BenchmarkParse100k(b *testing.B) {
	for _, tc := range measured {
		b.Run(tc.name, func(b *testing.B) {
			data := []byte(tc.layout.generate(100000, 1))
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for range b.N {
				if p, err := ctdcimport.Parse(data, time.Now(), tc.ignore); err != nil || len(p.Persons) != 100000 {
					b.Fatal(len(p.Persons), err)
				}
			}
		})
	}
}
