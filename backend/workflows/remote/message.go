package remote

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/dreamlayer/dreamlayer/backend/workflows"
)

// Limits on what a server may send. A ComfyUI server is trusted to run the
// graph, not to be well-formed: these keep a broken or hostile one from
// making DreamLayer allocate without bound or write outside its folder.
const (
	// MaxMessageBytes bounds one websocket text message.
	MaxMessageBytes = 4 << 20
	// maxFrameBytes bounds any websocket frame, binary previews included.
	maxFrameBytes = 32 << 20
	// maxJSONBytes bounds an HTTP JSON body; history echoes the graph
	// (workflows.MaxGraphBytes) beside the outputs.
	maxJSONBytes = 32 << 20
	// DefaultMaxImageBytes bounds one image from /view unless Options says
	// otherwise (a 4096×4096 RGBA PNG without compression is 64 MiB).
	DefaultMaxImageBytes = 128 << 20
	// maxIDLen bounds prompt and node ids (ComfyUI's are uuid4 and short
	// numbers).
	maxIDLen = 256
	// maxImagesPerJob bounds the images one job may return.
	maxImagesPerJob = 4096
	// maxNameLen bounds an image's file name; maxSubfolderLen its folder.
	maxNameLen, maxSubfolderLen = 255, 1024
)

// ErrProtocol is wrapped by every error about a malformed server reply.
var ErrProtocol = errors.New("comfyui protocol error")

func protocolf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// Message types of ComfyUI's websocket (server.py send_sync calls).
const (
	MsgStatus               = "status"
	MsgExecutionStart       = "execution_start"
	MsgExecutionCached      = "execution_cached"
	MsgExecuting            = "executing"
	MsgProgress             = "progress"
	MsgExecuted             = "executed"
	MsgExecutionSuccess     = "execution_success"
	MsgExecutionError       = "execution_error"
	MsgExecutionInterrupted = "execution_interrupted"
)

// ImageRef names one image a server produced, as /view wants it.
type ImageRef struct {
	Filename  string `json:"filename"`
	Subfolder string `json:"subfolder"`
	// Type is "output" (SaveImage), "temp" (PreviewImage) or "input".
	Type string `json:"type"`
}

// Message is one parsed websocket text message. Fields not used by a type
// are zero; unknown types (extensions send their own) parse with only Type
// set.
type Message struct {
	Type     string
	PromptID string
	// Node is the node of executing, progress, executed, execution_error
	// and execution_interrupted; Done marks "executing" with node null,
	// ComfyUI's signal that the prompt finished.
	Node string
	Done bool
	// Value and Max are a progress message's step and total.
	Value, Max int
	// Cached lists the nodes execution_cached skipped.
	Cached []string
	// Images are an executed message's output images.
	Images []ImageRef
	// QueueRemaining is a status message's queue length.
	QueueRemaining int
	// NodeType, ErrorMessage and ErrorType describe execution_error (and
	// NodeType execution_interrupted).
	NodeType, ErrorMessage, ErrorType string
}

type rawMessage struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

type rawData struct {
	PromptID json.RawMessage `json:"prompt_id"`
	Node     json.RawMessage `json:"node"`
	NodeID   json.RawMessage `json:"node_id"`
	Value    *json.Number    `json:"value"`
	Max      *json.Number    `json:"max"`
	Nodes    []string        `json:"nodes"`
	Output   *struct {
		Images []ImageRef `json:"images"`
	} `json:"output"`
	Status *struct {
		ExecInfo struct {
			QueueRemaining *json.Number `json:"queue_remaining"`
		} `json:"exec_info"`
	} `json:"status"`
	NodeType         string `json:"node_type"`
	ExceptionMessage string `json:"exception_message"`
	ExceptionType    string `json:"exception_type"`
}

