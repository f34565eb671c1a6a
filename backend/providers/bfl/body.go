package bfl

import (
	"encoding/base64"
	"strconv"

	"github.com/dreamlayer/dreamlayer/backend/providers"
)

// submitBody is the JSON of POST /v1/<model>. Every endpoint takes a subset
// of these fields; pointers and omitempty leave unset ones out so the API
// applies its defaults.
type submitBody struct {
	Prompt           string   `json:"prompt"`
	InputImage       string   `json:"input_image,omitempty"`
	Width            int      `json:"width,omitempty"`
	Height           int      `json:"height,omitempty"`
	AspectRatio      string   `json:"aspect_ratio,omitempty"`
	Seed             *int64   `json:"seed,omitempty"`
	Steps            *int     `json:"steps,omitempty"`
	Guidance         *float64 `json:"guidance,omitempty"`
	Raw              *bool    `json:"raw,omitempty"`
	PromptUpsampling *bool    `json:"prompt_upsampling,omitempty"`
	SafetyTolerance  *int     `json:"safety_tolerance,omitempty"`
	OutputFormat     string   `json:"output_format,omitempty"`
}

// validateExtra checks what the capability table cannot say: seeds are
// non-negative and Kontext edits cap safety_tolerance.
func validateExtra(req providers.Request) error {
	if req.Seed != nil && *req.Seed < 0 {
		return providers.Invalid("seed", "%d is negative", *req.Seed)
	}
	if v, ok := req.Options[optSafetyTolerance]; ok && req.IsEdit() {
		if n, _ := strconv.Atoi(v); n > maxEditSafetyTolerance {
			return providers.Invalid("options."+optSafetyTolerance, "at most %d when editing an image", maxEditSafetyTolerance)
		}
	}
	return nil
}

// buildBody maps a validated request onto the endpoint's fields. Options
// were checked by Model.Validate, so their parses cannot fail.
func buildBody(req providers.Request) submitBody {
	b := submitBody{Prompt: req.Prompt, AspectRatio: req.AspectRatio, Seed: req.Seed}
	if req.Size != "" {
		b.Width, b.Height, _ = providers.ParseSize(req.Size)
	}
	if req.IsEdit() {
		// Kontext takes the raw image base64-encoded, without a data: prefix.
		b.InputImage = base64.StdEncoding.EncodeToString(req.InitImages[0])
	}
	o := req.Options
	if v, ok := o[optPromptUpsampling]; ok {
		b.PromptUpsampling = ptr(v == "true")
	}
	if v, ok := o[optRaw]; ok {
		b.Raw = ptr(v == "true")
	}
	if v, ok := o[optSafetyTolerance]; ok {
		n, _ := strconv.Atoi(v)
		b.SafetyTolerance = &n
	}
	if v, ok := o[optSteps]; ok {
		n, _ := strconv.Atoi(v)
		b.Steps = &n
	}
	if v, ok := o[optGuidance]; ok {
		f, _ := strconv.ParseFloat(v, 64)
		b.Guidance = &f
	}
	b.OutputFormat = o[optOutputFormat]
	return b
}

func ptr[T any](v T) *T { return &v }
