package worker

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrLineTooLong is returned by Reader.Next for a line over the limit; the
// rest of that line is skipped and the next call reads the following one.
var ErrLineTooLong = errors.New("line too long")

// Reader reads protocol lines from a stream.
type Reader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// NewReader reads lines of at most maxLine bytes (0: MaxLineBytes).
func NewReader(r io.Reader, maxLine int) *Reader {
	if maxLine <= 0 {
		maxLine = MaxLineBytes
	}
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), max: maxLine}
}

// Next returns the next message. A malformed or oversized line returns an
// error wrapping ErrBadMessage or ErrLineTooLong, and the reader stays
// usable; only an error wrapping io.EOF (or the stream's own error) is final.
// Blank lines are skipped.
func (r *Reader) Next() (Message, error) {
	for {
		line, err := r.line()
		if err != nil {
			return Message{}, err
		}
		if len(trimSpace(line)) == 0 {
			continue
		}
		return Decode(line)
	}
}

// line reads one line without its newline. The buffer is reused, so a line
// never costs more than its own size (bounded by max).
func (r *Reader) line() ([]byte, error) {
	r.buf = r.buf[:0]
	tooLong := false
	for {
		chunk, err := r.r.ReadSlice('\n')
		if !tooLong {
			if len(r.buf)+len(chunk) > r.max+1 { // +1: the newline
				tooLong, r.buf = true, r.buf[:0]
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			if tooLong {
				return nil, fmt.Errorf("%w: over %d bytes", ErrLineTooLong, r.max)
			}
			return r.buf[:len(r.buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && tooLong:
			return nil, fmt.Errorf("%w: over %d bytes", ErrLineTooLong, r.max)
		case errors.Is(err, io.EOF) && len(r.buf) > 0:
			return r.buf, nil // a last line without newline
		default:
			return nil, err
		}
	}
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Writer writes protocol lines; it is safe for concurrent use, one whole line
// at a time.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter writes lines to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Send validates, encodes and writes m as one line.
func (w *Writer) Send(m Message) error {
	line, err := Encode(m)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.w.Write(line); err != nil {
		return fmt.Errorf("send %s: %w", m.Type, err)
	}
	return nil
}
