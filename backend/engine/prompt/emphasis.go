package prompt

// ApplyEmphasis applies per-token weights to a text encoder's hidden states
// the way A1111's default "Original" emphasis does
// (modules/sd_emphasis.py, EmphasisOriginal.after_transformers):
//
//	original_mean = z.mean()
//	z *= weights[token]          (each token's row)
//	z *= original_mean / z.mean()
//
// so emphasis shifts attention between tokens without changing the overall
// magnitude of the conditioning. z is row-major [tokens, width] and is
// changed in place; weights has one entry per token (Chunk.Window's).
// Means are accumulated in float64. If the weighted mean is 0 (every weight
// 0, or hidden states that cancel out) the rescale is skipped rather than
// dividing by zero.
//
// ApplyEmphasis panics if the lengths disagree: that is a bug in the
// caller, not bad input.
func ApplyEmphasis(z []float32, tokens, width int, weights []float32) {
	if tokens < 0 || width < 0 || len(z) != tokens*width || len(weights) != tokens {
		panic("prompt: ApplyEmphasis: z must be tokens×width and weights one per token")
	}
	if len(z) == 0 {
		return
	}
	var before, after float64
	for t := range tokens {
		row := z[t*width : (t+1)*width]
		w := weights[t]
		for i, v := range row {
			before += float64(v)
			row[i] = v * w
			after += float64(row[i])
		}
	}
	if after == 0 {
		return
	}
	scale := float32(before / after)
	for i := range z {
		z[i] *= scale
	}
}
