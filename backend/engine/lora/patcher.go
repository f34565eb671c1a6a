package lora

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// ErrNoMatch is wrapped by Apply's error for an adapter file none of whose
// modules targets a weight of the loaded model (another family's LoRA, or
// not a LoRA at all).
var ErrNoMatch = errors.New("lora: no module matches the model")

// Spec is one adapter to apply.
type Spec struct {
	// Path is the adapter file (safetensors or a PyTorch checkpoint).
	Path string
	// Weight is the strength, for the UNet and the text encoders alike
	// unless TEWeight is set (A1111's <lora:name:weight>).
	Weight float64
	// TEWeight, when set, is the text encoders' strength
	// (<lora:name:unet:te> gives Weight the UNet's).
	TEWeight *float64
}

// FileReport says what one Spec did.
type FileReport struct {
	Path string
	// Matched lists the adapter modules applied, as the file names them
	// (without the role suffix), sorted.
	Matched []string
	// Unmatched lists the modules that target no loaded weight, and the
	// tensors that are not adapter tensors, each with the reason, sorted.
	// They are warnings: the rest of the file is applied.
	Unmatched []string
}

// Report lists, per Spec in order, the modules applied and those skipped,
// and the registry keys patched.
type Report struct {
	Files   []FileReport
	Patched []string // registry keys whose weights changed, sorted
}

// Option configures a Patcher.
type Option func(*Patcher)

// WithHostOriginals keeps the unpatched weights on the host instead of on
// the device. By default the original device tensor is kept and a patched
// copy takes its place, so Restore is a pointer swap and exact, at the
// cost of device memory equal to the patched weights (for an SDXL LoRA on
// every attention layer, about 1.5 GB in F16 — the original and the
// patched copy). With host originals the device holds only the patched
// copy; Restore uploads the originals again (F16 and BF16 round-trip
// exactly through float32), trading that memory for an upload per switch.
func WithHostOriginals() Option { return func(p *Patcher) { p.hostOriginals = true } }

// Patcher patches adapters into the weights of one loaded model (the
// registry its nn.Weights filled while loading). It is safe for use by one
// goroutine at a time, and must not run while the model computes.
type Patcher struct {
	dev           compute.Device
	reg           *nn.Registry
	hostOriginals bool
	log           *slog.Logger

	mu    sync.Mutex
	saved map[string]*saved // by registry key
}

// saved is a patched weight's original.
type saved struct {
	ptr  *tensor.Tensor
	orig tensor.Tensor // on the device (default)
	// host copy (WithHostOriginals)
	shape tensor.Shape
	dtype tensor.DType
	data  []float32
}

// NewPatcher returns a patcher for the weights recorded in reg, which
// live on dev.
func NewPatcher(dev compute.Device, reg *nn.Registry, opts ...Option) *Patcher {
	p := &Patcher{dev: dev, reg: reg, log: slog.Default(), saved: map[string]*saved{}}
	for _, o := range opts {
		o(p)
	}
	return p
}

// contribution is one module's share of a target weight.
type contribution struct {
	file     int // index in Report.Files
	g        *group
	t        target
	strength float64
}

// Apply restores the original weights, then patches in specs, each at its
// strengths. A module that targets no loaded weight is reported, not an
// error; a file with no module that matches is an error wrapping
// ErrNoMatch. On any error (or ctx's cancellation) the originals are
// restored, so the model is never left half-patched. An empty specs just
// restores.
func (p *Patcher) Apply(ctx context.Context, specs []Spec) (Report, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.restore(); err != nil {
		return Report{}, err
	}
	if len(specs) == 0 {
		return Report{}, nil
	}
	rep, err := p.apply(ctx, specs)
	if err != nil {
		if rerr := p.restore(); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return Report{}, err
	}
	return rep, nil
}

func (p *Patcher) apply(ctx context.Context, specs []Spec) (Report, error) {
	idx := buildIndex(p.reg)
	var rep Report
	byKey := map[string][]contribution{}
	for _, s := range specs {
		src, err := openFile(s.Path)
		if err != nil {
			return Report{}, fmt.Errorf("lora %s: %w", s.Path, err)
		}
		defer src.Close()
		fr, contribs := resolve(idx, src, s)
		fr.Path = s.Path
		for _, c := range contribs {
			c.file = len(rep.Files)
			byKey[c.t.key] = append(byKey[c.t.key], c)
		}
		rep.Files = append(rep.Files, fr)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		changed, skipped, err := p.patch(k, byKey[k])
		if err != nil {
			return Report{}, fmt.Errorf("lora: patch %s: %w", k, err)
		}
		for _, sk := range skipped {
			fr := &rep.Files[sk.c.file]
			label := sk.c.g.mod.part + ":" + sk.c.g.mod.name
			fr.Matched = slices.DeleteFunc(fr.Matched, func(m string) bool { return m == label })
			fr.Unmatched = append(fr.Unmatched, label+": "+sk.err.Error())
		}
		if changed {
			rep.Patched = append(rep.Patched, k)
		}
	}
	for i := range rep.Files {
		fr := &rep.Files[i]
		slices.Sort(fr.Unmatched)
		if len(fr.Matched) == 0 {
			return Report{}, fmt.Errorf("lora %s: %w (%d unmatched, first: %s)", fr.Path, ErrNoMatch, len(fr.Unmatched), first(fr.Unmatched))
		}
		if len(fr.Unmatched) > 0 {
			p.log.Warn("lora: modules not applied", "file", fr.Path, "count", len(fr.Unmatched), "first", fr.Unmatched[0])
		}
	}
	return rep, nil
}

func first(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return s[0]
}

