package pnginfo

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"unicode/utf8"
)

// Limits on what a PNG may make the reader hold. Text chunks are the only
// data kept in memory; every other chunk is streamed past.
const (
	// MaxTextLen caps one decoded text (after decompression). ComfyUI
	// workflows run to a few hundred KiB; 8 MiB leaves room without letting a
	// zlib bomb in a zTXt/iTXt chunk allocate gigabytes.
	MaxTextLen = 8 << 20
	// maxTextChunkLen caps a text chunk's stored data. Compressed text is
	// smaller than MaxTextLen, stored text is at most MaxTextLen plus the
	// keyword and iTXt headers.
	maxTextChunkLen = MaxTextLen + 64<<10
	// maxTotalText caps the decoded text of all chunks of one file, so a file
	// of many large chunks cannot multiply the per-chunk cap.
	maxTotalText = 64 << 20
	// maxChunkLen is the PNG specification's limit on a chunk length (2^31-1).
	maxChunkLen = 1<<31 - 1
	// maxKeywordLen is the PNG limit on a text chunk keyword.
	maxKeywordLen = 79
)

// pngSignature starts every PNG file (PNG spec §5.2).
const pngSignature = "\x89PNG\r\n\x1a\n"

// Sentinel errors callers can branch on; every error returned wraps one of
// them with the chunk and the reason.
var (
	// ErrNotPNG means the data does not start like a PNG file.
	ErrNotPNG = errors.New("not a PNG file")
	// ErrTruncated means the file ends inside a chunk or before IEND.
	ErrTruncated = errors.New("truncated PNG")
	// ErrCRC means a chunk's CRC does not match its contents.
	ErrCRC = errors.New("PNG chunk CRC mismatch")
	// ErrCorrupt means a chunk is malformed (bad length, type or layout).
	ErrCorrupt = errors.New("corrupt PNG")
	// ErrTooLarge means a text would exceed MaxTextLen or the file's text
	// exceeds the reader's total budget.
	ErrTooLarge = errors.New("PNG text too large")
)

// Text chunk types.
const (
	TypeText           = "tEXt"
	TypeCompressedText = "zTXt"
	TypeIntlText       = "iTXt"
)

// TextChunk is one decoded text chunk.
type TextChunk struct {
	// Type is TypeText, TypeCompressedText or TypeIntlText.
	Type string `json:"type"`
	// Keyword is the chunk's key ("parameters", "prompt", …).
	Keyword string `json:"keyword"`
	// Text is the value as UTF-8 (Latin-1 tEXt/zTXt is converted).
	Text string `json:"text"`
	// Compressed reports zlib compression (always true for zTXt). When
	// writing, it asks for compression of an iTXt chunk.
	Compressed bool `json:"compressed,omitempty"`
	// Language and TranslatedKeyword are iTXt's optional fields.
	Language          string `json:"language,omitempty"`
	TranslatedKeyword string `json:"translated_keyword,omitempty"`
}

