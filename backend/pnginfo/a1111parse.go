package pnginfo

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// unquote follows A1111's infotext_utils.unquote: a value in double quotes
// is decoded as a JSON string, and kept as it is when that fails.
func unquote(v string) string {
	if len(v) == 0 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var s string
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return v
	}
	return s
}

// reParam is A1111's re_param_code (modules/infotext_utils.py), with
// Python's Unicode \w spelled out because Go's \w is ASCII only.
var reParam = regexp.MustCompile(`\s*([\p{L}\p{N}_][\p{L}\p{N}_ \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`)

var reImageSize = regexp.MustCompile(`^(\d+)x(\d+)$`)

// ParseA1111 reads A1111 "parameters" text as parse_generation_parameters
// does: the last line is the settings line when it holds at least three
// "Key: value" entries; the lines before are the prompt, up to a line
// starting "Negative prompt:", after which they are the negative prompt (both
// may span lines; each line is trimmed). Old sampler names carrying their
// schedule ("DPM++ 2M Karras") are split into Sampler and Schedule; a missing
// Schedule type reads as "Automatic" and a missing Clip skip as 1, as in
// A1111. Values that do not parse as their field's type stay in Extra. The
// only error is ErrNoParameters for blank text.
//
// One extension: an unquoted value starting with "[" or "{" that is a whole
// JSON value (Civitai writes "Civitai resources: [{…}, …]" so) is taken
// whole instead of being cut at its first comma.
func ParseA1111(text string) (Parameters, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return Parameters{}, ErrNoParameters
	}
	lines := strings.Split(text, "\n")
	last := lines[len(lines)-1]
	settings := scanSettings(last)
	if len(settings) < 3 {
		settings = nil
	} else {
		lines = lines[:len(lines)-1]
	}

	var p Parameters
	var prompt, negative []string
	inNegative := false
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "Negative prompt:"); ok {
			inNegative = true
			line = strings.TrimSpace(rest)
		}
		if inNegative {
			negative = append(negative, line)
		} else {
			prompt = append(prompt, line)
		}
	}
	p.Prompt = strings.Join(prompt, "\n")
	p.NegativePrompt = strings.Join(negative, "\n")

	for _, kv := range settings {
		if kv.Value == "" {
			continue // A1111 fails on v[0] and skips the entry
		}
		v := unquote(kv.Value)
		if !p.setField(kv.Key, v) {
			p.setExtra(kv.Key, v)
		}
	}

	if p.Sampler != "" {
		if name, sched, ok := splitSchedule(p.Sampler); ok {
			p.Sampler, p.Schedule = name, sched
		}
	}
	if p.Schedule == "" {
		p.Schedule = "Automatic"
	}
	if p.ClipSkip == 0 {
		p.ClipSkip = 1
	}
	return p, nil
}

// setField stores a struct-field key, reporting false when k is not one or
// v does not parse (the caller then keeps it in Extra).
func (p *Parameters) setField(k, v string) bool {
	switch k {
	case keySteps:
		return parseInto(&p.Steps, v, atoi)
	case keySampler:
		p.Sampler = v
	case keySchedule:
		p.Schedule = v
	case keyCFG:
		return parseInto(&p.CFGScale, v, parseFinite)
	case keySeed:
		return parseInto(&p.Seed, v, parseSeed)
	case keySize:
		m := reImageSize.FindStringSubmatch(strings.TrimSpace(v))
		if m == nil {
			return false
		}
		w, errW := strconv.Atoi(m[1])
		h, errH := strconv.Atoi(m[2])
		if errW != nil || errH != nil {
			return false
		}
		p.Width, p.Height = w, h
	case keyModelHash:
		p.ModelHash = v
	case keyModel:
		p.Model = v
	case keyDenoise:
		d, err := parseFinite(v)
		if err != nil {
			return false
		}
		p.DenoisingStrength = &d
	case keyClipSkip:
		return parseInto(&p.ClipSkip, v, atoi)
	default:
		return false
	}
	return true
}

