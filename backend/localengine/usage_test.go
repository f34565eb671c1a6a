package localengine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/engine/worker"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

// A real line from /proc/<pid>/stat of a process whose name holds a space
// and a parenthesis, as proc(5) warns can happen.
const statLine = "4242 (dream (layer) x) S 1 4242 4242 0 -1 4194560 12000 0 3 0 " +
	"1234 566 0 0 20 0 17 0 900000 8000000000 250000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n"

func TestParseProcStat(t *testing.T) {
	st, err := parseProcStat([]byte(statLine), 4096)
	require.NoError(t, err)
	assert.Equal(t, int64(250000*4096), st.rssBytes)
	assert.InDelta(t, (1234+566)/100.0, st.cpuSeconds, 1e-12)

	for name, line := range map[string]string{
		"empty":          "",
		"no name":        "4242 S 1 2 3",
		"too few fields": "1 (x) S 1 2 3",
		"negative":       "1 (x) S 1 1 1 0 -1 0 0 0 0 0 -5 6 0 0 20 0 1 0 9 9 10",
		"not a number":   "1 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 6 0 0 20 0 1 0 9 9 10",
		"huge rss":       "1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 9 9 9223372036854775807",
	} {
		_, err := parseProcStat([]byte(line), 4096)
		assert.Error(t, err, name)
	}
}

func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte(statLine))
	f.Add([]byte("1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 9 9 10"))
	f.Add([]byte(")))"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parseProcStat(data, 4096)
		if err == nil {
			assert.GreaterOrEqual(t, st.rssBytes, int64(0))
			assert.GreaterOrEqual(t, st.cpuSeconds, 0.0)
		}
	})
}

func TestReadProcStatOfThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		_, err := readProcStat(os.Getpid())
		require.ErrorIs(t, err, errNoProcStats)
		return
	}
	st, err := readProcStat(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, st.rssBytes, "a Go test binary has resident memory")
	_, err = readProcStat(-1)
	require.Error(t, err)
}

// observedWorker is a scripted worker whose "process" samples come from a
// list, one per read, as the meter would see a job's memory rise and fall.
type observedWorker struct {
	scriptedWorker
	mu      sync.Mutex
	pid     int
	samples []procStat
	reads   int
}

func (w *observedWorker) Process() (int, string, bool) { return w.pid, "cuda", w.pid != 0 }

func (w *observedWorker) read(pid int) (procStat, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if pid != w.pid {
		return procStat{}, errors.New("wrong pid")
	}
	i := min(w.reads, len(w.samples)-1)
	w.reads++
	return w.samples[i], nil
}

func (w *observedWorker) Generate(ctx context.Context, jobID string, req pipeline.Request, progress func(worker.Progress)) (worker.Result, error) {
	// Hold the job until the meter has read every scripted sample.
	for {
		w.mu.Lock()
		n := w.reads
		w.mu.Unlock()
		if n >= len(w.samples) {
			break
		}
		runtime.Gosched()
	}
	return w.scriptedWorker.Generate(ctx, jobID, req, progress)
}

func TestProviderRecordsUsage(t *testing.T) {
	w := &observedWorker{pid: 77, samples: []procStat{
		{rssBytes: 1 << 30, cpuSeconds: 10}, {rssBytes: 3 << 30, cpuSeconds: 14}, {rssBytes: 2 << 30, cpuSeconds: 22.5},
	}}
	w.result = worker.Result{Images: []worker.Image{{Path: "/o/1.png"}, {Path: "/o/2.png"}}}
	out := t.TempDir()
	p := NewProvider(w, ProviderOptions{OutputDir: func() string { return filepath.Join(out, "x") }})
	p.readProc = w.read
	outs, err := p.Run(t.Context(), jobs.Job{ID: "j", Request: jobs.Request{Model: "m", Prompt: "p"}}, func(jobs.Progress) {})
	require.NoError(t, err)
	require.Len(t, outs, 2)
	for _, o := range outs {
		assert.Equal(t, "cuda", o.Metadata[metaDevice])
		assert.Equal(t, int64(3<<30), o.Metadata[metaPeakRAMBytes], "the peak, not the last sample")
		assert.InDelta(t, 12.5, o.Metadata[metaCPUSeconds], 1e-12, "CPU time since the first sample")
	}
}

// TestProviderRecordsPeakVRAM checks that the worker's per-job GPU peak
// lands in every output's metadata, and that a result without one adds
// nothing.
func TestProviderRecordsPeakVRAM(t *testing.T) {
	w := &observedWorker{pid: 5}
	w.result = worker.Result{Images: []worker.Image{{Path: "/o/1.png"}, {Path: "/o/2.png"}}, PeakDeviceBytes: 6 << 30}
	p := NewProvider(w, ProviderOptions{OutputDir: func() string { return t.TempDir() }})
	p.readProc = func(int) (procStat, error) { return procStat{}, errNoProcStats }
	outs, err := p.Run(t.Context(), jobs.Job{ID: "j", Request: jobs.Request{Model: "m"}}, func(jobs.Progress) {})
	require.NoError(t, err)
	for _, o := range outs {
		assert.Equal(t, int64(6<<30), o.Metadata[metaPeakVRAMBytes])
	}
	w.result.PeakDeviceBytes = 0
	outs, err = p.Run(t.Context(), jobs.Job{ID: "k", Request: jobs.Request{Model: "m"}}, func(jobs.Progress) {})
	require.NoError(t, err)
	assert.NotContains(t, outs[0].Metadata, metaPeakVRAMBytes)
}

func TestProviderRecordsDeviceWithoutProcStats(t *testing.T) {
	w := &observedWorker{pid: 5}
	w.result = worker.Result{Images: []worker.Image{{Path: "/o/1.png"}}}
	p := NewProvider(w, ProviderOptions{OutputDir: func() string { return t.TempDir() }})
	p.readProc = func(int) (procStat, error) { return procStat{}, errNoProcStats }
	outs, err := p.Run(t.Context(), jobs.Job{ID: "j", Request: jobs.Request{Model: "m"}}, func(jobs.Progress) {})
	require.NoError(t, err)
	require.Len(t, outs, 1)
	assert.Equal(t, "cuda", outs[0].Metadata[metaDevice])
	assert.NotContains(t, outs[0].Metadata, metaPeakRAMBytes)
	assert.NotContains(t, outs[0].Metadata, metaCPUSeconds)
}
