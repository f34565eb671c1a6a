// Package pickle reads PyTorch checkpoints (.ckpt, .pt, .pth, .bin) written by
// torch.save since PyTorch 1.6: a zip archive holding <archive>/data.pkl (a
// Python pickle, protocols 2–5) and one raw storage per <archive>/data/<key>.
//
// Pickle is a small stack language whose GLOBAL and REDUCE opcodes import and
// call arbitrary Python callables; a malicious checkpoint can run any code in a
// Python loader. This package is not an interpreter of Python: it implements
// only the opcodes needed to rebuild tensors and (nested) dicts, and REDUCE can
// only dispatch to a fixed table of Go functions for allowlisted names
// (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and friends,
// torch.*Storage, torch.Size, _codecs.encode). There is no path from file
// content to code execution.
//
// Any other global becomes a Refused value. Names from modules that only an
// exploit would reference (os, posix, nt, subprocess, sys, builtins.eval, …)
// fail the load at once. Other unknown names (pytorch_lightning callbacks,
// __main__ classes, argparse.Namespace in hyper-parameters) are common in
// training checkpoints, so by default they stay inert: calling, building or
// filling a Refused value yields another Refused value and a warning, and the
// load fails only when the returned state dict depends on one (a tensor
// argument, a state-dict entry that hid tensors inside, or a refused root).
// Options.Strict turns every refused global into an error.
//
// Everything is bounded: the pickle's size, memo entries, stack height, mark
// depth and object count; string and byte lengths are checked against the
// remaining input before allocation. Storages are read lazily from the zip
// (stored entries through a section of the file, deflated ones inflated on
// demand with a size bound), their sizes must equal numel × element size, and
// every tensor view (offset, shape, stride) is validated against its storage.
//
// The pre-1.6 "legacy" format (a bare pickle followed by raw storages) is
// refused with ErrLegacyFormat.
package pickle
