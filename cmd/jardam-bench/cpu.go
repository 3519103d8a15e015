package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Processor time per iteration: what the server, the database cluster and
// the bench's own clients spent on each iteration of a run, read from
// Linux's /proc before and after it. On a shared machine a run's throughput
// moves with whatever else runs beside it; the processor time an iteration
// costs moves much less, so it is the figure to compare two trees by, and it says
// where a request's cost goes (the server's Go, PostgreSQL, the client).
// The bench and the server run on the same processors: a run's throughput
// is bounded by their sum.

// CPUUse is a run's processor time per iteration (a request, two for
// refer-accept; a transaction of the minimal SQL), in milliseconds. The
// database's is unknown (0) with -bootstrap-url, whose server may serve
// others.
type CPUUse struct {
	ServerMS   float64 `json:"server_ms"`
	DatabaseMS float64 `json:"database_ms,omitempty"`
	ClientMS   float64 `json:"client_ms"`
}

// Total is the processor time of one iteration, all processes together.
func (u CPUUse) Total() float64 { return u.ServerMS + u.DatabaseMS + u.ClientMS }

// cpuMeter knows the processes it measures: the server, and the private
// cluster's postmaster (0 when the database is not the private cluster).
type cpuMeter struct {
	serverPID, postmasterPID int
}

// cpuSample is the processor time used so far by each part.
type cpuSample struct {
	server, database, client time.Duration
}

// userHZ is the unit of /proc's times: Linux reports them in ticks of
// USER_HZ, 100 a second on every architecture it runs on here.
const userHZ = 100

func (m cpuMeter) sample() cpuSample {
	var s cpuSample
	if m.serverPID > 0 {
		s.server = procTime(m.serverPID, false)
	}
	if m.postmasterPID > 0 {
		s.database = clusterTime(m.postmasterPID)
	}
	s.client = procTime(os.Getpid(), false)
	return s
}

// per returns the processor time from a to b for each of n iterations.
func (m cpuMeter) per(a, b cpuSample, n int) CPUUse {
	if n <= 0 {
		return CPUUse{}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	u := CPUUse{ServerMS: ms(b.server - a.server), ClientMS: ms(b.client - a.client)}
	if m.postmasterPID > 0 {
		u.DatabaseMS = ms(b.database - a.database)
	}
	return u
}

// procStat returns the fields of /proc/pid/stat after the command's name
// (the first is the state, the second the parent's pid), or nil.
func procStat(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	return statFields(string(data))
}

// statFields splits a line of /proc/pid/stat after the command's name,
// which is in parentheses and may hold spaces and parentheses itself.
func statFields(line string) []string {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(line[i+1:])
}

// ticks is the processor time in fields of procStat: user and system, and
// with children those of the children it has waited for.
func ticks(f []string, children bool) time.Duration {
	if len(f) < 15 {
		return 0
	}
	last := 12 // utime 11, stime 12; cutime 13, cstime 14
	if children {
		last = 14
	}
	var n int64
	for _, v := range f[11 : last+1] {
		t, _ := strconv.ParseInt(v, 10, 64)
		n += t
	}
	return time.Duration(n) * time.Second / userHZ
}

// procTime is a process's processor time so far.
func procTime(pid int, children bool) time.Duration { return ticks(procStat(pid), children) }

// clusterTime is the processor time of a PostgreSQL cluster so far: the
// postmaster's own and that of the backends it has waited for, plus that of
// its running children (backends, the checkpointer, the WAL writer,
// autovacuum).
func clusterTime(postmaster int) time.Duration {
	total := procTime(postmaster, true)
	entries, _ := os.ReadDir("/proc")
	pm := strconv.Itoa(postmaster)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == postmaster {
			continue
		}
		if f := procStat(pid); len(f) > 1 && f[1] == pm {
			total += ticks(f, true)
		}
	}
	return total
}

// postmasterPID reads the pid of the cluster in dir from its
// postmaster.pid, or 0.
func postmasterPID(dir string) int {
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}