// skip is a module left out because its tensors do not form a delta for
// its target (an unsupported type, shapes for another model).
type skip struct {
	c   contribution
	err error
}

// resolve groups a file's tensors into modules and finds each module's
// target and strength.
func resolve(idx *index, src weights.Source, s Spec) (FileReport, []contribution) {
	var fr FileReport
	groups := map[module]*group{}
	for _, name := range src.Names() {
		m, role, ok := parseKey(name)
		if !ok {
			fr.Unmatched = append(fr.Unmatched, name+": not an adapter tensor")
			continue
		}
		g := groups[m]
		if g == nil {
			g = &group{src: src, mod: m, names: map[string]string{}}
			groups[m] = g
		}
		g.names[role] = name
	}
	var out []contribution
	for m, g := range groups {
		label := m.part + ":" + m.name
		t, ok := idx.lookup(m.part, m.name)
		if !ok {
			fr.Unmatched = append(fr.Unmatched, label+": no such weight in the model")
			continue
		}
		strength := s.Weight
		if m.part != partUNet && s.TEWeight != nil {
			strength = *s.TEWeight
		}
		fr.Matched = append(fr.Matched, label)
		out = append(out, contribution{g: g, t: t, strength: strength})
	}
	slices.Sort(fr.Matched)
	slices.Sort(fr.Unmatched)
	return fr, out
}

// patch replaces one weight by original + Σ strength·ΔW, keeping the
// original. Modules whose delta cannot be built are skipped and returned;
// changed is false when nothing was added (every strength 0, or all
// skipped). An error is the device's, and fails the Apply.
func (p *Patcher) patch(key string, cs []contribution) (changed bool, skipped []skip, err error) {
	var live []contribution
	for _, c := range cs {
		if c.strength != 0 {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		return false, nil, nil
	}
	ptr := live[0].t.ptr
	cur := *ptr
	if cur.IsZero() || cur.Rank() < 1 {
		return false, nil, errors.New("weight is not loaded")
	}
	host, err := p.dev.Download(cur)
	if err != nil {
		return false, nil, err
	}
	var orig []float32
	if p.hostOriginals {
		orig = slices.Clone(host)
	}
	for _, c := range live {
		if err := p.add(host, cur.Shape(), c); err != nil {
			skipped = append(skipped, skip{c, err})
			continue
		}
		changed = true
	}
	if !changed {
		return false, skipped, nil
	}
	patched, err := upload(p.dev, cur.Shape(), cur.DType(), host)
	if err != nil {
		return false, nil, err
	}
	if p.hostOriginals {
		p.saved[key] = &saved{ptr: ptr, shape: cur.Shape(), dtype: cur.DType(), data: orig}
		nn.Free(p.dev, cur)
	} else {
		p.saved[key] = &saved{ptr: ptr, orig: cur}
	}
	*ptr = patched
	return true, skipped, nil
}

// add adds c's delta, times its strength, into host (the whole weight, of
// shape) — into its row block for a fused q/k/v target.
func (p *Patcher) add(host []float32, shape tensor.Shape, c contribution) error {
	rows := shape[0]
	spatial := 1
	for _, d := range shape[2:] {
		spatial *= d
	}
	in := 1
	if len(shape) > 1 {
		in = shape[1]
	}
	lo, hi := 0, rows
	if c.t.block >= 0 {
		if rows%c.t.blocks != 0 {
			return fmt.Errorf("%d rows do not split into %d blocks", rows, c.t.blocks)
		}
		lo, hi = blockRows(rows, c.t.block, c.t.blocks)
	}
	b := blockShape{out: hi - lo, in: in, spatial: spatial}
	delta, err := c.g.delta(p.dev, b)
	if err != nil {
		return err
	}
	if len(delta) != b.numel() {
		return fmt.Errorf("delta of %d elements for a block of %d", len(delta), b.numel())
	}
	dst := host[lo*in*spatial : hi*in*spatial]
	s := float32(c.strength)
	for i, v := range delta {
		dst[i] += s * v
	}
	return nil
}

// Restore puts every patched weight's original back and frees the patched
// copies. Restoring an unpatched model does nothing.
func (p *Patcher) Restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restore()
}

func (p *Patcher) restore() error {
	var errs []error
	for key, sv := range p.saved {
		orig := sv.orig
		if sv.data != nil {
			t, err := upload(p.dev, sv.shape, sv.dtype, sv.data)
			if err != nil {
				errs = append(errs, fmt.Errorf("lora: restore %s: %w", key, err))
				continue // keep it saved: a later Restore may succeed
			}
			orig = t
		}
		nn.Free(p.dev, *sv.ptr)
		*sv.ptr = orig
		delete(p.saved, key)
	}
	return errors.Join(errs...)
}

// upload stores host data as a tensor of dtype: half weights stay half.
func upload(d compute.Device, shape tensor.Shape, dt tensor.DType, data []float32) (tensor.Tensor, error) {
	switch dt {
	case tensor.F16, tensor.BF16:
		bits := make([]uint16, len(data))
		conv := tensor.Float32ToHalf
		if dt == tensor.BF16 {
			conv = tensor.Float32ToBF16
		}
		for i, v := range data {
			bits[i] = conv(v)
		}
		return d.UploadHalf(shape, dt, bits)
	}
	return d.Upload(shape, data)
}

// openFile opens an adapter file, as safetensors when it is named so:
// weights.Open sniffs content, and a small safetensors header whose length
// begins 0x80 0x0N reads like a pickle's protocol opcode.
func openFile(path string) (weights.Source, error) {
	if strings.EqualFold(filepath.Ext(path), ".safetensors") {
		return weights.OpenSafetensors(path)
	}
	return weights.Open(path)
}
