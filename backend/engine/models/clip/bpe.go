package clip

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed" // the BPE merges list ships inside the binary
	"fmt"
	"io"
	"strings"
)

// bpe_simple_vocab_16e6.txt.gz is OpenAI CLIP's merges list (MIT, see
// LICENSE beside it). Embedded so tokenizing never depends on a file on disk.
//
//go:embed bpe_simple_vocab_16e6.txt.gz
var vocabGz []byte

//go:embed LICENSE
var vocabLicense string

// VocabLicense is the licence of the embedded vocabulary (OpenAI CLIP, MIT),
// for an about screen.
func VocabLicense() string { return vocabLicense }

const (
	// numMerges is how many merges CLIP uses: 49152 − 256 − 2 (the 512 byte
	// tokens are counted in 256 pairs, the two specials are added after).
	// simple_tokenizer.py: merges[1:49152-256-2+1].
	numMerges = 49152 - 256 - 2
	// vocabSize is 256 byte tokens + 256 "</w>" variants + merges + 2
	// specials = 49408.
	vocabSize = 2*256 + numMerges + 2
	// maxUncompressedVocab bounds the decompressed merges file: the real
	// one is about 1.7 MB, so a corrupt or swapped file cannot exhaust memory.
	maxUncompressedVocab = 8 << 20
	endOfWord            = "</w>"
)

// pair is two adjacent BPE symbols.
type pair struct{ a, b string }

// vocab is the parsed vocabulary; it is immutable once built.
type vocab struct {
	encoder map[string]int // symbol → id
	decoder []string       // id → symbol
	ranks   map[pair]int   // merge → priority (lower merges first)
	byteEnc [256]rune      // byte → printable rune (bytes_to_unicode)
	byteDec map[rune]byte  // inverse of byteEnc
}

// bytesToUnicode maps every byte to a printable rune so BPE can work on
// strings without whitespace or control characters, in the order
// simple_tokenizer.py's bytes_to_unicode builds it: the printable Latin-1
// bytes keep their code point, the other 68 get 256, 257, … in byte order.
// order lists the bytes in that dictionary's order, which is also the order
// of the first 256 vocabulary entries.
func bytesToUnicode() (enc [256]rune, order []byte) {
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	order = make([]byte, 0, 256)
	for b := range 256 {
		if printable(b) {
			enc[b] = rune(b)
			order = append(order, byte(b))
		}
	}
	n := 0
	for b := range 256 {
		if !printable(b) {
			enc[b] = rune(256 + n)
			order = append(order, byte(b))
			n++
		}
	}
	return enc, order
}

// parseVocab builds the vocabulary from the gzip-compressed merges file.
func parseVocab(gz []byte) (*vocab, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("clip vocab: %w", err)
	}
	defer zr.Close()
	return parseMerges(io.LimitReader(zr, maxUncompressedVocab))
}

// parseMerges reads the uncompressed merges list: a header line, then at
// least numMerges lines "left right".
func parseMerges(r io.Reader) (*vocab, error) {
	v := &vocab{
		encoder: make(map[string]int, vocabSize),
		decoder: make([]string, 0, vocabSize),
		ranks:   make(map[pair]int, numMerges),
		byteDec: make(map[rune]byte, 256),
	}
	var order []byte
	v.byteEnc, order = bytesToUnicode()
	for b, r := range v.byteEnc {
		v.byteDec[r] = byte(b)
	}
	add := func(sym string) {
		v.encoder[sym] = len(v.decoder)
		v.decoder = append(v.decoder, sym)
	}
	for _, b := range order {
		add(string(v.byteEnc[b]))
	}
	for _, b := range order {
		add(string(v.byteEnc[b]) + endOfWord)
	}

	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 4096)
	if !sc.Scan() {
		return nil, fmt.Errorf("clip vocab: missing header line: %v", sc.Err())
	}
	for line := 2; len(v.ranks) < numMerges; line++ {
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return nil, fmt.Errorf("clip vocab: line %d: %w", line, err)
			}
			return nil, fmt.Errorf("clip vocab: %d merges, want %d", len(v.ranks), numMerges)
		}
		a, b, ok := strings.Cut(sc.Text(), " ")
		if !ok || a == "" || b == "" || strings.Contains(b, " ") {
			return nil, fmt.Errorf("clip vocab: line %d: want two symbols, got %q", line, sc.Text())
		}
		p := pair{a, b}
		if _, dup := v.ranks[p]; dup {
			return nil, fmt.Errorf("clip vocab: line %d: duplicate merge %q", line, sc.Text())
		}
		v.ranks[p] = len(v.ranks)
		// A merged symbol may repeat an earlier one; like the reference's
		// dict, the encoder then keeps the later id.
		add(a + b)
	}
	add(startText)
	add(endText)
	if len(v.decoder) != vocabSize || v.encoder[startText] != StartToken || v.encoder[endText] != EndToken {
		return nil, fmt.Errorf("clip vocab: built %d tokens, want %d", len(v.decoder), vocabSize)
	}
	return v, nil
}

// merge runs byte-pair encoding on one pre-token already mapped through
// bytes_to_unicode, returning its symbols (the last one ends in "</w>").
// Like simple_tokenizer.py's bpe(), each round merges every occurrence of
// the lowest-ranked adjacent pair, left to right without overlap. Ranks of
// untouched neighbours are carried over, so a long run costs O(n) map
// look-ups in all instead of O(n) per round.
func (v *vocab) merge(token string) []string {
	word := make([]string, 0, len(token))
	for _, r := range token {
		word = append(word, string(r))
	}
	if len(word) == 0 {
		return nil
	}
	word[len(word)-1] += endOfWord
	const none = -1
	rank := func(a, b string) int {
		if r, ok := v.ranks[pair{a, b}]; ok {
			return r
		}
		return none
	}
	ranks := make([]int, len(word)-1) // ranks[i] is the rank of (word[i], word[i+1])
	for i := range ranks {
		ranks[i] = rank(word[i], word[i+1])
	}
	var (
		next   = make([]string, 0, len(word))
		from   = make([]int, 0, len(word))  // old index of each new symbol
		merged = make([]bool, 0, len(word)) // new symbol was formed this round
		nranks = make([]int, 0, len(word))
	)
	for len(word) > 1 {
		best := none
		for _, r := range ranks {
			if r != none && (best == none || r < best) {
				best = r
			}
		}
		if best == none {
			break
		}
		// Ranks are unique per pair, so ranks[i] == best marks exactly the
		// occurrences of the best pair.
		next, from, merged = next[:0], from[:0], merged[:0]
		for i := 0; i < len(word); {
			if i+1 < len(word) && ranks[i] == best {
				next, from, merged = append(next, word[i]+word[i+1]), append(from, i), append(merged, true)
				i += 2
				continue
			}
			next, from, merged = append(next, word[i]), append(from, i), append(merged, false)
			i++
		}
		nranks = nranks[:0]
		for i := 0; i+1 < len(next); i++ {
			if merged[i] || merged[i+1] {
				nranks = append(nranks, rank(next[i], next[i+1]))
			} else {
				nranks = append(nranks, ranks[from[i]]) // same neighbours as before
			}
		}
		word, next = next, word
		ranks, nranks = nranks, ranks
	}
	return append([]string(nil), word...)
}
