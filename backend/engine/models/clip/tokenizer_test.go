package clip

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTokenizer(t testing.TB) *Tokenizer {
	t.Helper()
	tk, err := NewTokenizer()
	require.NoError(t, err)
	return tk
}

// mergeIDs reads the embedded merges file independently of the parser and
// returns, for each merged symbol, its id: 512 + the merge's index (the
// README's vocabulary layout). Later duplicates win, as in the reference.
func mergeIDs(t *testing.T) map[string]int {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(vocabGz))
	require.NoError(t, err)
	sc := bufio.NewScanner(zr)
	require.True(t, sc.Scan(), "header")
	ids := make(map[string]int)
	for i := 0; i < 48894 && sc.Scan(); i++ {
		ids[strings.Replace(sc.Text(), " ", "", 1)] = 512 + i
	}
	require.Len(t, ids, 48894)
	return ids
}

// asciiWordEnd is the id of a printable ASCII character followed by "</w>":
// bytes_to_unicode lists '!'…'~' first, and the "</w>" forms follow the 256
// byte tokens.
func asciiWordEnd(c byte) int { return 256 + int(c-'!') }

func TestEncodeKnownPrompts(t *testing.T) {
	tk := newTokenizer(t)
	// Published CLIP tokenizations (openai/clip-vit-large-patch14 tokenizer,
	// as printed in the diffusers and transformers docs/issues).
	assert.Equal(t, []int{320, 1125, 539, 320, 2368}, tk.Encode("a photo of a cat"))
	assert.Equal(t, []int{320, 1125, 539, 550, 18376, 6765, 320, 4558, 525, 7496},
		tk.Encode("a photo of an astronaut riding a horse on mars"))
}

func TestEncodeFromVocabFile(t *testing.T) {
	tk := newTokenizer(t)
	m := mergeIDs(t)
	id := func(sym string) int {
		v, ok := m[sym]
		require.True(t, ok, "merge for %q", sym)
		return v
	}
	tests := []struct {
		name string
		text string
		want []int
	}{
		{"single word", "cat", []int{id("cat</w>")}},
		{"words", "hello world", []int{id("hello</w>"), id("world</w>")}},
		{"upper case is lowered", "HeLLo WORLD", []int{id("hello</w>"), id("world</w>")}},
		{"punctuation splits", "hello, world!", []int{id("hello</w>"), asciiWordEnd(','), id("world</w>"), asciiWordEnd('!')}},
		{"punctuation run stays together", "cat...", []int{id("cat</w>"), id("...</w>")}},
		{"digits one at a time", "2024", []int{asciiWordEnd('2'), asciiWordEnd('0'), asciiWordEnd('2'), asciiWordEnd('4')}},
		{"digits split from letters", "sd15", []int{id("sd</w>"), asciiWordEnd('1'), asciiWordEnd('5')}},
		{"contraction", "don't", []int{id("don</w>"), id("'t</w>")}},
		{"whitespace collapsed", "  cat\t\n  dog  ", []int{id("cat</w>"), id("dog</w>")}},
		{"html entities unescaped twice", "cat &amp;amp; dog", []int{id("cat</w>"), asciiWordEnd('&'), id("dog</w>")}},
		// "é" is UTF-8 C3 A9, which bytes_to_unicode keeps as "Ã©".
		{"unicode bytes", "é", []int{id("Ã©</w>")}},
		{"special tokens in text", "<|startoftext|>cat<|endoftext|>", []int{StartToken, id("cat</w>"), EndToken}},
		{"empty", "", nil},
		{"only spaces", " \t\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tk.Encode(tt.text))
		})
	}
}

func TestVocabLayout(t *testing.T) {
	tk := newTokenizer(t)
	v := tk.v
	require.Len(t, v.decoder, 49408)
	assert.Equal(t, "!", v.decoder[0])
	assert.Equal(t, "!</w>", v.decoder[256])
	assert.Equal(t, "<|startoftext|>", v.decoder[StartToken])
	assert.Equal(t, "<|endoftext|>", v.decoder[EndToken])
	// The first non-printable byte, 0x00, is mapped to U+0100 and listed
	// after the 188 printable ones.
	assert.Equal(t, "Ā", v.decoder[188])
	assert.NotEmpty(t, VocabLicense())
}

func TestParseMergesRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "missing header"},
		{"short", "#version\ni n\nt h\n", "2 merges, want 48894"},
		{"one symbol", "#version\ni n\nth\n", "want two symbols"},
		{"three symbols", "#version\ni n\nt h e\n", "want two symbols"},
		{"duplicate", "#version\ni n\ni n\n", "duplicate merge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMerges(strings.NewReader(tt.data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := parseVocab([]byte("not gzip"))
	assert.Error(t, err)
}

func TestWindow(t *testing.T) {
	tk := newTokenizer(t)
	cat := tk.Encode("a photo of a cat")

	w := tk.Window(cat, PadWithEnd)
	require.Len(t, w, ContextLength)
	assert.Equal(t, []int{49406, 320, 1125, 539, 320, 2368, 49407}, w[:7])
	for _, id := range w[7:] {
		assert.Equal(t, EndToken, id)
	}

	w = tk.Window(cat, PadWithZero)
	require.Len(t, w, ContextLength)
	assert.Equal(t, []int{49406, 320, 1125, 539, 320, 2368, 49407}, w[:7])
	assert.Equal(t, make([]int, ContextLength-7), w[7:])

	empty := tk.Window(tk.Encode(""), PadWithZero)
	assert.Equal(t, []int{StartToken, EndToken}, empty[:2])
	assert.Len(t, empty, ContextLength)

	long := tk.Encode(strings.Repeat("cat ", 100))
	require.Len(t, long, 100)
	w = tk.Window(long, PadWithZero)
	require.Len(t, w, ContextLength)
	assert.Equal(t, StartToken, w[0])
	assert.Equal(t, long[:75], w[1:76])
	assert.Equal(t, EndToken, w[76])
}

