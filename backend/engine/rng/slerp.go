package rng

import "math"

// slerpParallel is A1111's threshold on the mean cosine above which it
// gives up on slerp and interpolates linearly (modules/rng.py, slerp).
const slerpParallel = 0.9995

// Slerp interpolates spherically from a (t = 0) to b (t = 1), treating each
// slice as one vector: A1111's slerp formula
//
//	sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b,  cos Ω = â·b̂
//
// including its fallback when cos Ω > 0.9995, which is A1111's literal
// a·t + b·(1−t) (weights the other way round from slerp; harmless in
// practice since a ≈ b there). a and b must have the same length.
func Slerp(t float32, a, b []float32) []float32 {
	return SlerpColumns(t, a, b, 1, len(a), 1)
}

// SlerpColumns is Slerp as A1111 applies it to a latent of shape
// [c, h, w]: torch.norm(·, dim=1) makes every (channel, column) pair its own
// vector of h values, each with its own angle, while the lerp fallback is
// decided once from the mean cosine over all columns. A column whose angle
// is 0 or π (sin Ω = 0, where A1111 would divide by zero) falls back to the
// same lerp instead of producing NaN.
//
// Arithmetic is float64 rounded to float32 at the end; torch's float32
// reductions make A1111's result differ in the last bits.
func SlerpColumns(t float32, a, b []float32, c, h, w int) []float32 {
	if len(a) != c*h*w || len(b) != len(a) {
		panic("engine: rng.SlerpColumns: slice lengths do not match the shape")
	}
	out := make([]float32, len(a))
	if len(a) == 0 {
		return out
	}
	cosines := make([]float64, c*w)
	var sum float64
	for ci := 0; ci < c; ci++ {
		for wi := 0; wi < w; wi++ {
			var dot, na, nb float64
			for hi := 0; hi < h; hi++ {
				k := (ci*h+hi)*w + wi
				x, y := float64(a[k]), float64(b[k])
				dot += x * y
				na += x * x
				nb += y * y
			}
			cos := dot / (math.Sqrt(na) * math.Sqrt(nb))
			cosines[ci*w+wi] = cos
			sum += cos
		}
	}
	lerpAll := sum/float64(len(cosines)) > slerpParallel
	tt := float64(t)
	for ci := 0; ci < c; ci++ {
		for wi := 0; wi < w; wi++ {
			wa, wb := tt, 1-tt // A1111's fallback: low·val + high·(1−val)
			omega := math.Acos(math.Max(-1, math.Min(1, cosines[ci*w+wi])))
			so := math.Sin(omega)
			if !lerpAll && so != 0 && !math.IsNaN(so) {
				wa = math.Sin((1-tt)*omega) / so
				wb = math.Sin(tt*omega) / so
			}
			for hi := 0; hi < h; hi++ {
				k := (ci*h+hi)*w + wi
				// Explicit conversions keep the result the same on every
				// architecture (no fused multiply-add).
				out[k] = float32(float64(wa*float64(a[k])) + float64(wb*float64(b[k])))
			}
		}
	}
	return out
}