// ReadTextChunks walks a PNG stream and returns its text chunks in file
// order. The signature, chunk lengths, chunk types, the IHDR-first and
// IEND-last rules and the CRCs of IHDR and every text chunk are checked; a
// mismatch is an error (a file whose metadata is damaged is reported, not
// half-read). Non-text chunks are skipped without being held in memory. Data
// after IEND is ignored.
func ReadTextChunks(r io.Reader) ([]TextChunk, error) {
	br := bufio.NewReaderSize(r, 32<<10)
	var sig [8]byte
	if _, err := io.ReadFull(br, sig[:]); err != nil {
		return nil, fmt.Errorf("read signature: %w", ErrNotPNG)
	}
	if string(sig[:]) != pngSignature {
		return nil, fmt.Errorf("read signature: %w", ErrNotPNG)
	}

	var (
		out   []TextChunk
		total int
		hdr   [8]byte
		crc   [4]byte
	)
	for index := 0; ; index++ {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return nil, fmt.Errorf("chunk %d: header: %w", index, eofAsTruncated(err))
		}
		length := binary.BigEndian.Uint32(hdr[:4])
		typ := string(hdr[4:])
		if !validChunkType(hdr[4:]) {
			return nil, fmt.Errorf("chunk %d: type %q: %w", index, typ, ErrCorrupt)
		}
		if length > maxChunkLen {
			return nil, fmt.Errorf("chunk %d %s: length %d over the PNG limit: %w", index, typ, length, ErrCorrupt)
		}
		if index == 0 && (typ != "IHDR" || length != 13) {
			return nil, fmt.Errorf("chunk 0 is %s (length %d), want IHDR (13): %w", typ, length, ErrNotPNG)
		}

		switch typ {
		case "IHDR", TypeText, TypeCompressedText, TypeIntlText:
			if length > maxTextChunkLen {
				return nil, fmt.Errorf("chunk %d %s: length %d: %w", index, typ, length, ErrTooLarge)
			}
			// The whole chunk must be present before we allocate for it, but a
			// plain io.Reader cannot say how much is left. Reading through a
			// LimitReader into a growing buffer keeps the allocation bounded by
			// the bytes that actually arrive.
			data, err := readN(br, int64(length))
			if err != nil {
				return nil, fmt.Errorf("chunk %d %s: data: %w", index, typ, err)
			}
			if _, err := io.ReadFull(br, crc[:]); err != nil {
				return nil, fmt.Errorf("chunk %d %s: CRC: %w", index, typ, eofAsTruncated(err))
			}
			if got, want := chunkCRC(hdr[4:], data), binary.BigEndian.Uint32(crc[:]); got != want {
				return nil, fmt.Errorf("chunk %d %s: computed %08x, stored %08x: %w", index, typ, got, want, ErrCRC)
			}
			if typ == "IHDR" {
				continue
			}
			tc, err := decodeTextChunk(typ, data)
			if err != nil {
				return nil, fmt.Errorf("chunk %d %s: %w", index, typ, err)
			}
			total += len(tc.Text)
			if total > maxTotalText {
				return nil, fmt.Errorf("chunk %d %s: text of the file over %d bytes: %w", index, typ, maxTotalText, ErrTooLarge)
			}
			out = append(out, tc)
		default:
			// Image data and ancillary chunks are not interpreted, so their
			// CRCs are not worth computing: skip data and CRC together.
			n, err := io.CopyN(io.Discard, br, int64(length)+4)
			if err != nil {
				return nil, fmt.Errorf("chunk %d %s: %d of %d bytes: %w", index, typ, n, int64(length)+4, eofAsTruncated(err))
			}
			if typ == "IEND" {
				return out, nil
			}
		}
	}
}

// readN reads exactly n bytes, growing the buffer only as data arrives.
func readN(r io.Reader, n int64) ([]byte, error) {
	var buf bytes.Buffer
	got, err := buf.ReadFrom(io.LimitReader(r, n))
	if err != nil {
		return nil, err
	}
	if got != n {
		return nil, fmt.Errorf("%d of %d bytes: %w", got, n, ErrTruncated)
	}
	return buf.Bytes(), nil
}

func eofAsTruncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTruncated
	}
	return err
}