func TestDecodeRoundTrip(t *testing.T) {
	tk := newTokenizer(t)
	for _, text := range []string{
		"a photo of a cat",
		"an astronaut riding a horse on mars",
		"supercalifragilisticexpialidocious",
		"café",
		"東京タワー",
		"🐱",
		"zzzzqqqxj",
	} {
		t.Run(text, func(t *testing.T) {
			// Each word ends in "</w>", which decodes to a space.
			assert.Equal(t, text+" ", tk.Decode(tk.Encode(text)))
		})
	}
	assert.Equal(t, "<|startoftext|>a <|endoftext|>", tk.Decode([]int{StartToken, 320, EndToken}))
	assert.Equal(t, "\uFFFDa ", tk.Decode([]int{-1, 320}))
	assert.Equal(t, "\uFFFD", tk.Decode([]int{49408}))
}

func TestLowerMatchesPython(t *testing.T) {
	// str.lower() results from CPython 3.
	assert.Equal(t, "i\u0307stanbul", lower("İstanbul"))
	assert.Equal(t, "οδος", lower("ΟΔΟΣ"))
	assert.Equal(t, "σ", lower("Σ"))
	assert.Equal(t, "ας β", lower("ΑΣ Β"))
	assert.Equal(t, "plain", lower("PLAIN"))
}

func TestPreTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"don't", []string{"don", "'t"}},
		{"we'll've", []string{"we", "'ll", "'ve"}},
		{"'''s", []string{"'''", "s"}},
		{"!'s", []string{"!'", "s"}},
		{"x²3", []string{"x", "²", "3"}},
		{"a-b", []string{"a", "-", "b"}},
		{"(masterpiece:1.2)", []string{"(", "masterpiece", ":", "1", ".", "2", ")"}},
		{"!<|endoftext|>", []string{"!<|", "endoftext", "|>"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, preTokenize(tt.in))
		})
	}
}

func TestEncodeConcurrentAndCached(t *testing.T) {
	tk := newTokenizer(t)
	want := newTokenizer(t).Encode("a photo of a cat, 4k, highly detailed")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				assert.Equal(t, want, tk.Encode("a photo of a cat, 4k, highly detailed"))
			}
		})
	}
	wg.Wait()
	tk.mu.Lock()
	defer tk.mu.Unlock()
	assert.LessOrEqual(t, len(tk.cache), maxCacheEntries)
	assert.NotEmpty(t, tk.cache)
}

func TestCacheIsBounded(t *testing.T) {
	tk := newTokenizer(t)
	var sb strings.Builder
	for i := range maxCacheEntries + 10 {
		sb.Reset()
		for n := i; ; n /= 26 {
			sb.WriteByte(byte('a' + n%26))
			if n < 26 {
				break
			}
		}
		tk.Encode(sb.String())
	}
	tk.mu.Lock()
	defer tk.mu.Unlock()
	assert.LessOrEqual(t, len(tk.cache), maxCacheEntries)
}

func TestLongRunIsLinearEnough(t *testing.T) {
	tk := newTokenizer(t)
	// One 20k-letter pre-token: BPE must still finish and round-trip.
	text := strings.Repeat("abcdefghij", 2000)
	assert.Equal(t, text+" ", tk.Decode(tk.Encode(text)))
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "a photo of a cat", "don't &amp; DO", "東京 🐱 2024", "\xff\xfe", "<|endoftext|>", "ΟΔΟΣ İ", "'''s"} {
		f.Add(s)
	}
	tk := newTokenizer(f)
	f.Fuzz(func(t *testing.T, text string) {
		ids := tk.Encode(text)
		for _, id := range ids {
			require.True(t, id >= 0 && id < 49408, "id %d", id)
		}
		for _, pad := range []Padding{PadWithEnd, PadWithZero} {
			w := tk.Window(ids, pad)
			require.Len(t, w, ContextLength)
			require.Equal(t, StartToken, w[0])
			n := min(len(ids), ContextLength-2)
			require.True(t, slices.Equal(ids[:n], w[1:1+n]))
			require.Equal(t, EndToken, w[1+n])
		}
		// Decoding and encoding again is stable: word boundaries become
		// spaces, which pre-tokenize the same way.
		dec := tk.Decode(ids)
		if !strings.ContainsAny(dec, "&") {
			require.Equal(t, ids, tk.Encode(dec), "decoded %q", dec)
		}
	})
}

func BenchmarkNewTokenizer(b *testing.B) {
	for b.Loop() {
		if _, err := NewTokenizer(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode measures a typical prompt with an empty BPE cache, the
// cost of a prompt the tokenizer has not seen.
func BenchmarkEncode(b *testing.B) {
	tk := newTokenizer(b)
	prompt := "masterpiece, best quality, a photo of an astronaut riding a horse on mars, 8k, highly detailed, (dramatic lighting:1.2)"
	for b.Loop() {
		tk.mu.Lock()
		clear(tk.cache)
		tk.mu.Unlock()
		tk.Encode(prompt)
	}
}
