package pnginfo

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Embed returns a copy of png with text chunks added before the first IDAT.
// Entries of text are written as tEXt when their value is Latin-1 (as PIL
// does, so A1111 writes "parameters"), and as uncompressed iTXt otherwise;
// entries of itxt are always iTXt (DreamLayer's request JSON, key
// "dreamlayer"). Keys are written in sorted order so the output is
// deterministic. Existing text chunks with the same keywords are removed, so
// re-embedding replaces rather than duplicates. A keyword in both maps is an
// error.
func Embed(png []byte, text map[string]string, itxt map[string]string) ([]byte, error) {
	chunks := make([]TextChunk, 0, len(text)+len(itxt))
	for _, k := range sortedKeys(text) {
		typ := TypeText
		if _, ok := encodeLatin1(text[k]); !ok {
			typ = TypeIntlText
		}
		chunks = append(chunks, TextChunk{Type: typ, Keyword: k, Text: text[k]})
	}
	for _, k := range sortedKeys(itxt) {
		if _, dup := text[k]; dup {
			return nil, fmt.Errorf("embed: keyword %q in both text and itxt", k)
		}
		chunks = append(chunks, TextChunk{Type: TypeIntlText, Keyword: k, Text: itxt[k]})
	}
	return EmbedChunks(png, chunks)
}

// EmbedChunks is Embed with full control: each chunk is written with its
// Type, and iTXt chunks with Compressed set are zlib-compressed (zTXt always
// is). Chunks are inserted before the first IDAT in the given order; existing
// text chunks sharing a keyword with one of them are removed. Other chunks
// are copied byte for byte; anything after IEND is dropped.
func EmbedChunks(png []byte, chunks []TextChunk) ([]byte, error) {
	encoded := make([][]byte, len(chunks))
	replace := make(map[string]bool, len(chunks))
	extra := 0
	for i, c := range chunks {
		if replace[c.Keyword] {
			return nil, fmt.Errorf("embed: keyword %q given twice", c.Keyword)
		}
		replace[c.Keyword] = true
		data, err := encodeTextChunk(c)
		if err != nil {
			return nil, fmt.Errorf("embed %s %q: %w", c.Type, c.Keyword, err)
		}
		encoded[i] = data
		extra += len(data)
	}

	spans, idat, err := chunkSpans(png)
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	out := make([]byte, 0, len(png)+extra)
	out = append(out, pngSignature...)
	for _, s := range spans {
		if s.start == idat {
			out = append(out, bytes.Join(encoded, nil)...)
		}
		if s.textKeyword != "" && replace[s.textKeyword] {
			continue
		}
		out = append(out, png[s.start:s.end]...)
	}
	return out, nil
}

// span is one chunk's byte range in a PNG; textKeyword is set for text
// chunks so Embed can replace them.
type span struct {
	start, end  int
	textKeyword string
}

// chunkSpans walks an in-memory PNG up to IEND, checking the signature and
// that every length stays inside the data, and returns the chunks and the
// offset of the first IDAT. CRCs are not checked: the chunks are copied as
// they are, and a reader checks them.
func chunkSpans(png []byte) ([]span, int, error) {
	if len(png) < len(pngSignature) || string(png[:len(pngSignature)]) != pngSignature {
		return nil, 0, ErrNotPNG
	}
	var spans []span
	idat := -1
	for off := len(pngSignature); ; {
		if len(png)-off < 12 {
			return nil, 0, fmt.Errorf("chunk at %d: %w", off, ErrTruncated)
		}
		length := binary.BigEndian.Uint32(png[off:])
		typ := png[off+4 : off+8]
		if !validChunkType(typ) || length > maxChunkLen {
			return nil, 0, fmt.Errorf("chunk at %d: type %q length %d: %w", off, typ, length, ErrCorrupt)
		}
		if uint64(length) > uint64(len(png)-off-12) {
			return nil, 0, fmt.Errorf("chunk at %d %s: length %d: %w", off, typ, length, ErrTruncated)
		}
		end := off + 12 + int(length)
		s := span{start: off, end: end}
		switch string(typ) {
		case "IDAT":
			if idat < 0 {
				idat = off
			}
		case TypeText, TypeCompressedText, TypeIntlText:
			if kw, _, ok := bytes.Cut(png[off+8:end-4], []byte{0}); ok {
				s.textKeyword = decodeLatin1(kw)
			}
		}
		spans = append(spans, s)
		if string(typ) == "IEND" {
			break
		}
		off = end
	}
	if idat < 0 {
		return nil, 0, fmt.Errorf("no IDAT chunk: %w", ErrCorrupt)
	}
	return spans, idat, nil
}

