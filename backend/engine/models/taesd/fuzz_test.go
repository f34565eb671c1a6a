package taesd

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// specText writes a spec as "name d0 d1 …" lines, the fuzz input format.
func specText(spec map[string][]int) string {
	var b strings.Builder
	for name, shape := range spec {
		b.WriteString(name)
		for _, d := range shape {
			b.WriteString(" " + strconv.Itoa(d))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseSpec reads specText lines, keeping shapes small (dims 1…16, rank ≤ 4)
// so a fuzz input cannot ask for a huge fixture.
func parseSpec(text string) map[string][]int {
	spec := map[string][]int{}
	for i, line := range strings.Split(text, "\n") {
		if i >= 200 {
			break
		}
		f := strings.Fields(line)
		if len(f) < 2 || len(f) > 5 {
			continue
		}
		var shape []int
		for _, s := range f[1:] {
			d, err := strconv.Atoi(s)
			if err != nil || d < 1 || d > 16 {
				shape = nil
				break
			}
			shape = append(shape, d)
		}
		if shape != nil {
			spec[f[0]] = shape
		}
	}
	return spec
}

// FuzzLoad feeds arbitrary key names and shapes to both loaders: they must
// return an error or a model that runs, never panic.
func FuzzLoad(f *testing.F) {
	s := tiny{narrow: 2, width: 4, latents: 2, downs: 1, blocks: 1, pool: true}
	enc, _ := s.encoder()
	dec, _ := s.decoder()
	f.Add(specText(enc))
	f.Add(specText(dec))
	f.Add("0.weight 4 3 3 3\n1.conv.0.weight 4 4 3 3\n2.weight 1 4 3 3\n")
	f.Add("1.weight 4 2 3 3\n3.weight 3 4 3 3\n")
	dev := cpu.New(1)
	f.Fuzz(func(t *testing.T, text string) {
		w := nn.NewWeights(nn.RandomSource(parseSpec(text), 1), dev)
		if e, err := LoadEncoder(w); err == nil {
			img, err := dev.Alloc(tensor.Shape{1, 3, e.Factor(), e.Factor()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Encode(t.Context(), img); err != nil {
				t.Fatalf("loaded encoder fails: %v", err)
			}
		}
		if d, err := LoadDecoder(w); err == nil {
			lat, err := dev.Alloc(tensor.Shape{1, d.LatentChannels(), 1, 1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Decode(t.Context(), lat); err != nil {
				t.Fatalf("loaded decoder fails: %v", err)
			}
		}
	})
}