// validChunkType reports whether t is four ASCII letters (PNG spec §5.3).
func validChunkType(t []byte) bool {
	for _, c := range t {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// chunkCRC is the CRC-32 (ISO 3309, the same polynomial as IEEE) of the
// chunk type and data, as PNG spec §5.3 defines it.
func chunkCRC(typ, data []byte) uint32 {
	h := crc32.NewIEEE()
	h.Write(typ)
	h.Write(data)
	return h.Sum32()
}

// decodeTextChunk decodes the data of a tEXt, zTXt or iTXt chunk (PNG spec
// §11.3.4).
func decodeTextChunk(typ string, data []byte) (TextChunk, error) {
	kw, rest, err := splitKeyword(data)
	if err != nil {
		return TextChunk{}, err
	}
	tc := TextChunk{Type: typ, Keyword: kw}
	switch typ {
	case TypeText:
		tc.Text = decodeLatin1(rest)
	case TypeCompressedText:
		if len(rest) < 1 || rest[0] != 0 {
			return TextChunk{}, fmt.Errorf("keyword %q: compression method not zlib: %w", kw, ErrCorrupt)
		}
		raw, err := inflate(rest[1:])
		if err != nil {
			return TextChunk{}, fmt.Errorf("keyword %q: %w", kw, err)
		}
		tc.Text = decodeLatin1(raw)
		tc.Compressed = true
	case TypeIntlText:
		if len(rest) < 2 {
			return TextChunk{}, fmt.Errorf("keyword %q: short iTXt header: %w", kw, ErrCorrupt)
		}
		flag, method := rest[0], rest[1]
		if flag > 1 || (flag == 1 && method != 0) {
			return TextChunk{}, fmt.Errorf("keyword %q: compression flag %d method %d: %w", kw, flag, method, ErrCorrupt)
		}
		var lang, trans []byte
		var ok bool
		if lang, rest, ok = bytes.Cut(rest[2:], []byte{0}); !ok {
			return TextChunk{}, fmt.Errorf("keyword %q: unterminated language tag: %w", kw, ErrCorrupt)
		}
		if trans, rest, ok = bytes.Cut(rest, []byte{0}); !ok {
			return TextChunk{}, fmt.Errorf("keyword %q: unterminated translated keyword: %w", kw, ErrCorrupt)
		}
		if flag == 1 {
			if rest, err = inflate(rest); err != nil {
				return TextChunk{}, fmt.Errorf("keyword %q: %w", kw, err)
			}
			tc.Compressed = true
		}
		if len(rest) > MaxTextLen {
			return TextChunk{}, fmt.Errorf("keyword %q: %d bytes: %w", kw, len(rest), ErrTooLarge)
		}
		tc.Language = string(bytes.ToValidUTF8(lang, []byte("\uFFFD")))
		tc.TranslatedKeyword = string(bytes.ToValidUTF8(trans, []byte("\uFFFD")))
		tc.Text = string(bytes.ToValidUTF8(rest, []byte("\uFFFD")))
	}
	return tc, nil
}

// splitKeyword splits "keyword\0rest", checking the keyword's length.
func splitKeyword(data []byte) (string, []byte, error) {
	kw, rest, ok := bytes.Cut(data, []byte{0})
	if !ok {
		return "", nil, fmt.Errorf("keyword not terminated: %w", ErrCorrupt)
	}
	if len(kw) == 0 || len(kw) > maxKeywordLen {
		return "", nil, fmt.Errorf("keyword length %d not in 1..%d: %w", len(kw), maxKeywordLen, ErrCorrupt)
	}
	// Keywords are Latin-1 by the spec; tools that write UTF-8 keywords are
	// read as they meant.
	return decodeLatin1(kw), rest, nil
}

// inflate decompresses a zlib stream, refusing to produce more than
// MaxTextLen bytes and checking the stream's Adler-32 at its end.
func inflate(comp []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(comp))
	if err != nil {
		return nil, fmt.Errorf("zlib: %v: %w", err, ErrCorrupt)
	}
	defer zr.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(zr, MaxTextLen+1)); err != nil {
		return nil, fmt.Errorf("zlib: %v: %w", err, ErrCorrupt)
	}
	if buf.Len() > MaxTextLen {
		return nil, fmt.Errorf("decompressed text over %d bytes: %w", MaxTextLen, ErrTooLarge)
	}
	return buf.Bytes(), nil
}

// decodeLatin1 turns tEXt/zTXt bytes into a Go string. The spec says
// Latin-1, and PIL (A1111, ComfyUI) writes Latin-1, but some tools write UTF-8
// into tEXt; bytes that form valid UTF-8 are read as UTF-8 (Latin-1 text
// with accents is almost never valid UTF-8) and the rest as Latin-1.
func decodeLatin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// encodeLatin1 returns s as Latin-1 bytes, or false when s holds a rune
// beyond U+00FF or when the bytes would be read back as different UTF-8 by
// decodeLatin1 (so a round trip through tEXt is always exact).
func encodeLatin1(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	ascii := true
	for _, r := range s {
		if r > 0xFF { // also catches invalid UTF-8, decoded as U+FFFD
			return nil, false
		}
		if r >= 0x80 {
			ascii = false
		}
		b = append(b, byte(r))
	}
	if !ascii && utf8.Valid(b) {
		return nil, false
	}
	return b, true
}
