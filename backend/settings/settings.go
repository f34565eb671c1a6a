package settings

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// SchemaVersion is the version of the settings file this build writes. A file
// with a higher version came from a newer DreamLayer and is not guessed at.
const SchemaVersion = 1

// Settings is everything the user can change that survives a restart.
type Settings struct {
	Version int `json:"version"`
	// Theme is "system", "light" or "dark".
	Theme string `json:"theme"`
	// ModelsRoot is the folder holding checkpoints/, loras/, …; "" means the
	// default models root of the paths layout.
	ModelsRoot string `json:"modelsRoot"`
	// ExtraModelRoots are further model folders scanned read-only, such as an
	// AUTOMATIC1111 or ComfyUI models/ folder.
	ExtraModelRoots []string `json:"extraModelRoots"`
	// OutputDir is where images are written; "" means the default.
	OutputDir string `json:"outputDir"`
	// FilenamePattern names generated images: [seed] [model_name]
	// [prompt_words] [date] [time] [width] [height] [steps]; the result is
	// sanitised for every OS and never overwrites a file.
	FilenamePattern string `json:"filenamePattern"`
	// LogLevel is "debug", "info", "warn" or "error".
	LogLevel   string     `json:"logLevel"`
	Engine     Engine     `json:"engine"`
	Generation Generation `json:"generation"`
	Cloud      Cloud      `json:"cloud"`
	ComfyUI    ComfyUI    `json:"comfyui"`
}

// ComfyUI lists remote ComfyUI servers that workflow jobs may run on, as
// extra render capacity.
type ComfyUI struct {
	// Servers are base URLs such as "http://gpu-box:8188" (at most
	// MaxComfyServers, no repeats).
	Servers []string `json:"servers"`
}

// Cloud holds overrides for the cloud providers' API roots, for proxies and
// compatible endpoints; "" means the provider's own URL. The environment
// variables DREAMLAYER_OPENAI_BASE_URL etc. win over these.
type Cloud struct {
	OpenAIBaseURL   string `json:"openaiBaseURL"`
	IdeogramBaseURL string `json:"ideogramBaseURL"`
	BFLBaseURL      string `json:"bflBaseURL"`
}

// Engine configures the local diffusion engine worker.
type Engine struct {
	// Device is "auto", "cpu" or "cuda".
	Device string `json:"device"`
	// IdleTimeoutMinutes stops an idle worker to give RAM/VRAM back;
	// 0 means never, otherwise 1–1440.
	IdleTimeoutMinutes int `json:"idleTimeoutMinutes"`
	// MemoryBudgetGB caps the engine's memory use; 0 means automatic.
	MemoryBudgetGB float64 `json:"memoryBudgetGB"`
}

// Generation holds the defaults the generate form starts from.
type Generation struct {
	// Checkpoint is a catalog model id, or "" for none chosen.
	Checkpoint string `json:"checkpoint"`
	// Sampler is one of Samplers().
	Sampler string `json:"sampler"`
	// Scheduler is one of Schedulers().
	Scheduler string  `json:"scheduler"`
	Steps     int     `json:"steps"`
	CFGScale  float64 `json:"cfgScale"`
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	// Seed is the noise seed; -1 picks a random one per image.
	Seed      int64 `json:"seed"`
	ClipSkip  int   `json:"clipSkip"`
	BatchSize int   `json:"batchSize"`
}

// Limits of numeric settings, shared by Validate and its messages.
const (
	MinSteps, MaxSteps             = 1, 150
	MinCFG, MaxCFG                 = 0.0, 30.0
	MinSize, MaxSize, SizeMultiple = 64, 4096, 8 // latent space is 1/8 of the image
	MinClipSkip, MaxClipSkip       = 1, 12
	MinBatch, MaxBatch             = 1, 16
	MaxIdleTimeoutMinutes          = 1440
	MaxMemoryBudgetGB              = 4096.0
	MaxExtraModelRoots             = 64
	MaxComfyServers                = 16
	maxTextLen                     = 4096
)

// Themes lists the accepted Theme values.
func Themes() []string { return []string{"system", "light", "dark"} }

// LogLevels lists the accepted LogLevel values.
func LogLevels() []string { return []string{"debug", "info", "warn", "error"} }

// Devices lists the accepted Engine.Device values.
func Devices() []string { return []string{"auto", "cpu", "cuda"} }

// Schedulers lists the accepted Generation.Scheduler values (k-diffusion
// sigma schedules).
func Schedulers() []string {
	return []string{"normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta", "align_your_steps"}
}

