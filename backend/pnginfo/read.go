package pnginfo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Sources Info.Source reports.
const (
	SourceDreamLayer = "dreamlayer"
	SourceA1111      = "a1111"
	SourceComfyUI    = "comfyui"
	SourceInvokeAI   = "invokeai"
	SourceNone       = "none"
)

// Keywords of the text chunks Read understands.
const (
	// KeyParameters is A1111's tEXt (iTXt when not Latin-1) keyword, also
	// written by Forge, SD.Next, Fooocus and Civitai.
	KeyParameters = "parameters"
	// KeyDreamLayer holds DreamLayer's full request JSON, as iTXt.
	KeyDreamLayer = "dreamlayer"
	// KeyComfyPrompt and KeyComfyWorkflow are ComfyUI's API-format graph and
	// UI workflow.
	KeyComfyPrompt   = "prompt"
	KeyComfyWorkflow = "workflow"
	// KeyInvokeAI (v3+) and KeyInvokeAILegacy (v2) are InvokeAI's metadata.
	KeyInvokeAI       = "invokeai_metadata"
	KeyInvokeAILegacy = "sd-metadata"
)

// Info is what a PNG says about how it was made.
type Info struct {
	// Source is the tool the metadata comes from (Source… constants):
	// DreamLayer's own chunk wins, then A1111-style parameters, then a
	// ComfyUI graph, then InvokeAI metadata.
	Source string `json:"source"`
	// Parameters are the generation settings, nil when none could be read.
	Parameters *Parameters `json:"parameters,omitempty"`
	// Request is DreamLayer's request JSON (iTXt "dreamlayer").
	Request json.RawMessage `json:"request,omitempty"`
	// ComfyPrompt and ComfyWorkflow are ComfyUI's "prompt" and "workflow"
	// chunks when they hold valid JSON.
	ComfyPrompt   json.RawMessage `json:"comfy_prompt,omitempty"`
	ComfyWorkflow json.RawMessage `json:"comfy_workflow,omitempty"`
	// InvokeAI is "invokeai_metadata" (v3+) or else "sd-metadata" (v2).
	InvokeAI json.RawMessage `json:"invokeai,omitempty"`
	// Chunks holds every text chunk by keyword; for a repeated keyword the
	// last wins, as in PIL's Image.text.
	Chunks map[string]string `json:"chunks"`
}

// Read reads the text chunks of a PNG stream and interprets them. Errors come
// only from the PNG structure (see ReadTextChunks); metadata a tool wrote
// badly (invalid JSON, an unreadable graph) leaves the matching field empty
// while the raw text stays in Chunks.
func Read(r io.Reader) (Info, error) {
	chunks, err := ReadTextChunks(r)
	if err != nil {
		return Info{}, fmt.Errorf("read PNG metadata: %w", err)
	}
	info := Info{Source: SourceNone, Chunks: make(map[string]string, len(chunks))}
	for _, c := range chunks {
		info.Chunks[c.Keyword] = c.Text
	}

	info.Request = jsonChunk(info.Chunks, KeyDreamLayer)
	info.ComfyPrompt = jsonChunk(info.Chunks, KeyComfyPrompt)
	info.ComfyWorkflow = jsonChunk(info.Chunks, KeyComfyWorkflow)
	info.InvokeAI = jsonChunk(info.Chunks, KeyInvokeAI)
	legacyInvoke := false
	if info.InvokeAI == nil {
		info.InvokeAI = jsonChunk(info.Chunks, KeyInvokeAILegacy)
		legacyInvoke = info.InvokeAI != nil
	}

	if text, ok := info.Chunks[KeyParameters]; ok {
		if p, err := ParseA1111(text); err == nil {
			info.Parameters = &p
		}
	}
	switch {
	case info.Request != nil:
		info.Source = SourceDreamLayer
	case info.Parameters != nil:
		info.Source = SourceA1111
	case info.ComfyPrompt != nil:
		info.Source = SourceComfyUI
		if p, err := ComfyParameters(info.ComfyPrompt); err == nil {
			info.Parameters = &p
		}
	case info.InvokeAI != nil:
		info.Source = SourceInvokeAI
		parse := InvokeAIParameters
		if legacyInvoke {
			parse = InvokeAILegacyParameters
		}
		if p, err := parse(info.InvokeAI); err == nil {
			info.Parameters = &p
		}
	}
	return info, nil
}

// jsonChunk returns a chunk's text when it is one valid JSON object (every
// format read here is an object; a plain-text "prompt" from another tool is
// not a ComfyUI graph).
func jsonChunk(chunks map[string]string, key string) json.RawMessage {
	text, ok := chunks[key]
	if !ok {
		return nil
	}
	b := bytes.TrimSpace([]byte(text))
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return nil
	}
	return json.RawMessage(b)
}
