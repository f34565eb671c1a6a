package rng

import (
	"errors"
	"fmt"
)

// ErrBadShape is returned for a latent shape the noise functions cannot use.
var ErrBadShape = errors.New("bad noise shape")

// maxNoiseElements bounds one item's latent (2^32 is also the limit of
// Philox's uint32 element index).
const maxNoiseElements = 1 << 31

// Seeds returns A1111's seeds and subseeds for images first … first+count−1
// of a job (processing.py): image i gets seed+i and subseed+i, except that
// with a variation strength ≠ 0 every image keeps the same seed so the batch
// shows variations of one picture. Arithmetic wraps modulo 2^64 as a
// negative Python seed does in torch.
func Seeds(seed, subseed uint64, subseedStrength float32, first, count int) (seeds, subseeds []uint64) {
	seeds = make([]uint64, count)
	subseeds = make([]uint64, count)
	for i := range count {
		n := uint64(first + i)
		seeds[i] = seed
		if subseedStrength == 0 {
			seeds[i] += n
		}
		subseeds[i] = subseed + n
	}
	return seeds, subseeds
}

// InitialNoise is the initial latent noise of one image, A1111's
// ImageRNG.first for one seed. shape is the item's latent [C, H, W] (no batch
// axis). resizeFrom is A1111's "resize seed from" as a latent [H, W] (the
// pixel size divided by the VAE factor, floored, as A1111 does with //8);
// either value ≤ 0 switches it off.
//
//   - The noise is seed's first draw at shape.
//   - With resizeFrom, seed's first draw at [C, resizeFrom] is taken instead
//     and pasted centred into seed's first draw at shape (cropped centrally
//     when larger; offsets use Python's floor division, so an odd size
//     difference leaves the last row or column of the full-size draw).
//   - With subseedStrength ≠ 0, that noise (before pasting) is slerped
//     towards subseed's first draw of the same size, per (channel, column)
//     as SlerpColumns describes.
func InitialNoise(kind Kind, seed, subseed uint64, subseedStrength float32, shape []int, resizeFrom [2]int) ([]float32, error) {
	c, h, w, err := checkShape(shape)
	if err != nil {
		return nil, fmt.Errorf("initial noise: %w", err)
	}
	full, err := firstDraw(kind, seed, shape)
	if err != nil {
		return nil, fmt.Errorf("initial noise: %w", err)
	}
	nh, nw := h, w
	if resizeFrom[0] > 0 && resizeFrom[1] > 0 {
		nh, nw = resizeFrom[0], resizeFrom[1]
		if _, _, _, err := checkShape([]int{c, nh, nw}); err != nil {
			return nil, fmt.Errorf("initial noise: resize from %dx%d: %w", nh, nw, err)
		}
	}
	resized := nh != h || nw != w

	noise := full
	if resized {
		if noise, err = firstDraw(kind, seed, []int{c, nh, nw}); err != nil {
			return nil, fmt.Errorf("initial noise: %w", err)
		}
	}
	if subseedStrength != 0 {
		sub, err := firstDraw(kind, subseed, []int{c, nh, nw})
		if err != nil {
			return nil, fmt.Errorf("initial noise: %w", err)
		}
		noise = SlerpColumns(subseedStrength, noise, sub, c, nh, nw)
	}
	if !resized {
		return noise, nil
	}
	pasteCentred(full, noise, c, h, w, nh, nw)
	return full, nil
}

// BatchNoise concatenates InitialNoise for each image, seeds[i] with
// subseeds[i] (see Seeds), into one [len(seeds), C, H, W] slice, as
// torch.stack in ImageRNG.first.
func BatchNoise(kind Kind, seeds, subseeds []uint64, subseedStrength float32, shape []int, resizeFrom [2]int) ([]float32, error) {
	if len(subseeds) != len(seeds) {
		return nil, fmt.Errorf("batch noise: %d seeds but %d subseeds", len(seeds), len(subseeds))
	}
	var out []float32
	for i, seed := range seeds {
		x, err := InitialNoise(kind, seed, subseeds[i], subseedStrength, shape, resizeFrom)
		if err != nil {
			return nil, fmt.Errorf("batch noise: image %d: %w", i, err)
		}
		out = append(out, x...)
	}
	return out, nil
}

// BatchSource is the per-step noise of an A1111 batch (ImageRNG.next): one
// generator per image, each filling its own image's slice of dst.
type BatchSource struct {
	gens []Generator
	item int
}

// SamplerNoise returns the Source A1111's samplers draw from after the
// initial noise of images with seeds (already per image, see Seeds) and item
// shape [C, H, W]. With ensd = 0 each image's generator continues after its
// one initial draw at shape; otherwise A1111's "eta noise seed delta"
// replaces them with fresh generators seeded seed+ensd.
func SamplerNoise(kind Kind, seeds []uint64, shape []int, ensd uint64) (*BatchSource, error) {
	if _, _, _, err := checkShape(shape); err != nil {
		return nil, fmt.Errorf("sampler noise: %w", err)
	}
	s := &BatchSource{item: numel(shape)}
	for i, seed := range seeds {
		g, err := New(kind, seed+ensd)
		if err != nil {
			return nil, fmt.Errorf("sampler noise: image %d: %w", i, err)
		}
		if ensd == 0 {
			g.Randn(shape) // the initial noise ImageRNG.first drew from it
		}
		s.gens = append(s.gens, g)
	}
	return s, nil
}

// Normal fills dst, which must hold exactly one item per image.
func (s *BatchSource) Normal(dst []float32) {
	if len(dst) != s.item*len(s.gens) {
		panic("engine: rng.BatchSource.Normal: dst is not batch × item elements")
	}
	for i, g := range s.gens {
		g.Normal(dst[i*s.item : (i+1)*s.item])
	}
}

func firstDraw(kind Kind, seed uint64, shape []int) ([]float32, error) {
	g, err := New(kind, seed)
	if err != nil {
		return nil, err
	}
	return g.Randn(shape), nil
}

func checkShape(shape []int) (c, h, w int, err error) {
	if len(shape) != 3 {
		return 0, 0, 0, fmt.Errorf("%w: %v: want [C, H, W]", ErrBadShape, shape)
	}
	n := 1
	for _, d := range shape {
		if d <= 0 || d > maxNoiseElements/n {
			return 0, 0, 0, fmt.Errorf("%w: %v: sizes must be positive and hold at most %d elements", ErrBadShape, shape, maxNoiseElements)
		}
		n *= d
	}
	return shape[0], shape[1], shape[2], nil
}

// pasteCentred is A1111's x[:, ty:ty+h, tx:tx+w] = noise[:, dy:dy+h, dx:dx+w]
// with its floor-division offsets (ImageRNG.first).
func pasteCentred(dst, src []float32, c, h, w, nh, nw int) {
	ty, sy, rows := centre(h, nh)
	tx, sx, cols := centre(w, nw)
	for ci := 0; ci < c; ci++ {
		for r := 0; r < rows; r++ {
			d := (ci*h+ty+r)*w + tx
			s := (ci*nh+sy+r)*nw + sx
			copy(dst[d:d+cols], src[s:s+cols])
		}
	}
}

// centre returns, along one axis of target size n and source size m, the
// target start, source start and length A1111 copies.
func centre(n, m int) (to, from, length int) {
	d := floorDiv(n-m, 2)
	if d >= 0 {
		return d, 0, m
	}
	return 0, -d, m + 2*d
}

// floorDiv is Python's // for a positive divisor.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