// Samplers lists the accepted Generation.Sampler ids, the samplers users know
// from A1111 and ComfyUI.
func Samplers() []string {
	return []string{
		"euler", "euler_a", "heun", "dpm_2", "dpm_2_a", "lms",
		"dpmpp_2m", "dpmpp_2m_sde", "dpmpp_3m_sde", "dpmpp_sde", "dpmpp_2s_a",
		"ddim", "plms", "uni_pc", "lcm",
	}
}

// DefaultFilenamePattern sorts images by time and keeps the seed and the
// prompt's first words visible in a file manager.
const DefaultFilenamePattern = "[date]-[seed]-[prompt_words]"

// MaxFilenamePattern bounds the pattern's length.
const MaxFilenamePattern = 200

// Defaults returns the settings of a fresh install.
func Defaults() Settings {
	return Settings{
		Version:         SchemaVersion,
		Theme:           "system",
		ExtraModelRoots: []string{},
		ComfyUI:         ComfyUI{Servers: []string{}},
		LogLevel:        "info",
		FilenamePattern: DefaultFilenamePattern,
		Engine: Engine{
			Device:             "auto",
			IdleTimeoutMinutes: 15,
		},
		Generation: Generation{
			Sampler:   "euler_a",
			Scheduler: "normal",
			Steps:     25,
			CFGScale:  7,
			Width:     512,
			Height:    512,
			Seed:      -1,
			ClipSkip:  1,
			BatchSize: 1,
		},
	}
}

// clone returns a deep copy, so callers never share the slices.
func (s Settings) clone() Settings {
	s.ExtraModelRoots = slices.Clone(s.ExtraModelRoots)
	if s.ExtraModelRoots == nil {
		s.ExtraModelRoots = []string{}
	}
	s.ComfyUI.Servers = slices.Clone(s.ComfyUI.Servers)
	if s.ComfyUI.Servers == nil {
		s.ComfyUI.Servers = []string{}
	}
	return s
}

// normalise trims text, lower-cases enum values, cleans paths and drops empty
// or repeated extra roots. It does not judge validity; Validate does.
func (s Settings) normalise() Settings {
	s = s.clone()
	s.Theme = enum(s.Theme)
	s.LogLevel = enum(s.LogLevel)
	s.Engine.Device = enum(s.Engine.Device)
	s.Generation.Sampler = enum(s.Generation.Sampler)
	s.Generation.Scheduler = enum(s.Generation.Scheduler)
	s.Generation.Checkpoint = strings.TrimSpace(s.Generation.Checkpoint)
	s.ModelsRoot = cleanPath(s.ModelsRoot)
	s.OutputDir = cleanPath(s.OutputDir)
	if s.FilenamePattern = strings.TrimSpace(s.FilenamePattern); s.FilenamePattern == "" {
		s.FilenamePattern = DefaultFilenamePattern
	}
	s.Cloud.OpenAIBaseURL = strings.TrimSpace(s.Cloud.OpenAIBaseURL)
	s.Cloud.IdeogramBaseURL = strings.TrimSpace(s.Cloud.IdeogramBaseURL)
	s.Cloud.BFLBaseURL = strings.TrimSpace(s.Cloud.BFLBaseURL)
	roots := make([]string, 0, len(s.ExtraModelRoots))
	for _, r := range s.ExtraModelRoots {
		r = cleanPath(r)
		if r != "" && !slices.Contains(roots, r) {
			roots = append(roots, r)
		}
	}
	s.ExtraModelRoots = roots
	// Blank entries are dropped and a trailing slash is not part of a
	// server's identity; repeats stay for Validate to name.
	servers := make([]string, 0, len(s.ComfyUI.Servers))
	for _, u := range s.ComfyUI.Servers {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			servers = append(servers, u)
		}
	}
	s.ComfyUI.Servers = servers
	return s
}

func enum(v string) string { return strings.ToLower(strings.TrimSpace(v)) }

func cleanPath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return ""
	}
	return filepath.Clean(p)
}

