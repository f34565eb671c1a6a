package sampling

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownSampler and ErrUnknownSchedule are returned for names no table
// entry knows.
var (
	ErrUnknownSampler  = errors.New("unknown sampler")
	ErrUnknownSchedule = errors.New("unknown schedule")
)

// ScheduleHint is what a sampler name says about the sigmas to run it on.
type ScheduleHint struct {
	// ID is DreamLayer's settings id of the sampler ("dpmpp_2m").
	ID string
	// Schedule is the schedule id the name itself fixes (A1111's old
	// combined names such as "DPM++ 2M Karras"), or "" when the user picks.
	Schedule string
	// Default is the schedule id to use when the user picked none
	// (A1111's "Automatic").
	Default string
	// DiscardPenultimate asks for n+1 sigmas with the next-to-last dropped
	// (DiscardPenultimate), as the host the name comes from does.
	DiscardPenultimate bool
	// Brownian: the sampler's noise should be a BrownianTree seeded from the
	// request seed (A1111 and ComfyUI do so for the SDE samplers).
	Brownian bool
}

type samplerEntry struct {
	fn    Sampler
	hint  ScheduleHint
	names []string // DreamLayer ids, ComfyUI ids, k-diffusion aliases
	a1111 []string // A1111 display names; these also take a " Karras" or " Exponential" suffix
}

