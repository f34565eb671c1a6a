package bench

// fmaLoopGeneric is the scalar Go twin of the assembly loops: eight
// independent multiply-add chains, the most the generic GEMM path can hope
// to keep in flight. It returns the sum so the compiler keeps the work.
func fmaLoopGeneric(n int) float32 {
	var a0, a1, a2, a3, a4, a5, a6, a7 float32
	x, y := float32(0.999), float32(1e-3)
	for i := 0; i < n; i++ {
		a0 = a0*x + y
		a1 = a1*x + y
		a2 = a2*x + y
		a3 = a3*x + y
		a4 = a4*x + y
		a5 = a5*x + y
		a6 = a6*x + y
		a7 = a7*x + y
	}
	return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
}
