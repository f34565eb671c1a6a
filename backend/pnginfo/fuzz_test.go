package pnginfo

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzReadChunks feeds arbitrary bytes to the chunk reader and to Read: they
// must return an error or text chunks, never panic, and whatever Read
// returns must marshal for the UI.
func FuzzReadChunks(f *testing.F) {
	plain := testPNG(f, 3, 3)
	f.Add(plain)
	for _, chunks := range [][]TextChunk{
		{{Type: TypeText, Keyword: KeyParameters, Text: infotextHires}},
		{{Type: TypeCompressedText, Keyword: "Comment", Text: "zipped"}, {Type: TypeIntlText, Keyword: KeyDreamLayer, Text: `{"seed":1}`, Compressed: true, Language: "en"}},
		{{Type: TypeIntlText, Keyword: KeyComfyPrompt, Text: string(readTestdata(f, "comfy_sdxl_controlnet.json"))}},
		{{Type: TypeIntlText, Keyword: KeyInvokeAI, Text: string(readTestdata(f, "invokeai_v4.json"))}},
		{{Type: TypeText, Keyword: KeyInvokeAILegacy, Text: string(readTestdata(f, "invokeai_v2.json"))}},
	} {
		b, err := EmbedChunks(plain, chunks)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(pngSignature))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		chunks, err := ReadTextChunks(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, c := range chunks {
			if c.Keyword == "" || len(c.Text) > MaxTextLen || !utf8.ValidString(c.Text) {
				t.Fatalf("bad chunk %+v", c)
			}
		}
		info, err := Read(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("ReadTextChunks accepted what Read rejects: %v", err)
		}
		if _, err := json.Marshal(info); err != nil {
			t.Fatalf("marshal Info: %v", err)
		}
		// A file we could read can be re-embedded and read back.
		if len(chunks) > 0 {
			if out, err := EmbedChunks(data, nil); err == nil {
				if _, err := ReadTextChunks(bytes.NewReader(out)); err != nil {
					t.Fatalf("re-embedded file unreadable: %v", err)
				}
			}
		}
	})
}

// FuzzParseA1111 checks the parser never panics and that formatting what it
// parsed and parsing again is stable.
func FuzzParseA1111(f *testing.F) {
	for _, s := range []string{
		infotextHires, infotextOldSampler, infotextImg2Img, infotextADetailer,
		infotextCivitai, infotextUnicode, "a cat", "", "x\nSteps: \"unterminated, Seed: 1, CFG scale: 2",
		"Negative prompt:\nSteps: 1, Seed: 2, Size: 99999999999999999999x1",
		"p\nSteps: 1, CFG scale: 1, Seed: 1, J: [1, {\"a\": [2,", "p\nA: 1, B: {\"x\": 1} , C: \"\\u00e9\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParseA1111(text)
		if err != nil {
			return
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("marshal Parameters: %v", err)
		}
		// Format then parse reaches a fixed point after one round: the
		// second round must reproduce the first exactly.
		once, err := ParseA1111(FormatA1111(p))
		if err != nil {
			return // e.g. a prompt of only whitespace and no settings
		}
		twice, err := ParseA1111(FormatA1111(once))
		if err != nil {
			t.Fatalf("second parse failed: %v", err)
		}
		if a, b := FormatA1111(once), FormatA1111(twice); a != b {
			t.Fatalf("format not stable:\n%q\n%q", a, b)
		}
	})
}

// FuzzComfyParameters feeds arbitrary graphs to the ComfyUI extractor.
func FuzzComfyParameters(f *testing.F) {
	f.Add(readTestdata(f, "comfy_hires.json"))
	f.Add(readTestdata(f, "comfy_sdxl_controlnet.json"))
	f.Add([]byte(`{"1": {"class_type": "KSampler", "inputs": {"positive": ["1", 0], "seed": ["1", 0], "model": ["1", 0]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ComfyParameters(data)
		if err != nil {
			return
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("marshal Parameters: %v", err)
		}
	})
}