// ParseMessage parses one websocket text message. It returns an error
// wrapping ErrProtocol when a known type has the wrong shape.
func ParseMessage(data []byte) (Message, error) {
	if len(data) > MaxMessageBytes {
		return Message{}, protocolf("message of %d bytes; at most %d", len(data), MaxMessageBytes)
	}
	var raw rawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Message{}, protocolf("message is not a JSON object: %v", err)
	}
	if raw.Type == "" || len(raw.Type) > maxIDLen || hasControl(raw.Type) {
		return Message{}, protocolf("message without a valid type")
	}
	m := Message{Type: raw.Type}
	switch raw.Type {
	case MsgStatus, MsgExecutionStart, MsgExecutionCached, MsgExecuting, MsgProgress,
		MsgExecuted, MsgExecutionSuccess, MsgExecutionError, MsgExecutionInterrupted:
	default:
		return m, nil // an extension's message: not ours to judge
	}
	var d rawData
	dec := json.NewDecoder(bytes.NewReader(raw.Data))
	dec.UseNumber()
	if len(raw.Data) == 0 || dec.Decode(&d) != nil {
		return m, protocolf("%s: data is not an object of the expected shape", raw.Type)
	}
	if raw.Type == MsgStatus {
		if d.Status != nil && d.Status.ExecInfo.QueueRemaining != nil {
			n, err := count(*d.Status.ExecInfo.QueueRemaining, 1<<30)
			if err != nil {
				return m, protocolf("status: queue_remaining %v", err)
			}
			m.QueueRemaining = n
		}
		return m, nil
	}
	var err error
	if m.PromptID, err = optionalID(d.PromptID); err != nil || m.PromptID == "" {
		return m, protocolf("%s: prompt_id missing or invalid", raw.Type)
	}
	switch raw.Type {
	case MsgExecuting:
		m.Node, err = optionalID(d.Node)
		m.Done = m.Node == ""
	case MsgProgress:
		err = parseProgress(&m, d)
	case MsgExecuted:
		err = parseExecuted(&m, d)
	case MsgExecutionCached:
		if len(d.Nodes) > workflows.MaxNodes {
			return m, protocolf("execution_cached: %d nodes", len(d.Nodes))
		}
		for _, n := range d.Nodes {
			if !validID(n) {
				return m, protocolf("execution_cached: invalid node id")
			}
		}
		m.Cached = d.Nodes
	case MsgExecutionError, MsgExecutionInterrupted:
		if m.Node, err = optionalID(d.NodeID); err == nil {
			m.NodeType = clip(d.NodeType, maxIDLen)
			m.ErrorMessage = clip(d.ExceptionMessage, 4096)
			m.ErrorType = clip(d.ExceptionType, maxIDLen)
		}
	}
	if err != nil {
		return m, protocolf("%s: %v", raw.Type, err)
	}
	return m, nil
}

func parseProgress(m *Message, d rawData) error {
	if d.Value == nil || d.Max == nil {
		return errors.New("value or max missing")
	}
	const maxSteps = 1 << 30
	var err error
	if m.Max, err = count(*d.Max, maxSteps); err != nil {
		return fmt.Errorf("max %w", err)
	}
	if m.Value, err = count(*d.Value, maxSteps); err != nil {
		return fmt.Errorf("value %w", err)
	}
	if m.Value > m.Max {
		return fmt.Errorf("value %d is past max %d", m.Value, m.Max)
	}
	m.Node, err = optionalID(d.Node)
	return err
}

func parseExecuted(m *Message, d rawData) error {
	var err error
	if m.Node, err = optionalID(d.Node); err != nil {
		return err
	}
	if m.Node == "" {
		return errors.New("node missing")
	}
	if d.Output == nil {
		return nil
	}
	if len(d.Output.Images) > maxImagesPerJob {
		return fmt.Errorf("%d images", len(d.Output.Images))
	}
	for _, ref := range d.Output.Images {
		if err := ref.validate(); err != nil {
			return err
		}
	}
	m.Images = d.Output.Images
	return nil
}

// count reads a whole number in [0, hi]. ComfyUI sends floats for some
// samplers' progress ("value": 3.0), so integral floats are accepted.
func count(n json.Number, hi int) (int, error) {
	if i, err := n.Int64(); err == nil {
		if i < 0 || i > int64(hi) {
			return 0, fmt.Errorf("%d is out of range 0–%d", i, hi)
		}
		return int(i), nil
	}
	f, err := n.Float64()
	if err != nil || f != float64(int64(f)) || f < 0 || f > float64(hi) {
		return 0, fmt.Errorf("%q is not a whole number in 0–%d", clip(n.String(), 32), hi)
	}
	return int(f), nil
}

// optionalID reads a node or prompt id: a string, null or absent ("").
func optionalID(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || !validID(s) {
		return "", errors.New("invalid id")
	}
	return s, nil
}

func validID(s string) bool {
	return s != "" && len(s) <= maxIDLen && !hasControl(s)
}

// validate checks an image reference before its name is used for a file:
// a plain file name, a folder without parent steps, a known type.
func (r ImageRef) validate() error {
	switch {
	case r.Filename == "" || len(r.Filename) > maxNameLen || hasControl(r.Filename),
		strings.ContainsAny(r.Filename, `/\:`), r.Filename == ".", r.Filename == "..":
		return fmt.Errorf("image file name %q is not a plain file name", clip(r.Filename, 64))
	case len(r.Subfolder) > maxSubfolderLen || hasControl(r.Subfolder):
		return fmt.Errorf("image subfolder %q is invalid", clip(r.Subfolder, 64))
	case r.Type != "output" && r.Type != "temp" && r.Type != "input":
		return fmt.Errorf("image type %q is not output, temp or input", clip(r.Type, 64))
	}
	for part := range strings.FieldsFuncSeq(r.Subfolder, func(c rune) bool { return c == '/' || c == '\\' }) {
		if part == ".." {
			return fmt.Errorf("image subfolder %q climbs out of its folder", clip(r.Subfolder, 64))
		}
	}
	return nil
}

func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }

// clip keeps server-sent text in errors and logs short.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
