package pickle

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"sort"
	"strings"
)

// ErrLegacyFormat is returned for torch.save files from before PyTorch 1.6
// (a bare pickle rather than a zip archive).
var ErrLegacyFormat = errors.New("pickle: legacy torch format (before PyTorch 1.6) not supported; re-save it with a current PyTorch or convert it to safetensors")

// ErrNotCheckpoint is returned for input that is neither a torch zip
// checkpoint nor a legacy torch file.
var ErrNotCheckpoint = errors.New("pickle: not a PyTorch checkpoint")

// maxDeflateRatio is deflate's best possible compression ratio (a 258-byte
// match in about two bits, ~1032:1); a larger claimed uncompressed size is a
// lie, refused before inflating.
const maxDeflateRatio = 1032

// Checkpoint is an open PyTorch zip checkpoint. Its tensors are read lazily;
// methods are safe for concurrent use until Close.
type Checkpoint struct {
	r         io.ReaderAt
	size      int64
	closer    io.Closer
	prefix    string
	bigEndian bool
	entries   map[string]*zip.File
	root      Value
	tensors   map[string]*Tensor
	names     []string
	refused   []string
	warnings  []string
	metadata  map[string]string
}

// Open opens a checkpoint file. Errors name the file.
func Open(path string, opts Options) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open checkpoint: %w", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%w: not a regular file", ErrNotCheckpoint)
	}
	var c *Checkpoint
	if err == nil {
		c, err = Read(f, st.Size(), opts)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open checkpoint %s: %w", path, err)
	}
	c.closer = f
	return c, nil
}

// Read parses a checkpoint held by r. The caller keeps r open while the
// Checkpoint is used (Close does not close it).
func Read(r io.ReaderAt, size int64, opts Options) (*Checkpoint, error) {
	var magic [4]byte
	if n, _ := r.ReadAt(magic[:], 0); n < 2 {
		return nil, fmt.Errorf("%w: file of %d bytes", ErrNotCheckpoint, size)
	}
	switch {
	case string(magic[:]) == "PK\x03\x04":
	case magic[0] == opProto && magic[1] <= 5:
		return nil, ErrLegacyFormat
	default:
		return nil, fmt.Errorf("%w: no zip signature", ErrNotCheckpoint)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: zip: %w", ErrInvalid, err)
	}
	c := &Checkpoint{r: r, size: size, entries: make(map[string]*zip.File, len(zr.File))}
	var pkl []string
	for _, f := range zr.File {
		if _, dup := c.entries[f.Name]; dup {
			return nil, fmt.Errorf("%w: zip entry %q appears twice", ErrInvalid, f.Name)
		}
		c.entries[f.Name] = f
		// Only <archive>/data.pkl is ever unpickled; any other pickle
		// hidden in the archive is data at most.
		if dir, ok := strings.CutSuffix(f.Name, "/data.pkl"); ok && dir != "" && !strings.Contains(dir, "/") {
			pkl = append(pkl, dir)
		}
	}
	if len(pkl) != 1 {
		return nil, fmt.Errorf("%w: want one <archive>/data.pkl entry, found %d", ErrInvalid, len(pkl))
	}
	c.prefix = pkl[0] + "/"
	if err := c.readByteOrder(); err != nil {
		return nil, err
	}
	lim := opts.limits()
	f := c.entries[c.prefix+"data.pkl"]
	if f.UncompressedSize64 > uint64(lim.MaxPickleBytes) {
		return nil, fmt.Errorf("%w: data.pkl of %d bytes exceeds the %d-byte limit", ErrInvalid, f.UncompressedSize64, lim.MaxPickleBytes)
	}
	data, err := c.readEntry(f, 0, int64(f.UncompressedSize64))
	if err != nil {
		return nil, fmt.Errorf("read data.pkl: %w", err)
	}
	res, err := Unpickle(data, opts)
	if err != nil {
		return nil, err
	}
	c.root, c.refused = res.Value, res.Refused
	if c.tensors, c.metadata, c.warnings, err = stateDict(res.Value); err != nil {
		return nil, err
	}
	for _, g := range res.Refused {
		c.warnings = append(c.warnings, fmt.Sprintf("refused global %q kept inert", g))
	}
	for name, t := range c.tensors {
		if err := c.checkStorage(t.Storage); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		c.names = append(c.names, name)
	}
	sort.Strings(c.names)
	return c, nil
}

// readByteOrder reads <archive>/byteorder ("little" or "big"); files from
// before torch 1.10 lack it and are little-endian.
func (c *Checkpoint) readByteOrder() error {
	f, ok := c.entries[c.prefix+"byteorder"]
	if !ok {
		return nil
	}
	if f.UncompressedSize64 > 16 {
		return fmt.Errorf("%w: byteorder entry of %d bytes", ErrInvalid, f.UncompressedSize64)
	}
	b, err := c.readEntry(f, 0, int64(f.UncompressedSize64))
	if err != nil {
		return fmt.Errorf("read byteorder: %w", err)
	}
	switch string(bytes.TrimSpace(b)) {
	case "little":
	case "big":
		c.bigEndian = true
	default:
		return fmt.Errorf("%w: byteorder %q", ErrInvalid, b)
	}
	return nil
}