// samplerTable is the one map from names to samplers (read-only). Defaults
// follow A1111 1.9's per-sampler "Automatic" schedulers; discard flags follow
// A1111 for A1111 names and ComfyUI for ComfyUI ids, which differ for
// DPM++ 3M SDE and UniPC.
var samplerTable = []samplerEntry{
	{Euler, ScheduleHint{ID: "euler", Default: "normal"}, []string{"euler", "k_euler"}, []string{"Euler"}},
	{EulerAncestral, ScheduleHint{ID: "euler_a", Default: "normal"}, []string{"euler_a", "euler_ancestral", "k_euler_a", "k_euler_ancestral"}, []string{"Euler a"}},
	{Heun, ScheduleHint{ID: "heun", Default: "normal"}, []string{"heun", "k_heun"}, []string{"Heun"}},
	{DPM2, ScheduleHint{ID: "dpm_2", Default: "karras", DiscardPenultimate: true}, []string{"dpm_2", "k_dpm_2"}, []string{"DPM2"}},
	{DPM2Ancestral, ScheduleHint{ID: "dpm_2_a", Default: "karras", DiscardPenultimate: true}, []string{"dpm_2_a", "dpm_2_ancestral", "k_dpm_2_a"}, []string{"DPM2 a"}},
	{DPMPP2SAncestral, ScheduleHint{ID: "dpmpp_2s_a", Default: "karras"}, []string{"dpmpp_2s_a", "dpmpp_2s_ancestral", "k_dpmpp_2s_a"}, []string{"DPM++ 2S a"}},
	{DPMPP2M, ScheduleHint{ID: "dpmpp_2m", Default: "karras"}, []string{"dpmpp_2m", "k_dpmpp_2m"}, []string{"DPM++ 2M"}},
	{DPMPP2MSDE, ScheduleHint{ID: "dpmpp_2m_sde", Default: "exponential", Brownian: true}, []string{"dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "k_dpmpp_2m_sde"}, []string{"DPM++ 2M SDE"}},
	{DPMPP2MSDEHeun, ScheduleHint{ID: "dpmpp_2m_sde_heun", Default: "exponential", Brownian: true}, []string{"dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu", "k_dpmpp_2m_sde_heun"}, []string{"DPM++ 2M SDE Heun"}},
	{DPMPP3MSDE, ScheduleHint{ID: "dpmpp_3m_sde", Default: "exponential", Brownian: true}, []string{"dpmpp_3m_sde", "dpmpp_3m_sde_gpu"}, nil},
	{DPMPP3MSDE, ScheduleHint{ID: "dpmpp_3m_sde", Default: "exponential", Brownian: true, DiscardPenultimate: true}, []string{"k_dpmpp_3m_sde"}, []string{"DPM++ 3M SDE"}},
	{DPMPPSDE, ScheduleHint{ID: "dpmpp_sde", Default: "karras", Brownian: true}, []string{"dpmpp_sde", "dpmpp_sde_gpu", "k_dpmpp_sde"}, []string{"DPM++ SDE"}},
	{LMS, ScheduleHint{ID: "lms", Default: "normal"}, []string{"lms", "k_lms"}, []string{"LMS"}},
	{DDIM, ScheduleHint{ID: "ddim", Default: "ddim_uniform"}, []string{"ddim"}, []string{"DDIM"}},
	{PLMS, ScheduleHint{ID: "plms", Default: "ddim_uniform"}, []string{"plms"}, []string{"PLMS"}},
	{UniPC, ScheduleHint{ID: "uni_pc", Default: "normal", DiscardPenultimate: true}, []string{"uni_pc"}, nil},
	{UniPC, ScheduleHint{ID: "uni_pc", Default: "normal"}, nil, []string{"UniPC"}},
	{UniPCBH2, ScheduleHint{ID: "uni_pc_bh2", Default: "normal", DiscardPenultimate: true}, []string{"uni_pc_bh2"}, nil},
	{LCM, ScheduleHint{ID: "lcm", Default: "sgm_uniform"}, []string{"lcm"}, []string{"LCM"}},
}

// combinedSuffixes are the schedule suffixes of A1111's pre-1.9 sampler names.
var combinedSuffixes = []struct{ suffix, schedule string }{
	{" Karras", "karras"},
	{" Exponential", "exponential"},
}

// LookupSampler finds a sampler by DreamLayer id ("dpmpp_2m"), ComfyUI id
// ("dpmpp_2m_sde_gpu"), A1111 display name ("DPM++ 2M") or A1111's old
// combined name ("DPM++ 2M Karras"). Exact names win; otherwise case is
// ignored.
func LookupSampler(name string) (Sampler, ScheduleHint, error) {
	name = strings.TrimSpace(name)
	for _, fold := range []bool{false, true} {
		eq := func(a, b string) bool { return a == b || fold && strings.EqualFold(a, b) }
		for _, e := range samplerTable {
			for _, n := range append(append([]string(nil), e.names...), e.a1111...) {
				if eq(n, name) {
					return e.fn, e.hint, nil
				}
			}
		}
		for _, s := range combinedSuffixes {
			if len(name) <= len(s.suffix) || !eq(name[len(name)-len(s.suffix):], s.suffix) {
				continue
			}
			base := name[:len(name)-len(s.suffix)]
			for _, e := range samplerTable {
				for _, n := range e.a1111 {
					if eq(n, base) {
						h := e.hint
						h.Schedule = s.schedule
						return e.fn, h, nil
					}
				}
			}
		}
	}
	return nil, ScheduleHint{}, fmt.Errorf("sampler %q: %w", name, ErrUnknownSampler)
}

// SamplerNames lists DreamLayer's sampler ids in table order; LookupSampler
// also accepts the A1111 and ComfyUI names of each.
func SamplerNames() []string {
	var out []string
	for _, e := range samplerTable {
		if len(out) == 0 || out[len(out)-1] != e.hint.ID {
			out = append(out, e.hint.ID)
		}
	}
	return out
}

type scheduleEntry struct {
	id    string
	fn    Schedule
	names []string // ComfyUI ids and A1111 names besides id
}

// scheduleTable maps schedule names (read-only). Where A1111 and ComfyUI
// compute a schedule differently under the same idea (Beta, Align Your
// Steps) each name gets its host's version.
var scheduleTable = []scheduleEntry{
	{"normal", Normal, []string{"Normal", "Uniform"}},
	{"karras", Karras, []string{"Karras"}},
	{"exponential", Exponential, []string{"Exponential"}},
	{"sgm_uniform", SGMUniform, []string{"SGM Uniform"}},
	{"simple", Simple, []string{"Simple"}},
	{"ddim_uniform", DDIMUniform, []string{"DDIM"}},
	{"beta", Beta, nil},
	{"beta_a1111", BetaA1111, []string{"Beta"}},
	{"kl_optimal", KLOptimal, []string{"KL Optimal"}},
	{"align_your_steps", AlignYourSteps, []string{"AYS"}},
	{"align_your_steps_a1111", AlignYourStepsA1111, []string{"Align Your Steps"}},
}

// LookupSchedule finds a schedule by id ("karras"), ComfyUI id or A1111 name
// ("SGM Uniform"). Exact names win; otherwise case is ignored. "Automatic"
// is not a schedule: use ResolveSchedule with the sampler's hint.
func LookupSchedule(name string) (Schedule, error) {
	name = strings.TrimSpace(name)
	for _, fold := range []bool{false, true} {
		for _, e := range scheduleTable {
			for _, n := range append([]string{e.id}, e.names...) {
				if n == name || fold && strings.EqualFold(n, name) {
					return e.fn, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("schedule %q: %w", name, ErrUnknownSchedule)
}

// ResolveSchedule picks the schedule for a run: the one the sampler name
// fixes, else the user's choice, else (empty or "Automatic") the sampler's
// default.
func ResolveSchedule(name string, hint ScheduleHint) (Schedule, error) {
	switch {
	case hint.Schedule != "":
		return LookupSchedule(hint.Schedule)
	case strings.TrimSpace(name) == "" || strings.EqualFold(strings.TrimSpace(name), "automatic"):
		if hint.Default == "" {
			return Normal, nil
		}
		return LookupSchedule(hint.Default)
	}
	return LookupSchedule(name)
}

// ScheduleNames lists the schedule ids in table order; LookupSchedule also
// accepts the A1111 names.
func ScheduleNames() []string {
	out := make([]string, len(scheduleTable))
	for i, e := range scheduleTable {
		out[i] = e.id
	}
	return out
}
