package pnginfo

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// KV is one "Key: value" entry of the settings line, in the order written.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Parameters is the generation metadata A1111 writes as "parameters" text,
// also filled best-effort from ComfyUI and InvokeAI metadata. Sampler and
// Schedule keep the writer's own names ("DPM++ 2M"/"Karras" from A1111,
// "dpmpp_2m"/"karras" from ComfyUI); mapping them to the engine's samplers is
// the caller's job.
type Parameters struct {
	Prompt         string `json:"prompt"`
	NegativePrompt string `json:"negative_prompt"`
	Steps          int    `json:"steps"`
	Sampler        string `json:"sampler"`
	// Schedule is A1111's "Schedule type" (Karras, Exponential, Automatic…).
	Schedule string  `json:"schedule"`
	CFGScale float64 `json:"cfg_scale"`
	// Seed holds seeds above math.MaxInt64 (ComfyUI allows up to 2^64-1)
	// with their bits reinterpreted: uint64(Seed) recovers them.
	Seed      int64  `json:"seed"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	ModelHash string `json:"model_hash,omitempty"`
	Model     string `json:"model,omitempty"`
	// DenoisingStrength is set for img2img and hires fix; nil for txt2img.
	DenoisingStrength *float64 `json:"denoising_strength,omitempty"`
	// ClipSkip follows A1111: 1 means no layers skipped and is not written.
	ClipSkip int `json:"clip_skip,omitempty"`
	// Extra holds every other setting (VAE, Hires upscale, Lora hashes,
	// Version, ADetailer keys…) unquoted, in the order they were written.
	Extra []KV `json:"extra,omitempty"`
}

// Get returns the value of an Extra key.
func (p Parameters) Get(key string) (string, bool) {
	for _, kv := range p.Extra {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// ErrNoParameters means the text is empty.
var ErrNoParameters = errors.New("no generation parameters")

// Keys that live in Parameters' own fields.
const (
	keySteps     = "Steps"
	keySampler   = "Sampler"
	keySchedule  = "Schedule type"
	keyCFG       = "CFG scale"
	keySeed      = "Seed"
	keySize      = "Size"
	keyModelHash = "Model hash"
	keyModel     = "Model"
	keyDenoise   = "Denoising strength"
	keyClipSkip  = "Clip skip"
)

// a1111Order is the key order of the generation_params dict in A1111's
// create_infotext (modules/processing.py, v1.10): these keys sit at fixed
// places, then extra_generation_params in insertion order (Hires …, Lora
// hashes, TI hashes, extensions' keys), then a1111Tail.
var a1111Order = []string{
	keySteps, keySampler, keySchedule, keyCFG, "Image CFG scale", keySeed,
	"Face restoration", keySize, keyModelHash, keyModel, "FP8 weight",
	"Cache FP16 weight for LoRA", "VAE hash", "VAE", "Variation seed",
	"Variation seed strength", "Seed resize from", keyDenoise,
	"Conditional mask weight", keyClipSkip, "ENSD", "Token merging ratio",
	"Token merging ratio hr", "Init image hash", "RNG", "Tiling",
}

var a1111Tail = []string{"Version", "User"}

// FormatA1111 lays p out as A1111's "parameters" text: the prompt, a
// "Negative prompt: " line when there is one, and the settings line. Steps,
// CFG scale and Seed are always written (A1111 always has them, and
// ParseA1111 needs three settings to recognise the line); Sampler, Schedule
// type, Size, Model hash, Model and Denoising strength when set; Clip skip
// when above 1. Extra keys A1111 places at fixed positions (VAE, Variation
// seed, …) go there, Version and User last, and all others after Tiling in
// their given order. Values with a comma, colon or newline are JSON-quoted,
// as A1111's infotext_utils.quote does.
func FormatA1111(p Parameters) string {
	core := map[string]string{
		keySteps: strconv.Itoa(p.Steps),
		keyCFG:   formatFloat(p.CFGScale),
		keySeed:  strconv.FormatInt(p.Seed, 10),
	}
	setIf := func(k, v string, ok bool) {
		if ok {
			core[k] = v
		}
	}
	setIf(keySampler, p.Sampler, p.Sampler != "")
	setIf(keySchedule, p.Schedule, p.Schedule != "")
	setIf(keySize, fmt.Sprintf("%dx%d", p.Width, p.Height), p.Width > 0 && p.Height > 0)
	setIf(keyModelHash, p.ModelHash, p.ModelHash != "")
	setIf(keyModel, p.Model, p.Model != "")
	if p.DenoisingStrength != nil {
		core[keyDenoise] = formatFloat(*p.DenoisingStrength)
	}
	setIf(keyClipSkip, strconv.Itoa(p.ClipSkip), p.ClipSkip > 1)

	// Extra entries: those naming a struct field are ignored (the field
	// wins); the rest are cleaned so they cannot break the line's syntax.
	var extra []KV
	for _, kv := range p.Extra {
		k := cleanKey(kv.Key)
		if k == "" || isFieldKey(k) {
			continue
		}
		extra = append(extra, KV{k, kv.Value})
	}
	used := make([]bool, len(extra))
	var out []KV
	takeExtra := func(key string) {
		for i, kv := range extra {
			if !used[i] && kv.Key == key {
				used[i] = true
				out = append(out, kv)
			}
		}
	}
	for _, k := range a1111Order {
		if v, ok := core[k]; ok {
			out = append(out, KV{k, v})
		} else {
			takeExtra(k)
		}
	}
	for i, kv := range extra {
		if !used[i] && !contains(a1111Tail, kv.Key) {
			used[i] = true
			out = append(out, kv)
		}
	}
	for _, k := range a1111Tail {
		takeExtra(k)
	}

	parts := make([]string, len(out))
	for i, kv := range out {
		if kv.Key == kv.Value {
			parts[i] = kv.Key // A1111 writes flag-like entries bare
		} else {
			parts[i] = kv.Key + ": " + quote(kv.Value)
		}
	}
	var b strings.Builder
	b.WriteString(p.Prompt)
	if p.NegativePrompt != "" {
		b.WriteString("\nNegative prompt: ")
		b.WriteString(p.NegativePrompt)
	}
	b.WriteString("\n")
	b.WriteString(strings.Join(parts, ", "))
	return strings.TrimSpace(b.String())
}

func isFieldKey(k string) bool {
	switch k {
	case keySteps, keySampler, keySchedule, keyCFG, keySeed, keySize,
		keyModelHash, keyModel, keyDenoise, keyClipSkip:
		return true
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cleanKey removes what would end a key early (",", ":", line breaks).
func cleanKey(k string) string {
	k = strings.Map(func(r rune) rune {
		switch r {
		case ',', ':', '\n', '\r':
			return ' '
		}
		return r
	}, k)
	return strings.Join(strings.Fields(k), " ")
}

// formatFloat writes the shortest exact decimal ("7", "7.5", "0.75"), which
// is what A1111 infotexts show for slider values.
func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// quote follows A1111's infotext_utils.quote: a value with a comma, colon or
// newline is written as a JSON string (json.dumps with ensure_ascii=False).
// Empty values, values starting with a quote and values with surrounding
// spaces are quoted too, which A1111 does not do: A1111's parser would drop or
// alter them, but reads the quoted form back exactly.
func quote(v string) string {
	if v != "" && !strings.ContainsAny(v, ",:\n") && v[0] != '"' && strings.TrimSpace(v) == v {
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
