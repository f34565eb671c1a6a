package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

const devUsage = "want: dev tiny-model --family F [--full] [--seed N] --out FILE | dev load-check [--threads N] [--cold] FILE"

// runDev holds developer tools: fixture checkpoints and load measurements.
func runDev(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("%s", devUsage)
	}
	switch args[0] {
	case "tiny-model":
		return devTinyModel(env, args[1:])
	case "load-check":
		return devLoadCheck(ctx, env, args[1:])
	}
	return usageErr("unknown subcommand %q (%s)", args[0], devUsage)
}

func devTinyModel(env *Env, args []string) error {
	fs := newFlags(env, "dev tiny-model")
	family := fs.String("family", "", "model family: "+strings.Join(fixtures.Families(), ", "))
	full := fs.Bool("full", false, "the released architecture (F16, 2–7 GB) instead of a tiny one")
	seed := fs.Int64("seed", 1, "seed of the random weights")
	out := fs.String("out", "", "file to write (.safetensors)")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return usageErr("unexpected argument %q", rest[0])
	case *out == "":
		return usageErr("--out FILE is required")
	}
	start := time.Now()
	if err := fixtures.Write(*out, *family, *full, *seed); err != nil {
		if errors.Is(err, fixtures.ErrFamily) {
			return usageErr("%v", err)
		}
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s: %s, %s in %.1fs\n", *out, *family, humanSize(st.Size()), time.Since(start).Seconds())
	return nil
}

// LoadCheck is what dev load-check measures: loading every float tensor
// of a checkpoint onto the CPU device as a model load does (nn.Weights:
// F16/BF16 stay half), and the process's memory afterwards.
type LoadCheck struct {
	File       string  `json:"file"`
	FileBytes  int64   `json:"fileBytes"`
	Tensors    int     `json:"tensors"`
	Parameters int64   `json:"parameters"`
	Threads    int     `json:"threads"`
	WarmCache  bool    `json:"warmCache"` // the file was read once before the clock started
	LoadSecs   float64 `json:"loadSeconds"`
	// DeviceBytes is what the device holds: the weights as uploaded.
	DeviceBytes int64 `json:"deviceBytes"`
	// After load, before any forced collection.
	RSS     int64 `json:"rssBytes"`
	RSSAnon int64 `json:"rssAnonBytes"` // heap: the device's copies (+ garbage)
	RSSFile int64 `json:"rssFileBytes"` // mapped file pages the upload touched
	PeakRSS int64 `json:"peakRssBytes"`
	// After runtime.GC and debug.FreeOSMemory.
	RSSAfterGC     int64 `json:"rssAfterGcBytes"`
	RSSAnonAfterGC int64 `json:"rssAnonAfterGcBytes"`
	GoHeapLive     int64 `json:"goHeapLiveBytes"`
	// After the weights file is closed (its mapping released).
	RSSAfterClose int64 `json:"rssAfterCloseBytes"`
}

func devLoadCheck(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "dev load-check")
	threads := fs.Int("threads", 0, "CPU device threads (0 = all cores)")
	cold := fs.Bool("cold", false, "do not read the file once before timing")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErr("want exactly one FILE")
	}
	r, err := loadCheck(ctx, rest[0], *threads, !*cold)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func loadCheck(ctx context.Context, path string, threads int, warm bool) (LoadCheck, error) {
	r := LoadCheck{File: path, WarmCache: warm}
	if warm {
		if err := readThrough(ctx, path); err != nil {
			return r, err
		}
	}
	runtime.GC()
	dev := cpu.New(threads)
	defer dev.Close()
	r.Threads = dev.Info().Threads

	start := time.Now()
	src, err := weights.Open(path)
	if err != nil {
		return r, err
	}
	defer src.Close()
	w := nn.NewWeights(src, dev)
	var loaded []tensor.Tensor // kept reachable until measured
	for _, name := range src.Names() {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		info, _ := src.Info(name)
		if !info.DType.IsFloat() {
			continue // buffers such as position_ids
		}
		shape := make([]int, len(info.Shape))
		for i, d := range info.Shape {
			shape[i] = int(d)
		}
		t, err := w.Tensor(name, shape...)
		if err != nil {
			return r, err
		}
		loaded = append(loaded, t)
		r.Parameters += info.Elements()
	}
	r.LoadSecs = time.Since(start).Seconds()
	r.Tensors = len(loaded)
	r.DeviceBytes = dev.Info().UsedMemory
	if st, err := os.Stat(path); err == nil {
		r.FileBytes = st.Size()
	}

	m := procMemory()
	r.RSS, r.RSSAnon, r.RSSFile, r.PeakRSS = m["VmRSS"], m["RssAnon"], m["RssFile"], m["VmHWM"]
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.GoHeapLive = int64(ms.HeapAlloc)
	m = procMemory()
	r.RSSAfterGC, r.RSSAnonAfterGC = m["VmRSS"], m["RssAnon"]
	if err := src.Close(); err != nil {
		return r, err
	}
	r.RSSAfterClose = procMemory()["VmRSS"]
	runtime.KeepAlive(loaded)
	return r, nil
}

// readThrough reads the file once so the timed load starts from a warm page
// cache, as a second load of the same model does.
func readThrough(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 4<<20)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := f.Read(buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
}

// procMemory reads the process's memory counters, in bytes, from
// /proc/self/status (Linux; empty elsewhere).
func procMemory() map[string]int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return map[string]int64{}
	}
	defer f.Close()
	return parseProcStatus(f)
}

// parseProcStatus reads "Key:   123 kB" lines (proc(5)); other lines and
// malformed values are skipped.
func parseProcStatus(r io.Reader) map[string]int64 {
	out := map[string]int64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || n < 0 || n > 1<<50 {
			continue
		}
		out[key] = n << 10
	}
	return out
}
