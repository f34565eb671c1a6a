package prompt

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type sp = ScheduledPrompt

// mergeRuns folds consecutive entries with equal text into the last one,
// the one difference between Schedule and A1111's output.
func mergeRuns(in []sp) []sp {
	var out []sp
	for _, e := range in {
		if k := len(out); k > 0 && out[k-1].Text == e.Text {
			out[k-1].EndAtStep = e.EndAtStep
			continue
		}
		out = append(out, e)
	}
	return out
}

// TestScheduleA1111Doctests replays the doctests of A1111's
// get_learned_conditioning_prompt_schedules (modules/prompt_parser.py,
// v1.10), which run with 10 steps (and 10 hires steps in the last two).
// "a [{b|d{:.5] c" is left out: its doctest predates alternation and lark
// now rejects that text.
func TestScheduleA1111Doctests(t *testing.T) {
	alt := func(texts ...string) []sp {
		var out []sp
		for i := 1; i <= 10; i++ {
			out = append(out, sp{i, texts[(i-1)%len(texts)]})
		}
		return out
	}
	tests := []struct {
		in    string
		hires bool
		want  []sp // A1111's list, before merging
	}{
		{in: "test", want: []sp{{10, "test"}}},
		{in: "a [b:3]", want: []sp{{3, "a "}, {10, "a b"}}},
		{in: "a [b: 3]", want: []sp{{3, "a "}, {10, "a b"}}},
		{in: "a [[[b]]:2]", want: []sp{{2, "a "}, {10, "a [[b]]"}}},
		{in: "[(a:2):3]", want: []sp{{3, ""}, {10, "(a:2)"}}},
		{in: "a [b : c : 1] d", want: []sp{{1, "a b  d"}, {10, "a  c  d"}}},
		{in: "a[b:[c:d:2]:1]e", want: []sp{{1, "abe"}, {2, "ace"}, {10, "ade"}}},
		{in: "a [unbalanced", want: []sp{{10, "a [unbalanced"}}},
		{in: "a [b:.5] c", want: []sp{{5, "a  c"}, {10, "a b c"}}},
		{in: "((a][:b:c [d:3]", want: []sp{{3, "((a][:b:c "}, {10, "((a][:b:c d"}}},
		{in: "[a|(b:1.1)]", want: alt("a", "(b:1.1)")},
		{in: "[fe|]male", want: alt("female", "male")},
		{in: "[fe|||]male", want: alt("female", "male", "male", "male")},
		{in: "a [b:.5] c", hires: true, want: []sp{{10, "a b c"}}},
		{in: "a [b:1.5] c", hires: true, want: []sp{{5, "a  c"}, {10, "a b c"}}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := Parse(tc.in)
			require.NoError(t, err)
			o := ScheduleOptions{Steps: 10}
			if tc.hires {
				o.HiresSteps = 10
			}
			assert.Equal(t, mergeRuns(tc.want), p.ScheduleWith(o))
		})
	}
}

