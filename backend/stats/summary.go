package stats

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/history"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

// localProvider is localengine.ProviderName, spelled out because importing
// localengine would pull the engine into this package.
const localProvider = "local"

// Summary is everything the Stats page shows for one time range.
type Summary struct {
	// Since is the range's start (nil: all time); Until its end.
	Since *time.Time `json:"since,omitempty"`
	Until time.Time  `json:"until"`
	// Totals over the range.
	Jobs   int `json:"jobs"`
	Images int `json:"images"`
	// Outcomes counts finished jobs by how they ended.
	Outcomes Outcomes `json:"outcomes"`
	// Timeline splits Outcomes into equal buckets over the range.
	Timeline Timeline `json:"timeline"`
	// ImageSeconds is the wall time per image of succeeded jobs (job time
	// divided by its images), overall and broken down.
	ImageSeconds Breakdown `json:"imageSeconds"`
	// ResponseSeconds is each cloud provider's time from a job's start to
	// its images being saved, for succeeded jobs.
	ResponseSeconds []Spread `json:"responseSeconds"`
	// Resources is what the local engine used, per device, over the jobs
	// that recorded it.
	Resources []Resources `json:"resources"`
}

// Outcomes counts jobs by final state. SuccessRate is done/(done+failed):
// a job the user cancelled did not fail. It is 0 when both are 0.
type Outcomes struct {
	Done        int     `json:"done"`
	Failed      int     `json:"failed"`
	Cancelled   int     `json:"cancelled"`
	SuccessRate float64 `json:"successRate"`
}

// Timeline is Outcomes per bucket of BucketSeconds, oldest first; Start is
// the first bucket's start.
type Timeline struct {
	Start         time.Time `json:"start"`
	BucketSeconds int64     `json:"bucketSeconds"`
	Buckets       []Bucket  `json:"buckets"`
}

// Bucket is one slice of a Timeline.
type Bucket struct {
	Start     time.Time `json:"start"`
	Done      int       `json:"done"`
	Failed    int       `json:"failed"`
	Cancelled int       `json:"cancelled"`
}

// Breakdown is one measure overall and grouped three ways.
type Breakdown struct {
	Overall  Spread   `json:"overall"`
	ByModel  []Spread `json:"byModel"`
	BySize   []Spread `json:"bySize"`
	ByDevice []Spread `json:"byDevice"`
}

// Resources is the local engine's use of one device. Each spread is over
// the jobs that recorded that figure; Count 0 means none did.
type Resources struct {
	Device string `json:"device"`
	// PeakRAMBytes is the worker process's peak resident memory per job.
	PeakRAMBytes Spread `json:"peakRamBytes"`
	// PeakVRAMBytes is the device memory in use at its peak per job.
	PeakVRAMBytes Spread `json:"peakVramBytes"`
	// CPUCores is the worker's CPU time over the job's wall time: how many
	// cores it kept busy on average.
	CPUCores Spread `json:"cpuCores"`
}

// Summarize computes a Summary from samples (as history.JobSamples returns
// them for [since, until)). A zero since means all time: the timeline then
// starts at the first sample. loc sets where day buckets begin.
func Summarize(samples []history.JobSample, since, until time.Time, loc *time.Location) Summary {
	s := Summary{Until: until, Jobs: len(samples), ResponseSeconds: []Spread{}, Resources: []Resources{}}
	if !since.IsZero() {
		t := since
		s.Since = &t
	}
	start := since
	if start.IsZero() && len(samples) > 0 {
		start = samples[0].CreatedAt
	}
	s.Timeline = newTimeline(start, until, loc)

	all := []float64{}
	byModel, bySize, byDevice, response := newGrouper(), newGrouper(), newGrouper(), newGrouper()
	type use struct{ ram, vram, cores []float64 }
	uses := map[string]*use{}
	var devices []string
	for _, j := range samples {
		s.Images += j.Images
		s.Timeline.add(j)
		switch j.State {
		case jobs.Done:
			s.Outcomes.Done++
		case jobs.Failed:
			s.Outcomes.Failed++
		case jobs.Cancelled:
			s.Outcomes.Cancelled++
		}
		dur, ok := j.Duration()
		if j.State != jobs.Done || !ok || j.Images == 0 {
			continue
		}
		per := dur.Seconds() / float64(j.Images)
		all = append(all, per)
		byModel.add(modelLabel(j.Model), per)
		bySize.add(sizeLabel(j.Width, j.Height), per)
		byDevice.add(deviceLabel(j), per)
		if j.Provider != localProvider {
			response.add(j.Provider, dur.Seconds())
			continue
		}
		dev := deviceLabel(j)
		u := uses[dev]
		if u == nil {
			u = &use{}
			uses[dev] = u
			devices = append(devices, dev)
		}
		if j.PeakRAMBytes > 0 {
			u.ram = append(u.ram, float64(j.PeakRAMBytes))
		}
		if j.PeakVRAMBytes > 0 {
			u.vram = append(u.vram, float64(j.PeakVRAMBytes))
		}
		if j.CPUSeconds > 0 && dur > 0 {
			u.cores = append(u.cores, j.CPUSeconds/dur.Seconds())
		}
	}
	if n := s.Outcomes.Done + s.Outcomes.Failed; n > 0 {
		s.Outcomes.SuccessRate = float64(s.Outcomes.Done) / float64(n)
	}
	s.ImageSeconds = Breakdown{
		Overall: spreadOf("all", all), ByModel: byModel.spreads(), BySize: bySize.spreads(), ByDevice: byDevice.spreads(),
	}
	s.ResponseSeconds = response.spreads()
	for _, d := range devices {
		u := uses[d]
		if len(u.ram)+len(u.vram)+len(u.cores) == 0 {
			continue // jobs from before the engine measured anything
		}
		s.Resources = append(s.Resources, Resources{
			Device: d, PeakRAMBytes: spreadOf("ram", u.ram), PeakVRAMBytes: spreadOf("vram", u.vram), CPUCores: spreadOf("cpu", u.cores),
		})
	}
	return s
}

// modelLabel is a model's file name without folders or a weights
// extension; cloud model ids pass through.
func modelLabel(m string) string {
	if m == "" {
		return "unknown"
	}
	base := path.Base(strings.ReplaceAll(m, `\`, "/"))
	for _, ext := range []string{".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf"} {
		if trimmed, ok := strings.CutSuffix(base, ext); ok && trimmed != "" {
			return trimmed
		}
	}
	return base
}

func sizeLabel(w, h int) string {
	if w <= 0 || h <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d×%d", w, h)
}

// deviceLabel is where a job ran: the engine's device for local jobs
// ("local" when the job predates device recording), the provider for cloud
// jobs.
func deviceLabel(j history.JobSample) string {
	switch {
	case j.Provider != localProvider:
		return j.Provider
	case j.Device != "":
		return j.Device
	default:
		return localProvider
	}
}
