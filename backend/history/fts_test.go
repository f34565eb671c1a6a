package history

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFTSQuery(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"   \t\n", ""},
		{"cat", `"cat"*`},
		{"red cat", `"red" "cat"*`},
		{`say "hi"`, `"say" """hi"""*`},
		{"AND(", `"AND("*`},
		{"a\x00b", `"a" "b"*`},
		{"\xffcat", `"cat"*`},
		{`cat " ( ) * -`, `"cat"*`},
		{`( ) *`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, ftsQuery(tt.in))
		})
	}
}

func TestFTSQueryBounded(t *testing.T) {
	q := ftsQuery(strings.Repeat("word ", 10_000))
	assert.Equal(t, maxQueryWords, strings.Count(q, `"word"`))
}

// FuzzFTSQuery runs any text through the real search: whatever the user
// types, the query must never be an SQL or FTS5 syntax error.
func FuzzFTSQuery(f *testing.F) {
	for _, s := range []string{"", "cat", `"`, `""`, `AND(`, `NEAR(a b)`, `col:x`, `x*`, `^`, "a\x00b", "\xff",
		`'; DROP TABLE outputs; --`, "日本", `(word:1.2)`, `[a:b:5]`, "-", "*", "OR", "a OR b NOT c"} {
		f.Add(s)
	}
	d, err := Open(filepath.Join(f.TempDir(), "fuzz.db"))
	require.NoError(f, err)
	f.Cleanup(func() { _ = d.Close() })
	_, err = d.AddOutput(f.Context(), OutputRecord{Path: "/a.png", Prompt: "a red cat", NegativePrompt: "blurry", Model: "sd15"})
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, text string) {
		q := ftsQuery(text)
		assert.LessOrEqual(t, len(q), 3*maxQueryBytes+3*maxQueryWords)
		_, _, err := d.ListOutputs(t.Context(), Query{Text: text, Limit: 5})
		require.NoError(t, err, "query %q → %q", text, q)
	})
}