// parseInto stores parse(v) in dst only when it succeeds.
func parseInto[T any](dst *T, v string, parse func(string) (T, error)) bool {
	x, err := parse(v)
	if err != nil {
		return false
	}
	*dst = x
	return true
}

// setExtra adds or, like a Python dict, overwrites in place.
func (p *Parameters) setExtra(k, v string) {
	for i := range p.Extra {
		if p.Extra[i].Key == k {
			p.Extra[i].Value = v
			return
		}
	}
	p.Extra = append(p.Extra, KV{k, v})
}

func atoi(v string) (int, error) { return strconv.Atoi(strings.TrimSpace(v)) }

func parseFinite(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
		err = fmt.Errorf("%q is not finite", v)
	}
	return f, err
}

// parseSeed accepts int64 and, for ComfyUI's 64-bit seeds, uint64 (stored
// bit for bit).
func parseSeed(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		return s, nil
	}
	u, err := strconv.ParseUint(v, 10, 64)
	return int64(u), err
}

// scanSettings finds the "Key: value" entries of a settings line as
// re.findall(re_param, line) does, plus the JSON-value extension described
// at ParseA1111. Values are returned raw (still quoted).
func scanSettings(line string) []KV {
	var out []KV
	for pos := 0; pos < len(line); {
		loc := reParam.FindStringSubmatchIndex(line[pos:])
		if loc == nil {
			break
		}
		key := line[pos+loc[2] : pos+loc[3]]
		vs, ve, end := pos+loc[4], pos+loc[5], pos+loc[1]
		if vs < len(line) && (line[vs] == '[' || line[vs] == '{') {
			if n, next, ok := jsonValueEnd(line[vs:]); ok {
				ve, end = vs+n, vs+next
			}
		}
		out = append(out, KV{key, line[vs:ve]})
		if end <= pos { // a match is never empty, but never loop forever
			end = pos + 1
		}
		pos = end
	}
	return out
}

// jsonValueEnd reports whether s starts with a whole JSON value followed by
// optional spaces and then a comma or the end; n is the value's length and
// next the offset after the comma.
func jsonValueEnd(s string) (n, next int, ok bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return 0, 0, false
	}
	n = int(dec.InputOffset())
	rest := strings.TrimLeft(s[n:], " \t")
	switch {
	case rest == "":
		return n, len(s), true
	case rest[0] == ',':
		return n, len(s) - len(rest) + 1, true
	}
	return 0, 0, false
}

// scheduleSuffixes are the schedulers whose label, name or alias A1111's
// get_sampler_and_scheduler strips from the end of a sampler name
// (modules/sd_schedulers.py), longest first so "SGM Uniform" is not read as
// "Uniform".
var scheduleSuffixes = []struct{ suffix, label string }{
	{"Align Your Steps", "Align Your Steps"}, {"align_your_steps", "Align Your Steps"},
	{"Polyexponential", "Polyexponential"}, {"polyexponential", "Polyexponential"},
	{"SGM Uniform", "SGM Uniform"}, {"sgm_uniform", "SGM Uniform"}, {"SGMUniform", "SGM Uniform"},
	{"Exponential", "Exponential"}, {"exponential", "Exponential"},
	{"KL Optimal", "KL Optimal"}, {"kl_optimal", "KL Optimal"},
	{"Automatic", "Automatic"}, {"automatic", "Automatic"},
	{"Uniform", "Uniform"}, {"uniform", "Uniform"},
	{"Karras", "Karras"}, {"karras", "Karras"},
	{"Simple", "Simple"}, {"simple", "Simple"},
	{"Normal", "Normal"}, {"normal", "Normal"},
	{"Beta", "Beta"}, {"beta", "Beta"},
	{"DDIM", "DDIM"}, {"ddim", "DDIM"},
}

// splitSchedule splits "DPM++ 2M Karras" into ("DPM++ 2M", "Karras").
func splitSchedule(sampler string) (name, schedule string, ok bool) {
	for _, s := range scheduleSuffixes {
		if rest, found := strings.CutSuffix(sampler, " "+s.suffix); found && strings.TrimSpace(rest) != "" {
			return rest, s.label, true
		}
	}
	return sampler, "", false
}
