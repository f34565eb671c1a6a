package bench

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKernelsQuick(t *testing.T) {
	rs, err := Kernels(t.Context(), Options{Threads: 2, Quick: true})
	require.NoError(t, err)
	require.Len(t, rs, len(Cases(true)))
	names := map[string]bool{}
	for _, r := range rs {
		names[r.Name] = true
		assert.Greater(t, r.GFLOPS, 0.0, r.Name)
		assert.Greater(t, r.PeakGFLOPS, 0.0, r.Name)
		assert.Greater(t, r.Seconds, 0.0, r.Name)
		assert.Equal(t, 2, r.Threads)
		assert.Contains(t, gemm.Paths(), r.ISA)
		assert.InDelta(t, r.Flops/r.Seconds/1e9, r.GFLOPS, 1e-9*r.GFLOPS)
		assert.InDelta(t, 100*r.GFLOPS/r.PeakGFLOPS, r.PctPeak, 1e-9*r.PctPeak)
	}
	// The best path runs under the plain names; every other path is suffixed.
	for _, n := range []string{"sgemm-2048", "sgemm-4096x320x320", "sgemm-1024x1280x1280", "sgemm-4096x40x4096"} {
		assert.True(t, names[n], "missing case %s", n)
	}
	for _, p := range gemm.Paths()[1:] {
		assert.True(t, names["sgemm-1024x1280x1280-"+p], "missing sgemm-1024x1280x1280-%s", p)
		if p != "generic" {
			assert.True(t, names["sgemm-2048-"+p], "missing sgemm-2048-%s", p)
		}
	}
	for _, n := range []string{"conv2d-3x3-320-64x64", "conv2d-3x3-128-512x512", "attention-4096x8x40", "attention-1024x10x64", "groupnorm-silu-320-64x64"} {
		assert.True(t, names[n], "missing case %s", n)
	}
	// Conv cases say which algorithm ran; the -direct twins pin the
	// implicit GEMM, and nothing else claims an algorithm.
	for _, r := range rs {
		switch {
		case strings.HasPrefix(r.Name, "conv2d-") && strings.HasSuffix(r.Name, "-direct"):
			assert.Equal(t, cpu.AlgoImplicitGEMM, r.Algorithm, r.Name)
		case strings.HasPrefix(r.Name, "conv2d-"):
			assert.Contains(t, []string{cpu.AlgoImplicitGEMM, cpu.AlgoWinograd}, r.Algorithm, r.Name)
		default:
			assert.Empty(t, r.Algorithm, r.Name)
		}
	}
	assert.Equal(t, gemm.Path(), rs[0].ISA)
	// Quick mode shrinks 2048³ to 256³.
	assert.Equal(t, 2*256.0*256*256, rs[0].Flops)

	var buf bytes.Buffer
	WriteTable(&buf, rs)
	assert.Equal(t, len(rs)+1, strings.Count(buf.String(), "\n"))
	assert.Contains(t, buf.String(), "sgemm-4096x40x4096")
}

func TestKernelsFilterAndCancel(t *testing.T) {
	rs, err := Kernels(t.Context(), Options{Threads: 1, Quick: true, Filter: "4096x320x320"})
	require.NoError(t, err)
	require.Len(t, rs, len(gemm.Paths()), "one per path")
	for i, r := range rs {
		assert.Contains(t, r.Name, "4096x320x320")
		assert.Equal(t, gemm.Paths()[i], r.ISA)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = Kernels(ctx, Options{Quick: true})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestPeakFMA(t *testing.T) {
	for _, isa := range gemm.Paths() {
		t.Run(isa, func(t *testing.T) {
			p, err := PeakFMA(t.Context(), isa, 1)
			require.NoError(t, err)
			assert.Greater(t, p, 0.0)
			assert.False(t, math.IsInf(p, 0))
		})
	}
	_, err := PeakFMA(t.Context(), "mmx", 1)
	assert.ErrorContains(t, err, "mmx")
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
}