func TestSchedule(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		steps int
		want  []sp
	}{
		{"fraction", "a [cat:dog:0.5]", 20, []sp{{10, "a cat"}, {20, "a dog"}}},
		{"step number", "[cat:dog:5]", 20, []sp{{5, "cat"}, {20, "dog"}}},
		{"remove", "a [hat::5]", 20, []sp{{5, "a hat"}, {20, "a "}}},
		{"nested emphasis", "[(a:1.5):b:10]", 20, []sp{{10, "(a:1.5)"}, {20, "b"}}},
		{"alternation", "[a|b]", 4, []sp{{1, "a"}, {2, "b"}, {3, "a"}, {4, "b"}}},
		{"alternation in edit", "[[x|y]:z:2]", 4, []sp{{1, "x"}, {2, "y"}, {4, "z"}}},
		{"edit in emphasis", "((a [b:c:3]):1.2)", 10, []sp{{3, "((a b):1.2)"}, {10, "((a c):1.2)"}}},
		{"when beyond steps", "[a:b:30]", 20, []sp{{20, "a"}}},
		{"fraction 1.0 is whole pass", "[a:b:1.0]", 20, []sp{{20, "a"}}},
		{"zero", "[a:b:0]", 20, []sp{{20, "b"}}},
		{"negative", "[a:b:-3]", 20, []sp{{20, "b"}}},
		{"exponent", "[a:b:1e1]", 20, []sp{{10, "a"}, {20, "b"}}},
		{"huge", "[a:b:1e999]", 20, []sp{{20, "a"}}},
		{"pipe outside alternation keeps text", "a | b [c:d:5]", 20, []sp{{20, "a | b [c:d:5]"}}},
		{"trailing backslash keeps text", `[c:d:5] \`, 20, []sp{{20, `[c:d:5] \`}}},
		{"escaped brackets are text", `\[a:b:5\]`, 20, []sp{{20, `\[a:b:5\]`}}},
		{"not a number", "[a:b:c]", 20, []sp{{20, "[a:b:c]"}}},
		{"unclosed alternation keeps text", "[a|b", 20, []sp{{20, "[a|b"}}},
		{"zero steps count as one", "[a:b:0.5]", 0, []sp{{1, "b"}}},
		{
			// The example at the top of A1111's prompt_parser.py, 100 steps.
			"a1111 landscape",
			"fantasy landscape with a [mountain:lake:0.25] and [an oak:a christmas tree:0.75][ in foreground::0.6][ in background:0.25] [shoddy:masterful:0.5]",
			100,
			[]sp{
				{25, "fantasy landscape with a mountain and an oak in foreground shoddy"},
				{50, "fantasy landscape with a lake and an oak in foreground in background shoddy"},
				{60, "fantasy landscape with a lake and an oak in foreground in background masterful"},
				{75, "fantasy landscape with a lake and an oak in background masterful"},
				{100, "fantasy landscape with a lake and a christmas tree in background masterful"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, p.Schedule(tc.steps))
		})
	}
}

func TestScheduleOptions(t *testing.T) {
	tests := []struct {
		name string
		in   string
		o    ScheduleOptions
		want []sp
	}{
		// A whole number in the hires pass counts from the end of the base
		// pass: step 25 of 20+10 is hires step 5.
		{"hires step", "[a:b:25]", ScheduleOptions{Steps: 20, HiresSteps: 10}, []sp{{5, "a"}, {10, "b"}}},
		{"hires step within base", "[a:b:5]", ScheduleOptions{Steps: 20, HiresSteps: 10}, []sp{{10, "b"}}},
		{"old fraction", "[a:b:0.25]", ScheduleOptions{Steps: 20, OldScheduling: true}, []sp{{5, "a"}, {20, "b"}}},
		{"old 1.5 is step 1", "[a:b:1.5]", ScheduleOptions{Steps: 20, OldScheduling: true}, []sp{{1, "a"}, {20, "b"}}},
		{"new 1.5 is past the end", "[a:b:1.5]", ScheduleOptions{Steps: 20}, []sp{{20, "a"}}},
		{"old hires reuses base schedule", "[a:b:0.5]", ScheduleOptions{Steps: 20, HiresSteps: 10, OldScheduling: true}, []sp{{10, "a"}, {20, "b"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, p.ScheduleWith(tc.o))
		})
	}
}

func TestIndex(t *testing.T) {
	s := []sp{{10, "cat"}, {20, "dog"}}
	// reconstruct_cond_batch: 0-based step s takes the first entry with
	// s ≤ end_at_step, so "cat" covers steps 0..10.
	for step, want := range map[int]int{0: 0, 10: 0, 11: 1, 19: 1, 20: 1, 99: 1} {
		assert.Equal(t, want, Index(s, step), "step %d", step)
	}
	assert.Equal(t, -1, Index(nil, 3))
}

func TestParseNetworksBeforeSchedule(t *testing.T) {
	// The tag's ':' would otherwise read as part of the grammar.
	p, err := Parse("<lora:detail:0.5>[a:b:5], <hypernet:h>x")
	require.NoError(t, err)
	require.Len(t, p.Networks, 2)
	assert.Equal(t, "[a:b:5], x", p.Text)
	assert.Equal(t, []sp{{5, "a, x"}, {20, "b, x"}}, p.Schedule(20))
}

func TestParseErrors(t *testing.T) {
	_, err := Parse(strings.Repeat("a", MaxPromptBytes+1))
	require.ErrorIs(t, err, ErrTooLong)

	_, err = Parse("a <lora:x:strong> b")
	require.ErrorContains(t, err, `"strong"`)
}

// Deeply nested or unclosed brackets must parse in linear time and memory
// thanks to the memo; a quadratic parser would take minutes here.
func TestParsePathologicalNesting(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("(", MaxPromptBytes),
		strings.Repeat("[a:", MaxPromptBytes/3),
		strings.Repeat("([x|", MaxPromptBytes/4),
		strings.Repeat("(a", MaxPromptBytes/4) + strings.Repeat(")", MaxPromptBytes/4),
	} {
		p, err := Parse(in)
		require.NoError(t, err)
		s := p.Schedule(20)
		require.NotEmpty(t, s)
		require.Equal(t, 20, s[len(s)-1].EndAtStep)
	}
}