// encodeTextChunk builds a whole chunk (length, type, data, CRC).
func encodeTextChunk(c TextChunk) ([]byte, error) {
	kw, err := encodeKeyword(c.Keyword)
	if err != nil {
		return nil, err
	}
	if strings.IndexByte(c.Text, 0) >= 0 {
		return nil, fmt.Errorf("text contains a NUL byte")
	}
	if len(c.Text) > MaxTextLen {
		return nil, fmt.Errorf("%d bytes: %w", len(c.Text), ErrTooLarge)
	}
	var data []byte
	data = append(data, kw...)
	data = append(data, 0)
	switch c.Type {
	case TypeText, TypeCompressedText:
		lat, ok := encodeLatin1(c.Text)
		if !ok {
			return nil, fmt.Errorf("text is not Latin-1; use iTXt")
		}
		if c.Type == TypeText {
			data = append(data, lat...)
			break
		}
		data = append(data, 0) // compression method: zlib
		data = append(data, deflate(lat)...)
	case TypeIntlText:
		if !utf8.ValidString(c.Text) || !utf8.ValidString(c.Language) || !utf8.ValidString(c.TranslatedKeyword) {
			return nil, fmt.Errorf("iTXt fields must be valid UTF-8")
		}
		if strings.IndexByte(c.Language, 0) >= 0 || strings.IndexByte(c.TranslatedKeyword, 0) >= 0 {
			return nil, fmt.Errorf("language or translated keyword contains a NUL byte")
		}
		flag := byte(0)
		if c.Compressed {
			flag = 1
		}
		data = append(data, flag, 0)
		data = append(data, c.Language...)
		data = append(data, 0)
		data = append(data, c.TranslatedKeyword...)
		data = append(data, 0)
		if c.Compressed {
			data = append(data, deflate([]byte(c.Text))...)
		} else {
			data = append(data, c.Text...)
		}
	default:
		return nil, fmt.Errorf("unknown text chunk type %q", c.Type)
	}
	if len(data) > maxTextChunkLen {
		return nil, fmt.Errorf("chunk of %d bytes: %w", len(data), ErrTooLarge)
	}
	return appendChunk(nil, c.Type, data), nil
}

// encodeKeyword checks a keyword against PNG spec §11.3.4.2: 1–79 printable
// Latin-1 characters, no leading, trailing or doubled spaces.
func encodeKeyword(k string) ([]byte, error) {
	b, ok := encodeLatin1(k)
	if !ok || len(b) == 0 || len(b) > maxKeywordLen {
		return nil, fmt.Errorf("keyword must be 1..%d Latin-1 characters", maxKeywordLen)
	}
	for _, c := range b {
		if c < 32 || (c > 126 && c < 161) {
			return nil, fmt.Errorf("keyword has a non-printable character %#x", c)
		}
	}
	if b[0] == ' ' || b[len(b)-1] == ' ' || bytes.Contains(b, []byte("  ")) {
		return nil, fmt.Errorf("keyword has leading, trailing or consecutive spaces")
	}
	return b, nil
}

func appendChunk(dst []byte, typ string, data []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
	dst = append(dst, typ...)
	dst = append(dst, data...)
	return binary.BigEndian.AppendUint32(dst, chunkCRC([]byte(typ), data))
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
