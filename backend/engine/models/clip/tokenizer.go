package clip

import (
	"html"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Special tokens and the context length of every SD text encoder.
const (
	StartToken    = 49406 // <|startoftext|>
	EndToken      = 49407 // <|endoftext|>
	ContextLength = 77
)

const (
	startText = "<|startoftext|>"
	endText   = "<|endoftext|>"
	// maxCacheEntries bounds the per-tokenizer BPE cache; prompts reuse a
	// few thousand words at most, so a full cache is simply dropped.
	maxCacheEntries = 8192
	// maxCachedToken keeps pathological long runs out of the cache.
	maxCachedToken = 64
)

// Padding says what fills a window after the end token.
type Padding int

const (
	// PadWithEnd repeats the end token (OpenAI CLIP-L as SD 1.x and
	// SDXL's first encoder use it).
	PadWithEnd Padding = iota
	// PadWithZero pads with id 0, "!" (OpenCLIP: SD 2.x, SDXL's bigG).
	PadWithZero
)

// Tokenizer is CLIP's byte-level BPE tokenizer (openai/CLIP
// simple_tokenizer.py). It is safe for concurrent use.
type Tokenizer struct {
	v *vocab

	mu    sync.Mutex
	cache map[string][]int // byte-encoded pre-token → ids
}

// NewTokenizer parses the embedded vocabulary.
func NewTokenizer() (*Tokenizer, error) {
	v, err := parseVocab(vocabGz)
	if err != nil {
		return nil, err
	}
	return &Tokenizer{v: v, cache: make(map[string][]int)}, nil
}

// Encode returns the BPE ids of text, without start and end tokens and
// without truncation. Text is cleaned as the reference does (HTML entities
// unescaped twice, whitespace collapsed, trimmed, lower-cased); the
// reference's ftfy mojibake repair is not reproduced.
func (t *Tokenizer) Encode(text string) []int {
	text = lower(cleanText(text))
	var ids []int
	for _, tok := range preTokenize(text) {
		ids = append(ids, t.encodeToken(tok)...)
	}
	return ids
}

func (t *Tokenizer) encodeToken(tok string) []int {
	switch tok {
	case startText:
		return []int{StartToken}
	case endText:
		return []int{EndToken}
	}
	var sb strings.Builder
	for i := 0; i < len(tok); i++ {
		sb.WriteRune(t.v.byteEnc[tok[i]])
	}
	key := sb.String()

	t.mu.Lock()
	ids, ok := t.cache[key]
	t.mu.Unlock()
	if ok {
		return ids
	}
	syms := t.v.merge(key)
	ids = make([]int, len(syms))
	for i, s := range syms {
		// Every symbol is in the vocabulary: single byte runes and their
		// "</w>" forms are, and each merge result was added with its merge.
		ids[i] = t.v.encoder[s]
	}
	if len(key) <= maxCachedToken {
		t.mu.Lock()
		if len(t.cache) >= maxCacheEntries {
			clear(t.cache)
		}
		t.cache[key] = ids
		t.mu.Unlock()
	}
	return ids
}

// Decode turns ids back into text: symbols are joined, mapped back to
// bytes, and each end-of-word marker becomes a space, as the reference
// does (so the result ends in a space after a complete word). Invalid UTF-8
// and ids outside the vocabulary become U+FFFD.
func (t *Tokenizer) Decode(ids []int) string {
	var raw []byte
	for _, id := range ids {
		if id < 0 || id >= len(t.v.decoder) {
			raw = utf8.AppendRune(raw, utf8.RuneError)
			continue
		}
		for _, r := range t.v.decoder[id] {
			if b, ok := t.v.byteDec[r]; ok {
				raw = append(raw, b)
			}
		}
	}
	var sb strings.Builder
	for len(raw) > 0 {
		r, n := utf8.DecodeRune(raw)
		sb.WriteRune(r) // RuneError for each invalid byte, like errors="replace"
		raw = raw[n:]
	}
	return strings.ReplaceAll(sb.String(), endOfWord, " ")
}

// Window frames ids for the text encoder: the start token, at most
// ContextLength−2 ids, the end token, then padding up to ContextLength.
func (t *Tokenizer) Window(ids []int, pad Padding) []int {
	fill := EndToken
	if pad == PadWithZero {
		fill = 0
	}
	ids = ids[:min(len(ids), ContextLength-2)]
	out := make([]int, 0, ContextLength)
	out = append(out, StartToken)
	out = append(out, ids...)
	out = append(out, EndToken)
	for len(out) < ContextLength {
		out = append(out, fill)
	}
	return out
}

// cleanText is basic_clean + whitespace_clean from simple_tokenizer.py,
// minus ftfy: invalid UTF-8 becomes U+FFFD (Python strings cannot hold
// it), entities are unescaped twice ("&amp;lt;" → "<"), and whitespace runs
// become one space.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = html.UnescapeString(html.UnescapeString(s))
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// lower is Python's str.lower: Go's per-rune mapping plus the two
// context-free differences of full case mapping, İ → "i̇" and final sigma.
func lower(s string) string {
	if !strings.ContainsAny(s, "İΣ") {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	var sb strings.Builder
	for i, r := range rs {
		switch {
		case r == 'İ':
			sb.WriteString("i\u0307")
		case r == 'Σ' && finalSigma(rs, i):
			sb.WriteRune('ς')
		default:
			sb.WriteRune(unicode.ToLower(r))
		}
	}
	return sb.String()
}

// finalSigma is Unicode's Final_Sigma condition as CPython applies it: a
// cased letter before (skipping case-ignorables) and none after.
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && caseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && caseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !cased(rs[j])
}

func cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', 0xB7, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// preTokenize splits cleaned, lower-cased text as the reference pattern
// does, trying at each position in order:
//
//	<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//
// (case-insensitively) and skipping whitespace. Digits come one at a time.
func preTokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		rest := s[i:]
		r, n := utf8.DecodeRuneInString(rest)
		if tok := special(rest); tok != "" {
			out = append(out, tok)
			i += len(tok)
			continue
		}
		if r == '\'' {
			if k := contraction(rest[1:]); k > 0 {
				out = append(out, rest[:1+k])
				i += 1 + k
				continue
			}
		}
		var end int
		switch {
		case unicode.IsSpace(r):
			i += n
			continue
		case unicode.IsLetter(r):
			end = span(rest, unicode.IsLetter)
		case unicode.IsNumber(r):
			end = n
		default:
			end = span(rest, func(r rune) bool {
				return !unicode.IsSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r)
			})
		}
		out = append(out, rest[:end])
		i += end
	}
	return out
}

func special(s string) string {
	for _, tok := range [...]string{startText, endText} {
		if strings.HasPrefix(s, tok) {
			return tok
		}
	}
	return ""
}

// contraction returns the byte length of the contraction suffix s starts
// with, or 0. Matching folds case like the reference's IGNORECASE ("ſ"
// matches "s").
func contraction(s string) int {
	// In the reference pattern's order.
	for _, c := range [...]string{"s", "t", "re", "ve", "m", "ll", "d"} {
		n := 0
		ok := true
		for _, want := range c {
			if n >= len(s) {
				ok = false
				break
			}
			r, size := utf8.DecodeRuneInString(s[n:])
			if !strings.EqualFold(string(r), string(want)) {
				ok = false
				break
			}
			n += size
		}
		if ok {
			return n
		}
	}
	return 0
}

// span is the byte length of the longest prefix of s whose runes satisfy f.
func span(s string, f func(rune) bool) int {
	for i, r := range s {
		if !f(r) {
			return i
		}
	}
	return len(s)
}
