package prompt

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The first six cases are the doctests of A1111's parse_prompt_attention
// (modules/prompt_parser.py); their float64 weights are Python's exact
// results, so they pin the order of multiplication too.
func TestParseAttention(t *testing.T) {
	inv := 1 / 1.1 // the ÷1.1 of [x], as Python computes it
	tests := []struct {
		name string
		in   string
		want []Fragment
	}{
		{"plain", "normal text", []Fragment{{"normal text", 1}}},
		{"round", "an (important) word", []Fragment{{"an ", 1}, {"important", 1.1}, {" word", 1}}},
		{"unbalanced open closes at end", "(unbalanced", []Fragment{{"unbalanced", 1.1}}},
		{"escapes", `\(literal\]`, []Fragment{{"(literal]", 1}}},
		{"adjacent groups merge", "(unnecessary)(parens)", []Fragment{{"unnecessaryparens", 1.1}}},
		{"a1111 doctest", "a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).", []Fragment{
			{"a ", 1}, {"house", 1.5730000000000004}, {" ", 1.1}, {"on", 1}, {" a ", 1.1},
			{"hill", 0.55}, {", sun, ", 1.1}, {"sky", 1.4641000000000006}, {".", 1.1},
		}},
		{"explicit and square", "a (word:1.5) and [other]", []Fragment{{"a ", 1}, {"word", 1.5}, {" and ", 1}, {"other", inv}}},
		{"double round", "((masterpiece))", []Fragment{{"masterpiece", 1.2100000000000002}}},
		{"two explicit", "(a:1.2) (b:0.8)", []Fragment{{"a", 1.2}, {" ", 1}, {"b", 0.8}}},
		{"weight with spaces", "(cat : 1.3 )", []Fragment{{"cat ", 1.3}}},
		{"negative weight", "(ugly:-0.5)", []Fragment{{"ugly", -0.5}}},
		{"nested explicit", "((a:1.5) b:0.5)", []Fragment{{"a", 0.75}, {" b", 0.5}}},
		{"square of round", "[(a)]", []Fragment{{"a", 1.1 * inv}}},
		{"escaped backslash", `a \\ b`, []Fragment{{`a \ b`, 1}}},
		{"escaped colon drops backslash", `16\:9 (wide)`, []Fragment{{"16:9 ", 1}, {"wide", 1.1}}},
		{"lone backslash dropped", `a\b`, []Fragment{{"ab", 1}}},
		{"stray closers literal", "a) b] c", []Fragment{{"a) b] c", 1}}},
		{"weight without opener literal", "x:1.5) y", []Fragment{{"x:1.5) y", 1}}},
		{"colon without number", "(a:b)", []Fragment{{"a:b", 1.1}}},
		{"bad float literal", "(x:1.2.3)", []Fragment{{"x:1.2.3)", 1.1}}},
		{"unclosed square", "[a", []Fragment{{"a", inv}}},
		{"empty", "", []Fragment{{"", 1}}},
		{"only brackets", "()[]", []Fragment{{"", 1}}},
		{"break", "a BREAK b", []Fragment{{"a", 1}, {"BREAK", -1}, {"b", 1}}},
		{"break keeps punctuation", "a,BREAK,b", []Fragment{{"a,", 1}, {"BREAK", -1}, {",b", 1}}},
		{"break needs word boundary", "aBREAK BREAKb BREAK_x", []Fragment{{"aBREAK BREAKb BREAK_x", 1}}},
		{"lowercase break is text", "a break b", []Fragment{{"a break b", 1}}},
		{"leading break", "BREAK a", []Fragment{{"", 1}, {"BREAK", -1}, {"a", 1}}},
		{"break in brackets is scaled", "(a BREAK b)", []Fragment{{"a", 1.1}, {"BREAK", -1.1}, {"b", 1.1}}},
		{"unicode boundary", "éBREAK é BREAK", []Fragment{{"éBREAK é", 1}, {"BREAK", -1}, {"", 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ParseAttention(tc.in))
		})
	}
}

func TestFragmentIsBreak(t *testing.T) {
	got := ParseAttention("a BREAK b (c BREAK d)")
	var breaks []bool
	for _, f := range got {
		breaks = append(breaks, f.IsBreak())
	}
	// Only the bare BREAK is a chunk break; inside brackets A1111 reads the
	// word (its weight is no longer −1).
	require.Equal(t, []bool{false, true, false, false, false, false}, breaks)
	require.Equal(t, Fragment{"BREAK", -1 * 1.1}, got[4])
}

func TestSplitBreak(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"BREAK", []string{"", ""}},
		{"a  BREAK\n b", []string{"a", "b"}},
		{"a BREAK BREAK b", []string{"a", "", "b"}},
		{"BREAKBREAK", []string{"BREAKBREAK"}},
		{"x BREAK", []string{"x", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, splitBreak(tc.in))
		})
	}
}
