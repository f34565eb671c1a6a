package history

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxQueryBytes and maxQueryWords bound the work one search box entry can
	// cause; nobody types more than this into a gallery search.
	maxQueryBytes = 1024
	maxQueryWords = 32
)

// ftsQuery turns what the user typed into an FTS5 MATCH expression that can
// never be a syntax error: every whitespace-separated word becomes a quoted
// phrase (FTS5 treats everything inside "…" literally except a doubled quote),
// the phrases are ANDed, and the last word is a prefix match so results
// follow the user's typing. "cyber-punk" stays one phrase, so it matches the
// tokens "cyber" "punk" next to each other. It returns "" when nothing is
// left to search for.
func ftsQuery(text string) string {
	if len(text) > maxQueryBytes {
		text = text[:maxQueryBytes]
	}
	text = strings.ToValidUTF8(text, " ")
	// NUL ends a string for SQLite's FTS5 parser (an "unterminated string"
	// error); other control characters are never part of a word.
	words := strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	})
	// A word with no letter or digit has no tokens; FTS5 would match nothing
	// for it, so "!!!" would hide every image instead of filtering none.
	words = slices.DeleteFunc(words, func(w string) bool {
		return !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) })
	})
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(w, `"`, `""`))
		b.WriteByte('"')
		if i == len(words)-1 {
			b.WriteByte('*')
		}
	}
	return b.String()
}