// checkStorage verifies that a storage's entry exists and holds exactly
// numel × element size bytes that can be read.
func (c *Checkpoint) checkStorage(st *Storage) error {
	f, ok := c.entries[c.prefix+"data/"+st.Key]
	if !ok {
		return fmt.Errorf("%w: storage %q has no zip entry", ErrInvalid, st.Key)
	}
	if f.UncompressedSize64 != uint64(st.Bytes()) {
		return fmt.Errorf("%w: storage %q holds %d bytes, want %d (%d × %s)",
			ErrInvalid, st.Key, f.UncompressedSize64, st.Bytes(), st.Numel, st.DType)
	}
	_, err := c.entryRange(f)
	return err
}

// entryRange validates an entry's sizes before any read and, for stored
// entries, returns the absolute offset of its bytes.
func (c *Checkpoint) entryRange(f *zip.File) (int64, error) {
	switch f.Method {
	case zip.Store:
		off, err := f.DataOffset()
		if err != nil {
			return 0, fmt.Errorf("%w: entry %q: %w", ErrInvalid, f.Name, err)
		}
		end, carry := bits.Add64(uint64(off), f.UncompressedSize64, 0)
		if f.CompressedSize64 != f.UncompressedSize64 || carry != 0 || end > uint64(c.size) {
			return 0, fmt.Errorf("%w: stored entry %q (%d bytes at %d) overruns the %d-byte file",
				ErrInvalid, f.Name, f.UncompressedSize64, off, c.size)
		}
		return off, nil
	case zip.Deflate:
		hi, lo := bits.Mul64(f.CompressedSize64, maxDeflateRatio)
		if hi != 0 || f.UncompressedSize64 > lo+1024 || f.CompressedSize64 > uint64(c.size) {
			return 0, fmt.Errorf("%w: deflated entry %q claims %d bytes from %d", ErrInvalid, f.Name, f.UncompressedSize64, f.CompressedSize64)
		}
		return -1, nil
	}
	return 0, fmt.Errorf("%w: entry %q uses unsupported compression method %d", ErrInvalid, f.Name, f.Method)
}

// readEntry reads n bytes at offset off of an entry's uncompressed content:
// a section of the file for stored entries, inflated on demand otherwise.
func (c *Checkpoint) readEntry(f *zip.File, off, n int64) ([]byte, error) {
	base, err := c.entryRange(f)
	if err != nil {
		return nil, err
	}
	if off < 0 || n < 0 || uint64(off)+uint64(n) > f.UncompressedSize64 {
		return nil, fmt.Errorf("%w: read %d bytes at %d of %d-byte entry %q", ErrInvalid, n, off, f.UncompressedSize64, f.Name)
	}
	buf := make([]byte, n)
	if base >= 0 {
		if _, err := c.r.ReadAt(buf, base+off); err != nil && !(err == io.EOF && n == 0) {
			return nil, fmt.Errorf("entry %q: %w", f.Name, err)
		}
		return buf, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("entry %q: %w", f.Name, err)
	}
	defer rc.Close()
	if _, err := io.CopyN(io.Discard, rc, off); err != nil {
		return nil, fmt.Errorf("entry %q: %w", f.Name, err)
	}
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("entry %q: %w", f.Name, err)
	}
	return buf, nil
}

// Close releases the file opened by Open.
func (c *Checkpoint) Close() error {
	if c.closer == nil {
		return nil
	}
	err := c.closer.Close()
	c.closer = nil
	return err
}

// Names lists the state dict's tensor names, sorted.
func (c *Checkpoint) Names() []string { return c.names }

// Tensor returns a tensor's description.
func (c *Checkpoint) Tensor(name string) (*Tensor, bool) {
	t, ok := c.tensors[name]
	return t, ok
}

// Root is the whole unpickled object (for inspection; tensors inside it
// that are not in the state dict have unchecked storages).
func (c *Checkpoint) Root() Value { return c.root }

// Refused lists globals that were kept inert, each once.
func (c *Checkpoint) Refused() []string { return c.refused }

// Warnings describes what the loader skipped: refused globals, entries
// that are neither tensors nor dicts of tensors.
func (c *Checkpoint) Warnings() []string { return c.warnings }

// Metadata holds the scalar top-level entries of a checkpoint whose state
// dict sits under "state_dict" (epoch, global_step, …), formatted as text.
func (c *Checkpoint) Metadata() map[string]string { return c.metadata }

// Raw returns a tensor's elements as contiguous little-endian bytes in
// row-major order, in a fresh slice. Non-contiguous views are gathered and
// big-endian files are byte-swapped.
func (c *Checkpoint) Raw(name string) ([]byte, error) {
	t, ok := c.tensors[name]
	if !ok {
		return nil, fmt.Errorf("no tensor %q", name)
	}
	es := int64(t.DType().Size())
	f := c.entries[c.prefix+"data/"+t.Storage.Key]
	first, end := t.span()
	var out []byte
	var err error
	if t.Contiguous() {
		out, err = c.readEntry(f, first*es, t.Numel()*es)
	} else {
		var span []byte
		if span, err = c.readEntry(f, first*es, (end-first)*es); err == nil {
			out = t.gather(span, first)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	if c.bigEndian && es > 1 {
		for i := int64(0); i < int64(len(out)); i += es {
			e := out[i : i+es]
			for a, b := 0, len(e)-1; a < b; a, b = a+1, b-1 {
				e[a], e[b] = e[b], e[a]
			}
		}
	}
	return out, nil
}
