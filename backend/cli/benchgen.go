package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
)

// GenerateBench is what bench generate reports: one job's stage timings
// (nothing is written to disk), the device it ran on and peak memory.
type GenerateBench struct {
	Model string `json:"model"`
	// Device is the registry name (--device); DeviceDescription the CPU
	// model or GPU name, so figures from different machines stay apart.
	Device            string `json:"device"`
	DeviceDescription string `json:"device_description"`
	Width             int    `json:"width"`
	Height            int    `json:"height"`
	Steps             int    `json:"steps"`
	Sampler           string `json:"sampler"`
	Batch             int    `json:"batch_size"`
	Threads           int    `json:"threads"`
	// SPerStep is sample_s over the sampler steps run: one CFG step is a
	// conditional and an unconditional UNet pass (one at CFG 1).
	SPerStep float64 `json:"s_per_step"`
	// ItPerS is 1/SPerStep (0 when no step ran): the figure GPU benchmarks
	// are usually quoted in.
	ItPerS      float64 `json:"it_per_s"`
	LoadS       float64 `json:"load_s"`
	TextEncodeS float64 `json:"text_encode_s"`
	SampleS     float64 `json:"sample_s"`
	DecodeS     float64 `json:"decode_s"`
	TotalS      float64 `json:"total_s"`
	PeakRSSMB   float64 `json:"peak_rss_mb"` // VmHWM from /proc/self/status
	// PeakDeviceMB is the device's high-water mark of its own buffers
	// (compute.Info.PeakMemory); 0 when the device does not track it.
	PeakDeviceMB float64 `json:"peak_device_mb"`
}

func benchGenerate(ctx context.Context, env *Env, args []string) error {
	g := newGenFlags(env, "bench generate")
	cpuProfile := g.fs.String("cpuprofile", "", "write a pprof CPU profile of the generation to this file")
	if rest, err := parseInterleaved(g.fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageErr("unexpected argument %q", rest[0])
	}
	res := &resolver{env: env, ctx: ctx}
	defer res.close()
	req, err := g.request(res.resolve)
	if err != nil {
		return err
	}
	tightenGC()
	dev, err := g.openDevice()
	if err != nil {
		return err
	}
	defer dev.Close()
	eng := pipeline.New(dev, pipeline.Options{FindLora: res.findLora, FindEmbedding: res.findEmbedding})
	var bar func(pipeline.Progress)
	if !g.asJSON {
		bar = newProgressBar(env.Stderr).update
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	r, err := eng.Generate(ctx, req, bar)
	if perr := stopProfile(); err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	info := dev.Info()
	b := GenerateBench{
		Model: req.Model, Device: g.device, DeviceDescription: info.Description,
		Steps: r.Steps, Sampler: req.Sampler, Batch: req.BatchSize, Threads: info.Threads,
		LoadS: r.Timings.LoadS, TextEncodeS: r.Timings.TextEncodeS, SampleS: r.Timings.SampleS,
		DecodeS: r.Timings.DecodeS, TotalS: r.Timings.TotalS,
		PeakRSSMB:    float64(procMemory()["VmHWM"]) / (1 << 20),
		PeakDeviceMB: float64(info.PeakMemory) / (1 << 20),
	}
	if len(r.Images) > 0 {
		b.Width, b.Height = r.Images[0].Width, r.Images[0].Height
	}
	if r.Steps > 0 {
		b.SPerStep = r.Timings.SampleS / float64(r.Steps*req.BatchCount)
	}
	if b.SPerStep > 0 {
		b.ItPerS = 1 / b.SPerStep
	}
	runtime.KeepAlive(eng)
	if g.asJSON {
		return json.NewEncoder(env.Stdout).Encode(b)
	}
	fmt.Fprintf(env.Stdout, "%dx%d, %d steps of %s on %s (%s", b.Width, b.Height, b.Steps, b.Sampler, b.Device, b.DeviceDescription)
	if b.Threads > 0 {
		fmt.Fprintf(env.Stdout, ", %d threads", b.Threads)
	}
	fmt.Fprintln(env.Stdout, ")")
	fmt.Fprintf(env.Stdout, "  s/step       %8.2f\n  it/s         %8.2f\n  load         %8.2f s\n  text encode  %8.2f s\n  sample       %8.2f s\n  decode       %8.2f s\n  total        %8.2f s\n  peak RSS     %8.0f MB\n",
		b.SPerStep, b.ItPerS, b.LoadS, b.TextEncodeS, b.SampleS, b.DecodeS, b.TotalS, b.PeakRSSMB)
	if b.PeakDeviceMB > 0 {
		fmt.Fprintf(env.Stdout, "  peak device  %8.0f MB\n", b.PeakDeviceMB)
	}
	return nil
}

// startCPUProfile starts a pprof CPU profile into path ("" for none) and
// returns the function that ends it and closes the file.
func startCPUProfile(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		return nil
	}, nil
}
