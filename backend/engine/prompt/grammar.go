package prompt

// This file parses A1111's prompt-editing grammar (modules/prompt_parser.py,
// schedule_parser):
//
//	start:      (prompt | /[][():]/+)*
//	prompt:     (emphasized | scheduled | alternate | plain | WHITESPACE)*
//	emphasized: "(" prompt ")" | "(" prompt ":" prompt ")" | "[" prompt "]"
//	scheduled:  "[" [prompt ":"] prompt ":" [WHITESPACE] NUMBER [WHITESPACE] "]"
//	alternate:  "[" prompt ("|" [prompt])+ "]"
//	plain:      /([^\\\[\]():|]|\\.)+/
//
// A1111 uses lark's Earley parser; this is a recursive-descent equivalent.
// Inside brackets every construct is decided by the separator that ends its
// first inner prompt, so nested parses are unique. At the top level a
// bracket that cannot open a construct is literal text, and a construct is
// preferred over reading its brackets literally (lark resolves "[b:3]" to a
// schedule; see the doctests of get_learned_conditioning_prompt_schedules).
// A character that nothing can consume ('|' outside alternation, a trailing
// backslash) fails the whole parse, and A1111 then uses the text unchanged.
//
// Emphasis is kept as verbatim text here: the schedule only picks branches,
// and the attention parser reads the weights from the resolved text later.

type nodeKind uint8

const (
	nodeText  nodeKind = iota
	nodeEdit           // [before:after:when]
	nodeAlt            // [a|b|c]
	nodeGroup          // (x), (x:w) or [x], kept verbatim
)

type node struct {
	kind nodeKind
	// nodeText: the verbatim source text s[lo:hi]. Literal pieces that are
	// adjacent in the output are adjacent in the source too, so one range
	// covers a run.
	lo, hi int

	// nodeEdit: before is nil when the "before:" part is absent ("[b:3]"
	// adds b), which behaves as an empty prompt.
	before, after []node
	when          string // the NUMBER exactly as written

	options [][]node // nodeAlt; an empty option is an empty slice

	children []node // nodeGroup: brackets and contents, in source order
}

// elemResult memoises the parse of one bracketed construct by its start
// offset: the grammar is context-free, so a construct that failed inside an
// unclosed bracket fails the same way when the top level retries from
// there, which keeps the parse linear.
type elemResult struct {
	done bool
	ok   bool
	n    node
	end  int
}

type grammarParser struct {
	s    string
	memo []elemResult
}

// parseGrammar returns the nodes of s, or ok=false where A1111's parser
// raises and the text is used as it is.
func parseGrammar(s string) (nodes []node, ok bool) {
	p := &grammarParser{s: s, memo: make([]elemResult, len(s)+1)}
	var out []node
	pos := 0
	for pos < len(s) {
		c := s[pos]
		switch {
		case c == '\\':
			if !p.escapeAt(pos) {
				return nil, false
			}
			out = appendText(out, pos, pos+2)
			pos += 2
		case c == '|':
			return nil, false
		case c == '(' || c == '[':
			if r := p.element(pos); r.ok {
				out = append(out, r.n)
				pos = r.end
				continue
			}
			out = appendText(out, pos, pos+1)
			pos++
		default: // plain text, whitespace, or a stray ')', ']' or ':'
			out = appendText(out, pos, pos+1)
			pos++
		}
	}
	return out, true
}

// escapeAt reports whether s[pos] = '\' starts plain's `\\.`: Python's '.'
// matches any character but a newline.
func (p *grammarParser) escapeAt(pos int) bool {
	return pos+1 < len(p.s) && p.s[pos+1] != '\n'
}

// prompt parses a (possibly empty) run of constructs and plain text inside
// brackets, stopping at the first character it cannot consume.
func (p *grammarParser) prompt(pos int) ([]node, int) {
	var out []node
	s := p.s
	for pos < len(s) {
		switch c := s[pos]; c {
		case '\\':
			if !p.escapeAt(pos) {
				return out, pos
			}
			out = appendText(out, pos, pos+2)
			pos += 2
		case '(', '[':
			r := p.element(pos)
			if !r.ok {
				return out, pos
			}
			out = append(out, r.n)
			pos = r.end
		case ')', ']', ':', '|':
			return out, pos
		default:
			out = appendText(out, pos, pos+1)
			pos++
		}
	}
	return out, pos
}

// element parses the construct opened by s[pos] ('(' or '[').
func (p *grammarParser) element(pos int) elemResult {
	if m := &p.memo[pos]; m.done {
		return *m
	}
	var r elemResult
	if p.s[pos] == '(' {
		r = p.round(pos)
	} else {
		r = p.square(pos)
	}
	r.done = true
	p.memo[pos] = r
	return r
}

