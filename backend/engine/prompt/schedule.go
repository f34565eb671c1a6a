package prompt

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// MaxPromptBytes bounds the prompts this package accepts. It is far above
// any real prompt (some 4,000 CLIP tokens, 50 chunks) and bounds what
// hostile input costs: A1111's emphasis arithmetic multiplies every
// fragment inside a bracket when it closes, which is quadratic in the
// nesting depth, and reproducing its floats exactly means doing the same.
const MaxPromptBytes = 16 << 10

// ErrTooLong is returned for prompts over MaxPromptBytes.
var ErrTooLong = errors.New("prompt: text too long")

// Prompt is a parsed prompt (positive or negative): extra networks removed,
// prompt editing and alternation resolved per step by Schedule.
type Prompt struct {
	// Text is the prompt with extra-network tags removed, still holding
	// its emphasis, editing and alternation syntax.
	Text string
	// Networks are the extra-network tags, in order of appearance.
	Networks []ExtraNetwork

	nodes []node
	// literal is set when A1111's grammar rejects Text ('|' outside
	// alternation, a trailing backslash); the text is then used as is.
	literal bool
}

// ScheduledPrompt is one conditioning of a schedule: Text applies up to and
// including sampling step EndAtStep (A1111's end_at_step).
type ScheduledPrompt struct {
	EndAtStep int
	Text      string
}

// ScheduleOptions selects how step numbers in [a:b:when] are read.
type ScheduleOptions struct {
	// Steps is the number of sampling steps (for the hires-fix pass, the
	// base pass's steps). Values below 1 count as 1.
	Steps int
	// HiresSteps, when above 0, schedules the hires-fix pass: a whole
	// number counts steps after the base pass, so [a:b:25] with 20 base
	// steps switches at hires step 5, and a fraction counts from 1.0, so
	// [a:b:1.5] switches half-way through the hires pass.
	HiresSteps int
	// OldScheduling is A1111's "use_old_scheduling" compatibility setting:
	// when < 1 is a fraction of Steps and any other number a step, and the
	// hires pass reuses the base schedule. Without it a number written with
	// a '.' is a fraction ("1.0" is the whole pass) and one without is a
	// step number.
	OldScheduling bool
}

// Parse removes the extra-network tags from text and parses its prompt
// editing and alternation. It fails only for text over MaxPromptBytes or an
// extra-network tag whose weight is not a number; malformed brackets are
// read as A1111 reads them.
//
// Negative prompts use Parse too. A1111 extracts extra networks from the
// positive prompt only, so a tag in a negative prompt is there tokenized as
// words; here it is removed, and callers ignore a negative's Networks.
func Parse(text string) (*Prompt, error) {
	if len(text) > MaxPromptBytes {
		return nil, fmt.Errorf("parse prompt of %d bytes (at most %d): %w", len(text), MaxPromptBytes, ErrTooLong)
	}
	stripped, networks, err := ExtractNetworks(text)
	if err != nil {
		return nil, fmt.Errorf("parse prompt: %w", err)
	}
	nodes, ok := parseGrammar(stripped)
	return &Prompt{Text: stripped, Networks: networks, nodes: nodes, literal: !ok}, nil
}

// Schedule returns the conditionings of a pass of steps sampling steps;
// see ScheduleWith.
func (p *Prompt) Schedule(steps int) []ScheduledPrompt {
	return p.ScheduleWith(ScheduleOptions{Steps: steps})
}

