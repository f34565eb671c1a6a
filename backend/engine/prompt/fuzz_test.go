package prompt

import (
	"errors"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	"", "a (word:1.5) and [other]", "((masterpiece)), best quality", "(a:1.2) (b:0.8)",
	`\(literal\] \\ \: 16\:9`, "[cat:dog:0.5]", "[cat:dog:5]", "[a|b]", "[fe|||]male",
	"[(a:1.5):b:10]", "a BREAK b", "(a BREAK b)", "<lora:my lora.v2:0.7> x", "<lora:x:abc>",
	"<lyco:n:0.5:0.8> <hypernet:h:0.3>", "((a][:b:c [d:3]", "a [unbalanced", "a | b",
	"[a:[b|c]:0.5]", "(x:1.2.3)", "[a:b:1e999]", "trailing \\", "[[[[", "))]]::",
	"[a:b: 3 ]", "(((house:1.3)) [on] a (hill:0.5), sun, (((sky))).", "é BREAK ü, (日本:1.2)",
	"[x|y|z:3]", "[:3] [::3] [|] ()", "easynegative, bad-hands-5.",
}

func FuzzParse(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, uint8(i*7))
	}
	lookup := func(w string) (int, bool) {
		switch w {
		case "easynegative":
			return 8, true
		case "bad-hands-5", "b":
			return 2, true
		}
		return 0, false
	}
	f.Fuzz(func(t *testing.T, text string, stepsByte uint8) {
		steps := int(stepsByte%60) + 1
		p, err := Parse(text)
		if err != nil {
			if !errors.Is(err, ErrTooLong) && !strings.Contains(err.Error(), "extra network") {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		sched := p.Schedule(steps)
		if len(sched) == 0 || sched[len(sched)-1].EndAtStep != steps {
			t.Fatalf("schedule %v must end at %d", sched, steps)
		}
		for i := 1; i < len(sched); i++ {
			if sched[i].EndAtStep <= sched[i-1].EndAtStep || sched[i].Text == sched[i-1].Text {
				t.Fatalf("schedule not increasing and merged: %v", sched)
			}
		}
		// Without ':' or '|' nothing can be scheduled, so the text comes
		// back verbatim: emphasis and stray brackets are preserved.
		if !strings.ContainsAny(p.Text, ":|") && (len(sched) != 1 || sched[0].Text != p.Text) {
			t.Fatalf("text %q came back as %v", p.Text, sched)
		}
		// A few entries suffice; all of them would make hostile inputs
		// (60 alternations of a deeply nested text) crawl.
		for _, e := range sched[:min(len(sched), 3)] {
			frags := ParseAttention(e.Text)
			if len(frags) == 0 {
				t.Fatal("no fragments")
			}
			for i := 1; i < len(frags); i++ {
				if frags[i].Weight == frags[i-1].Weight {
					t.Fatalf("unmerged fragments %v", frags)
				}
			}
			chunks, err := Chunks(e.Text, fakeTokenize, lookup)
			if err != nil {
				t.Fatalf("chunks of %q: %v", e.Text, err)
			}
			for _, c := range chunks {
				if len(c.Tokens) > ChunkLength || len(c.Tokens) != len(c.Weights) {
					t.Fatalf("chunk of %d tokens, %d weights", len(c.Tokens), len(c.Weights))
				}
				for _, s := range c.Embeddings {
					if s.Offset < 0 || s.Offset+s.Vectors > len(c.Tokens) {
						t.Fatalf("embedding slot %+v outside %d tokens", s, len(c.Tokens))
					}
				}
			}
		}
		tokens, chunks := CountTokens(text, fakeTokenize)
		if tokens < 0 || chunks < 1 {
			t.Fatalf("count %d tokens in %d chunks", tokens, chunks)
		}
	})
}

func FuzzExtractNetworks(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		out, nets, err := ExtractNetworks(text)
		if err != nil {
			return
		}
		if len(out) > len(text) {
			t.Fatalf("extraction grew the text")
		}
		if len(nets) == 0 && out != text {
			t.Fatalf("text changed without a tag")
		}
		// An empty name ("<lora::1>") is kept, as A1111 keeps it: the
		// loader then reports the network as missing.
		for _, n := range nets {
			if n.Kind == "" || strings.Contains(n.Name, ">") {
				t.Fatalf("bad kind or name in %+v", n)
			}
		}
	})
}