func (p *grammarParser) round(pos int) elemResult {
	s := p.s
	first, end := p.prompt(pos + 1)
	if end >= len(s) {
		return elemResult{}
	}
	out := appendText(nil, pos, pos+1)
	out = appendNodes(out, first)
	switch s[end] {
	case ')':
		return elemResult{ok: true, n: group(appendText(out, end, end+1)), end: end + 1}
	case ':':
		second, end2 := p.prompt(end + 1)
		if end2 >= len(s) || s[end2] != ')' {
			return elemResult{}
		}
		out = appendText(out, end, end+1)
		out = appendNodes(out, second)
		return elemResult{ok: true, n: group(appendText(out, end2, end2+1)), end: end2 + 1}
	}
	return elemResult{}
}

func (p *grammarParser) square(pos int) elemResult {
	s := p.s
	first, end := p.prompt(pos + 1)
	if end >= len(s) {
		return elemResult{}
	}
	switch s[end] {
	case ']':
		out := appendText(nil, pos, pos+1)
		out = appendNodes(out, first)
		return elemResult{ok: true, n: group(appendText(out, end, end+1)), end: end + 1}
	case '|':
		options := [][]node{first}
		for end < len(s) && s[end] == '|' {
			var opt []node
			opt, end = p.prompt(end + 1)
			options = append(options, opt)
		}
		if end >= len(s) || s[end] != ']' {
			return elemResult{}
		}
		return elemResult{ok: true, n: node{kind: nodeAlt, options: options}, end: end + 1}
	case ':':
		// "[after:when]" first; it cannot also match "[before:after:when]",
		// which needs a second ':' before the ']'.
		if when, e, ok := p.number(end + 1); ok {
			return elemResult{ok: true, n: node{kind: nodeEdit, after: first, when: when}, end: e}
		}
		second, end2 := p.prompt(end + 1)
		if end2 >= len(s) || s[end2] != ':' {
			return elemResult{}
		}
		when, e, ok := p.number(end2 + 1)
		if !ok {
			return elemResult{}
		}
		before := first
		if before == nil {
			before = []node{} // present but empty: "[:b:3]"
		}
		return elemResult{ok: true, n: node{kind: nodeEdit, before: before, after: second, when: when}, end: e}
	}
	return elemResult{}
}

// number matches `[WHITESPACE] NUMBER [WHITESPACE] "]"` at pos and returns
// the number's text and the offset after the ']'. NUMBER is lark's
// SIGNED_NUMBER: [+-] (INT | DECIMAL) [(e|E) [+-] INT], DECIMAL being
// INT "." [INT] or "." INT.
func (p *grammarParser) number(pos int) (string, int, bool) {
	s := p.s
	pos = skipSpace(s, pos)
	start := pos
	if pos < len(s) && (s[pos] == '+' || s[pos] == '-') {
		pos++
	}
	intEnd := skipDigits(s, pos)
	hasInt := intEnd > pos
	pos = intEnd
	if pos < len(s) && s[pos] == '.' {
		fracEnd := skipDigits(s, pos+1)
		if !hasInt && fracEnd == pos+1 {
			return "", 0, false // a lone "."
		}
		pos = fracEnd
	} else if !hasInt {
		return "", 0, false
	}
	if pos < len(s) && (s[pos] == 'e' || s[pos] == 'E') {
		q := pos + 1
		if q < len(s) && (s[q] == '+' || s[q] == '-') {
			q++
		}
		if e := skipDigits(s, q); e > q {
			pos = e
		}
	}
	num := s[start:pos]
	pos = skipSpace(s, pos)
	if pos >= len(s) || s[pos] != ']' {
		return "", 0, false
	}
	return num, pos + 1, true
}

func skipDigits(s string, pos int) int {
	for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' {
		pos++
	}
	return pos
}

// skipSpace skips Python's \s (Unicode whitespace).
func skipSpace(s string, pos int) int {
	for pos < len(s) {
		r, n := decodeRune(s, pos)
		if !isPySpace(r) {
			break
		}
		pos += n
	}
	return pos
}

// appendText appends the literal source range [lo, hi), extending a
// trailing text node that ends at lo so the tree stays small.
func appendText(ns []node, lo, hi int) []node {
	if k := len(ns); k > 0 && ns[k-1].kind == nodeText && ns[k-1].hi == lo {
		ns[k-1].hi = hi
		return ns
	}
	return append(ns, node{kind: nodeText, lo: lo, hi: hi})
}

func appendNodes(ns, more []node) []node {
	for _, n := range more {
		if n.kind == nodeText {
			ns = appendText(ns, n.lo, n.hi)
		} else {
			ns = append(ns, n)
		}
	}
	return ns
}

// group wraps an emphasized construct. It is not flattened into its parent
// so deeply nested brackets cost linear memory.
func group(children []node) node {
	return node{kind: nodeGroup, children: children}
}