// Validate reports every problem at once, each naming the field and what it
// accepts, e.g. "generation.steps: 0 is out of range 1–150".
func (s Settings) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	oneOf := func(field, v string, allowed []string) {
		if !slices.Contains(allowed, v) {
			add(field, "%q is not one of %s", short(v), strings.Join(allowed, ", "))
		}
	}
	intRange := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			add(field, "%d is out of range %d–%d", v, lo, hi)
		}
	}
	floatRange := func(field string, v, lo, hi float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
			add(field, "%g is out of range %g–%g", v, lo, hi)
		}
	}
	path := func(field, p string) {
		switch {
		case len(p) > maxTextLen:
			add(field, "path is longer than %d bytes", maxTextLen)
		case hasControl(p):
			add(field, "%q contains control characters", short(p))
		case !filepath.IsAbs(p):
			add(field, "%q must be an absolute path", short(p))
		}
	}

	if s.Version != SchemaVersion {
		add("version", "%d is not supported (this DreamLayer reads version %d)", s.Version, SchemaVersion)
	}
	oneOf("theme", s.Theme, Themes())
	oneOf("logLevel", s.LogLevel, LogLevels())
	if s.ModelsRoot != "" {
		path("modelsRoot", s.ModelsRoot)
	}
	if s.OutputDir != "" {
		path("outputDir", s.OutputDir)
	}
	switch {
	case len(s.FilenamePattern) > MaxFilenamePattern:
		add("filenamePattern", "is %d characters, more than %d", len(s.FilenamePattern), MaxFilenamePattern)
	case strings.ContainsAny(s.FilenamePattern, `/\`):
		add("filenamePattern", "names a file, not a folder: remove / and \\ (choose the folder with outputDir)")
	}
	if len(s.ExtraModelRoots) > MaxExtraModelRoots {
		add("extraModelRoots", "%d folders is more than the limit of %d", len(s.ExtraModelRoots), MaxExtraModelRoots)
	} else {
		for i, r := range s.ExtraModelRoots {
			path(fmt.Sprintf("extraModelRoots[%d]", i), r)
		}
	}

	oneOf("engine.device", s.Engine.Device, Devices())
	intRange("engine.idleTimeoutMinutes", s.Engine.IdleTimeoutMinutes, 0, MaxIdleTimeoutMinutes)
	floatRange("engine.memoryBudgetGB", s.Engine.MemoryBudgetGB, 0, MaxMemoryBudgetGB)

	g := s.Generation
	if len(g.Checkpoint) > maxTextLen || hasControl(g.Checkpoint) {
		add("generation.checkpoint", "must be a model id of at most %d bytes without control characters", maxTextLen)
	}
	oneOf("generation.sampler", g.Sampler, Samplers())
	oneOf("generation.scheduler", g.Scheduler, Schedulers())
	intRange("generation.steps", g.Steps, MinSteps, MaxSteps)
	floatRange("generation.cfgScale", g.CFGScale, MinCFG, MaxCFG)
	for _, d := range []struct {
		field string
		v     int
	}{{"generation.width", g.Width}, {"generation.height", g.Height}} {
		switch {
		case d.v < MinSize || d.v > MaxSize:
			add(d.field, "%d is out of range %d–%d", d.v, MinSize, MaxSize)
		case d.v%SizeMultiple != 0:
			add(d.field, "%d is not a multiple of %d", d.v, SizeMultiple)
		}
	}
	if g.Seed < -1 {
		add("generation.seed", "%d is invalid (use -1 for random or a number ≥ 0)", g.Seed)
	}
	intRange("generation.clipSkip", g.ClipSkip, MinClipSkip, MaxClipSkip)
	intRange("generation.batchSize", g.BatchSize, MinBatch, MaxBatch)

	for _, c := range []struct{ field, v string }{
		{"cloud.openaiBaseURL", s.Cloud.OpenAIBaseURL},
		{"cloud.ideogramBaseURL", s.Cloud.IdeogramBaseURL},
		{"cloud.bflBaseURL", s.Cloud.BFLBaseURL},
	} {
		if c.v != "" {
			if msg := checkBaseURL(c.v); msg != "" {
				add(c.field, "%q %s", short(c.v), msg)
			}
		}
	}
	if len(s.ComfyUI.Servers) > MaxComfyServers {
		add("comfyui.servers", "%d servers is more than the limit of %d", len(s.ComfyUI.Servers), MaxComfyServers)
	} else {
		for i, u := range s.ComfyUI.Servers {
			field := fmt.Sprintf("comfyui.servers[%d]", i)
			if msg := checkBaseURL(u); msg != "" {
				add(field, "%q %s", short(u), msg)
			} else if j := slices.Index(s.ComfyUI.Servers, u); j < i {
				add(field, "%q repeats comfyui.servers[%d]", short(u), j)
			}
		}
	}
	return errors.Join(errs...)
}

// checkBaseURL accepts an absolute http(s) URL with a host and no user
// info, query or fragment (keys go in headers, never in URLs); it returns
// what is wrong, or "".
func checkBaseURL(v string) string {
	if len(v) > maxTextLen || hasControl(v) {
		return "is not a valid URL"
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return "is not a valid URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must start with http:// or https://"
	case u.Host == "":
		return "has no host"
	case u.User != nil:
		return "must not contain a user name or password"
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "must not have a query or fragment"
	}
	return ""
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// short keeps error messages readable when a hand-edited or corrupt file holds
// a very long value.
func short(v string) string {
	const max = 64
	if len(v) <= max {
		return v
	}
	r := []rune(v)
	if len(r) <= max {
		return v
	}
	return string(r[:max]) + "…"
}
