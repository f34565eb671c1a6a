// Package nn sits between the models and the compute devices: scoped,
// validated access to a checkpoint's weights (Weights) and the common layers
// every diffusion block is built from (Linear, Conv2D, GroupNorm, LayerNorm,
// Embedding).
//
// A layer is a struct of its weight tensors plus Forward, loaded by a
// LoadX function from a Weights scoped at the layer ("…attn1.to_q"). Weight
// names follow PyTorch state-dict keys; differences between key styles (LDM,
// diffusers, kohya) are handled by a Renamer on the Weights, never inside a
// block (STYLE.md §2, after candle's VarBuilder).
//
// Every weight loaded through a Weights view is recorded in its Registry
// by full checkpoint key with the address of the layer field that holds
// it, so a patcher (LoRA) can swap weights in place without a reload.
//
// Models import nn, compute and tensor, never compute/cpu. For tests,
// RandomSource and MemSource build small in-memory checkpoints with real key
// names.
package nn
