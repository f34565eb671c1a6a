package localengine

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Metadata keys the provider adds to each output, read back by the stats
// page through the history database (history.ParamDevice and friends).
const (
	metaDevice        = "device"
	metaPeakRAMBytes  = "peak_ram_bytes"
	metaPeakVRAMBytes = "peak_vram_bytes"
	metaCPUSeconds    = "cpu_seconds"
)

// usageInterval is how often a running job's worker is sampled: often
// enough to catch the peak of a VAE decode that lasts a second, rarely
// enough to cost nothing.
const usageInterval = 200 * time.Millisecond

// errNoProcStats: this OS gives no cheap per-process figures (only Linux's
// /proc is read).
var errNoProcStats = errors.New("process statistics not available on this system")

// ProcessInfo is implemented by workers that run in a process the app can
// observe (the Supervisor). The provider uses it to measure each job.
type ProcessInfo interface {
	// Process returns the running worker's pid and the device it runs on;
	// ok is false while none runs.
	Process() (pid int, device string, ok bool)
}

// procStat is one sample of a process.
type procStat struct {
	rssBytes   int64
	cpuSeconds float64
}

// usage is what a job used, as far as sampling saw.
type usage struct {
	device     string
	peakRSS    int64
	cpuSeconds float64
}

// meter samples a worker process while one job runs.
type meter struct {
	info ProcessInfo
	read func(pid int) (procStat, error)
	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	pid      int
	device   string
	measured bool // a sample of pid was read
	firstCPU float64
	lastCPU  float64
	peak     int64
}

func startMeter(info ProcessInfo, read func(pid int) (procStat, error), every time.Duration) *meter {
	m := &meter{info: info, read: read, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// sample reads the worker once. A worker that started mid-job is measured
// from its first sample; a different pid (a restart) starts over, since
// the job in flight failed with the old one. Where the process cannot be
// read, the device is still recorded.
func (m *meter) sample() {
	pid, device, ok := m.info.Process()
	if !ok {
		return
	}
	st, err := m.read(pid)
	m.mu.Lock()
	defer m.mu.Unlock()
	if pid != m.pid {
		m.pid, m.device, m.measured, m.peak = pid, device, false, 0
	}
	if err != nil {
		return // the process just exited, or no /proc
	}
	if !m.measured {
		m.firstCPU, m.measured = st.cpuSeconds, true
	}
	m.lastCPU = st.cpuSeconds
	m.peak = max(m.peak, st.rssBytes)
}

// finish takes a last sample and returns what was measured; ok is false
// when no worker was seen.
func (m *meter) finish() (usage, bool) {
	close(m.stop)
	<-m.done
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pid == 0 {
		return usage{}, false
	}
	u := usage{device: m.device}
	if m.measured {
		u.peakRSS, u.cpuSeconds = m.peak, max(0, m.lastCPU-m.firstCPU)
	}
	return u, true
}

// metadata is the usage as output metadata.
func (u usage) metadata() map[string]any {
	md := map[string]any{metaDevice: u.device}
	if u.peakRSS > 0 {
		md[metaPeakRAMBytes] = u.peakRSS
	}
	if u.cpuSeconds > 0 {
		md[metaCPUSeconds] = u.cpuSeconds
	}
	return md
}

// clockTicks is Linux's USER_HZ, the unit of utime and stime in
// /proc/<pid>/stat. It is 100 on every architecture Linux supports today
// (proc(5)); reading it would need cgo's sysconf.
const clockTicks = 100

// parseProcStat reads utime, stime and rss from a /proc/<pid>/stat line.
// The command name (field 2) is in parentheses and may hold spaces or
// parentheses itself, so fields are counted from the last ')'.
func parseProcStat(data []byte, pageSize int) (procStat, error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return procStat{}, errors.New("proc stat: no command name")
	}
	// After ") " come fields 3 (state) onwards; utime is field 14, stime
	// 15, rss (pages) 24.
	fields := bytes.Fields(data[end+1:])
	const first = 3
	if len(fields) < 24-first+1 {
		return procStat{}, fmt.Errorf("proc stat: %d fields after the name, want at least %d", len(fields), 24-first+1)
	}
	num := func(field int) (int64, error) {
		v, err := strconv.ParseInt(string(fields[field-first]), 10, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("proc stat: field %d: %q is not a count", field, fields[field-first])
		}
		return v, nil
	}
	utime, err := num(14)
	if err != nil {
		return procStat{}, err
	}
	stime, err := num(15)
	if err != nil {
		return procStat{}, err
	}
	rss, err := num(24)
	if err != nil {
		return procStat{}, err
	}
	if rss > (1<<62)/int64(max(pageSize, 1)) {
		return procStat{}, fmt.Errorf("proc stat: rss of %d pages is not plausible", rss)
	}
	return procStat{rssBytes: rss * int64(pageSize), cpuSeconds: float64(utime+stime) / clockTicks}, nil
}
