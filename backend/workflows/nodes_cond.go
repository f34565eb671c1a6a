package workflows

import (
	"context"
	"fmt"
	"slices"

	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

func freeAll(ck *checkpoint, ts ...tensor.Tensor) { nn.Free(ck.dev, ts...) }

func condNodes() []NodeSpec {
	c := func(name string) InputSpec { return InputSpec{Name: name, Type: TypeConditioning} }
	out := []Type{TypeConditioning}
	return []NodeSpec{
		{Class: "ConditioningCombine", Outputs: out, Inputs: []InputSpec{c("conditioning_1"), c("conditioning_2")},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				x := a.Value("conditioning_1").(Conditioning)
				y := a.Value("conditioning_2").(Conditioning)
				return []any{append(slices.Clone(x), y...)}, nil
			}},
		// ConditioningConcat appends the first entry of conditioning_from
		// along the tokens to every entry of conditioning_to.
		{Class: "ConditioningConcat", Outputs: out, Inputs: []InputSpec{c("conditioning_to"), c("conditioning_from")},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				to := a.Value("conditioning_to").(Conditioning)
				from := a.Value("conditioning_from").(Conditioning)
				if len(from) == 0 {
					return []any{to}, nil
				}
				f := from[0]
				res := make(Conditioning, len(to))
				for i, e := range to {
					if e.width != f.width {
						return nil, fmt.Errorf("cannot concatenate conditionings of width %d and %d", e.width, f.width)
					}
					e.hidden = append(slices.Clone(e.hidden), f.hidden...)
					e.tokens += f.tokens
					res[i] = e
				}
				return []any{res}, nil
			}},
		{Class: "ConditioningSetTimestepRange", Outputs: out,
			Inputs: []InputSpec{c("conditioning"), {Name: "start", Type: TypeFloat, Min: 0, Max: 1}, {Name: "end", Type: TypeFloat, Min: 0, Max: 1}},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				in := a.Value("conditioning").(Conditioning)
				res := slices.Clone(in)
				for i := range res {
					res[i].start, res[i].end = a.Float("start"), a.Float("end")
				}
				return []any{res}, nil
			}},
		{Class: "ConditioningZeroOut", Outputs: out, Inputs: []InputSpec{c("conditioning")},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				in := a.Value("conditioning").(Conditioning)
				res := slices.Clone(in)
				for i := range res {
					res[i].hidden = make([]float32, len(res[i].hidden))
					if res[i].pooled != nil {
						res[i].pooled = make([]float32, len(res[i].pooled))
					}
				}
				return []any{res}, nil
			}},
	}
}