// ScheduleWith follows A1111's get_learned_conditioning_prompt_schedules:
// the boundaries are the resolved when of every [a:b:when] (those ≥ 1) and,
// if the prompt alternates anywhere, every step; the text at a boundary t
// takes the "before" branch of an edit while t ≤ when and option
// (t−1) mod n of an alternation. The last entry ends at the pass's step
// count. Consecutive boundaries that resolve to the same text are merged:
// A1111 lists them separately but they condition identically.
//
// The sampler uses, at 0-based step s, the first entry with s ≤ EndAtStep
// (A1111's reconstruct_cond_batch); see Index.
func (p *Prompt) ScheduleWith(o ScheduleOptions) []ScheduledPrompt {
	steps, intOffset, fltOffset := max(o.Steps, 1), 0.0, 0.0
	if o.HiresSteps > 0 && !o.OldScheduling {
		steps, intOffset, fltOffset = o.HiresSteps, float64(max(o.Steps, 1)), 1
	}
	if p.literal {
		return []ScheduledPrompt{{EndAtStep: steps, Text: p.Text}}
	}
	r := resolver{src: p.Text, steps: steps, intOffset: intOffset, fltOffset: fltOffset, old: o.OldScheduling}

	bounds := map[int]bool{steps: true}
	alternates := false
	r.collect(p.nodes, bounds, &alternates)
	if alternates {
		for t := 1; t <= steps; t++ {
			bounds[t] = true
		}
	}
	ts := make([]int, 0, len(bounds))
	for t := range bounds {
		ts = append(ts, t)
	}
	sort.Ints(ts)

	var out []ScheduledPrompt
	var sb strings.Builder
	for _, t := range ts {
		sb.Reset()
		r.render(&sb, p.nodes, t)
		text := sb.String()
		if k := len(out); k > 0 && out[k-1].Text == text {
			out[k-1].EndAtStep = t
			continue
		}
		out = append(out, ScheduledPrompt{EndAtStep: t, Text: text})
	}
	return out
}

// Index returns the entry of schedule that applies at 0-based sampling
// step: the first whose EndAtStep is ≥ step, or the last one past the end.
// It returns -1 for an empty schedule.
func Index(schedule []ScheduledPrompt, step int) int {
	for i, e := range schedule {
		if step <= e.EndAtStep {
			return i
		}
	}
	return len(schedule) - 1
}

type resolver struct {
	src                  string
	steps                int
	intOffset, fltOffset float64
	old                  bool
}

// when resolves an edit's NUMBER to a step as collect_steps does:
// min(steps, int(v)), v being the number scaled or offset per the
// scheduling mode.
func (r *resolver) when(num string) int {
	v, err := strconv.ParseFloat(num, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		// The grammar only admits SIGNED_NUMBER, which always parses.
		panic("prompt: unparsable schedule number " + strconv.Quote(num))
	}
	steps := float64(r.steps)
	switch {
	case r.old && v < 1:
		v *= steps
	case r.old:
	case strings.Contains(num, "."):
		v = (v - r.fltOffset) * steps
	default:
		v -= r.intOffset
	}
	if v >= steps {
		return r.steps
	}
	// int() truncates toward zero; anything below 1 never ends a branch,
	// so huge negative values are clamped before converting.
	return int(math.Max(v, -1))
}

func (r *resolver) collect(ns []node, bounds map[int]bool, alternates *bool) {
	for i := range ns {
		n := &ns[i]
		switch n.kind {
		case nodeEdit:
			if w := r.when(n.when); w >= 1 {
				bounds[w] = true
			}
			r.collect(n.before, bounds, alternates)
			r.collect(n.after, bounds, alternates)
		case nodeAlt:
			*alternates = true
			for _, o := range n.options {
				r.collect(o, bounds, alternates)
			}
		case nodeGroup:
			r.collect(n.children, bounds, alternates)
		}
	}
}

func (r *resolver) render(sb *strings.Builder, ns []node, step int) {
	for i := range ns {
		n := &ns[i]
		switch n.kind {
		case nodeText:
			sb.WriteString(r.src[n.lo:n.hi])
		case nodeGroup:
			r.render(sb, n.children, step)
		case nodeEdit:
			if step <= r.when(n.when) {
				r.render(sb, n.before, step)
			} else {
				r.render(sb, n.after, step)
			}
		case nodeAlt:
			r.render(sb, n.options[(step-1)%len(n.options)], step)
		}
	}
}
