package taesd

import (
	"github.com/dreamlayer/dreamlayer/backend/engine/models/internal/nchwref"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// A plain float64 TAESD, straight from taesd.py, for checking the device
// path. Tensors are NCHW slices with their dims alongside.

type ref = nchwref.Tensor

var (
	refFrom = nchwref.From
	mustF64 = nchwref.F64
	reluF   = nchwref.ReLU
)

// refBlock is taesd.py Block.forward for the block named p ("3.").
func refBlock(src weights.Source, p string, x ref) ref {
	if _, ok := src.Info(p + "pool.0.weight"); ok {
		hidden := len(mustF64(src, p+"pool.1.weight"))
		h := x.Conv(mustF64(src, p+"pool.0.weight"), nil, hidden, 1, 1, 0)
		h = h.GroupNorm(poolGroups, normEps, mustF64(src, p+"pool.1.weight"), mustF64(src, p+"pool.1.bias")).Apply(reluF)
		x = x.Add(h.Conv(mustF64(src, p+"pool.3.weight"), nil, x.C, 1, 1, 0))
	}
	out := len(mustF64(src, p+"conv.0.bias"))
	h := x.Conv(mustF64(src, p+"conv.0.weight"), mustF64(src, p+"conv.0.bias"), out, 3, 1, 1).Apply(reluF)
	h = h.Conv(mustF64(src, p+"conv.2.weight"), mustF64(src, p+"conv.2.bias"), out, 3, 1, 1).Apply(reluF)
	h = h.Conv(mustF64(src, p+"conv.4.weight"), mustF64(src, p+"conv.4.bias"), out, 3, 1, 1)
	skip := x
	if _, ok := src.Info(p + "skip.weight"); ok {
		skip = x.Conv(mustF64(src, p+"skip.weight"), nil, out, 1, 1, 0)
	}
	return h.Add(skip).Apply(reluF)
}

// refConv is a Sequential conv "<i>." with bias when the file has one.
func refConv(src weights.Source, p string, x ref, stride int) ref {
	info, _ := src.Info(p + "weight")
	var bias []float64
	if _, ok := src.Info(p + "bias"); ok {
		bias = mustF64(src, p+"bias")
	}
	return x.Conv(mustF64(src, p+"weight"), bias, int(info.Shape[0]), 3, stride, 1)
}
