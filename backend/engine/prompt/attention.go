package prompt

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fragment is a run of prompt text with one emphasis weight.
type Fragment struct {
	Text   string
	Weight float64
}

// IsBreak reports whether f is a BREAK marker: A1111 represents BREAK as
// the text "BREAK" with weight −1 and recognises only that exact pair, so a
// BREAK inside brackets (weight −1.1, say) is read as the word.
func (f Fragment) IsBreak() bool { return f.Text == "BREAK" && f.Weight == -1 }

// Emphasis multipliers of A1111's parse_prompt_attention.
const (
	roundBracketMultiplier = 1.1
	breakWeight            = -1
)

// ParseAttention splits text into fragments by emphasis, as A1111's
// parse_prompt_attention does:
//
//	(x)      x × 1.1            [x]   x ÷ 1.1
//	(x:1.5)  x × 1.5            \( \) \[ \] \\   literal brackets, backslash
//	BREAK    a break marker (Fragment.IsBreak)
//
// A ')' or ']' without its opener is literal text; an opener left unclosed
// applies its multiplier to the end of the text. A lone backslash is
// dropped, so "\:" is a literal ':'. Adjacent fragments of equal weight are
// merged, and an empty text gives one empty fragment of weight 1.
//
// Weights are float64 and multiplied in A1111's order, so they match
// Python's bit for bit. Where Python's float() would raise on a weight
// such as "(x:1.2.3)", the ":1.2.3)" is read as literal text instead.
func ParseAttention(text string) []Fragment {
	// Computed in float64 at run time, as Python's 1 / 1.1 is.
	round := float64(roundBracketMultiplier)
	square := 1 / round

	var res []Fragment
	var roundStack, squareStack []int
	multiplyRange := func(start int, m float64) {
		for p := start; p < len(res); p++ {
			res[p].Weight *= m
		}
	}
	pop := func(st *[]int) int {
		s := *st
		v := s[len(s)-1]
		*st = s[:len(s)-1]
		return v
	}
	addText := func(t string) {
		parts := splitBreak(t)
		for i, part := range parts {
			if i > 0 {
				res = append(res, Fragment{Text: "BREAK", Weight: breakWeight})
			}
			res = append(res, Fragment{Text: part, Weight: 1})
		}
	}

	for pos := 0; pos < len(text); {
		c := text[pos]
		switch {
		case c == '\\':
			// \( \) \[ \] \\ keep the character; a lone backslash is dropped.
			if pos+1 < len(text) && isAttnEscapable(text[pos+1]) {
				res = append(res, Fragment{Text: text[pos+1 : pos+2], Weight: 1})
				pos += 2
			} else {
				res = append(res, Fragment{Text: "", Weight: 1})
				pos++
			}
		case c == '(':
			roundStack = append(roundStack, len(res))
			pos++
		case c == '[':
			squareStack = append(squareStack, len(res))
			pos++
		case c == ':':
			end, weight, ok := matchWeight(text, pos)
			switch {
			case ok && len(roundStack) > 0:
				// Python's float() overflows to ±inf rather than failing.
				if w, err := strconv.ParseFloat(weight, 64); err == nil || errors.Is(err, strconv.ErrRange) {
					multiplyRange(pop(&roundStack), w)
				} else {
					addText(text[pos:end])
				}
				pos = end
			case ok:
				addText(text[pos:end])
				pos = end
			default:
				addText(":")
				pos++
			}
		case c == ')' && len(roundStack) > 0:
			multiplyRange(pop(&roundStack), round)
			pos++
		case c == ']' && len(squareStack) > 0:
			multiplyRange(pop(&squareStack), square)
			pos++
		case c == ')' || c == ']':
			addText(text[pos : pos+1])
			pos++
		default:
			end := pos + 1
			for end < len(text) && !isAttnSpecial(text[end]) {
				end++
			}
			addText(text[pos:end])
			pos = end
		}
	}
	for _, p := range roundStack {
		multiplyRange(p, round)
	}
	for _, p := range squareStack {
		multiplyRange(p, square)
	}
	if len(res) == 0 {
		return []Fragment{{Text: "", Weight: 1}}
	}

	// Merge runs of equal weight; joined once per run, not pairwise, so
	// thousands of ':' pieces stay linear.
	var merged []Fragment
	for i := 0; i < len(res); {
		j := i + 1
		for j < len(res) && res[j].Weight == res[i].Weight {
			j++
		}
		f := res[i]
		if j > i+1 {
			var sb strings.Builder
			for _, g := range res[i:j] {
				sb.WriteString(g.Text)
			}
			f.Text = sb.String()
		}
		merged = append(merged, f)
		i = j
	}
	return merged
}

func isAttnEscapable(c byte) bool {
	return c == '(' || c == ')' || c == '[' || c == ']' || c == '\\'
}

// isAttnSpecial ends a plain run: [^\\()\[\]:]+.
func isAttnSpecial(c byte) bool {
	return c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == ':'
}

// matchWeight matches `:\s*([+-]?[.\d]+)\s*\)` at text[pos] == ':' and
// returns the offset after the ')' and the number's text. Like the regex it
// backtracks nothing: [.\d]+ is greedy and only whitespace may follow.
func matchWeight(text string, pos int) (end int, weight string, ok bool) {
	p := skipSpace(text, pos+1)
	start := p
	if p < len(text) && (text[p] == '+' || text[p] == '-') {
		p++
	}
	digits := p
	for p < len(text) && (text[p] == '.' || (text[p] >= '0' && text[p] <= '9')) {
		p++
	}
	if p == digits {
		return 0, "", false
	}
	weight = text[start:p]
	p = skipSpace(text, p)
	if p >= len(text) || text[p] != ')' {
		return 0, "", false
	}
	return p + 1, weight, true
}

// splitBreak is re.split(r"\s*\bBREAK\b\s*", t): BREAK as a whole word
// (Python's Unicode \b), with the whitespace around it.
func splitBreak(t string) []string {
	var parts []string
	last := 0 // end of the previous match
	for i := 0; i+5 <= len(t); {
		if t[i:i+5] != "BREAK" || !wordBoundaryBefore(t, i) || !wordBoundaryAfter(t, i+5) {
			i++
			continue
		}
		start := i
		for start > last {
			r, n := utf8.DecodeLastRuneInString(t[last:start])
			if !isPySpace(r) {
				break
			}
			start -= n
		}
		end := skipSpace(t, i+5)
		parts = append(parts, t[last:start])
		last = end
		i = max(end, i+5)
	}
	return append(parts, t[last:])
}

func wordBoundaryBefore(t string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(t[:i])
	return !isPyWord(r)
}

func wordBoundaryAfter(t string, i int) bool {
	if i >= len(t) {
		return true
	}
	r, _ := decodeRune(t, i)
	return !isPyWord(r)
}

// isPyWord approximates Python's Unicode \w: alphanumerics and '_'.
func isPyWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isPySpace approximates Python's Unicode \s.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func decodeRune(s string, i int) (rune, int) {
	return utf8.DecodeRuneInString(s[i:])
}
