package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/workflows"
)

// Error classes callers branch on.
var (
	// ErrUnavailable marks a server that cannot be reached, dropped the
	// connection or answered nonsense: the job may succeed elsewhere.
	ErrUnavailable = errors.New("comfyui server unavailable")
	// ErrRejected marks a graph the server refused (see RejectedError).
	ErrRejected = errors.New("comfyui server rejected the workflow")
	// ErrExecution marks a node that failed while running (see
	// ExecutionError).
	ErrExecution = errors.New("comfyui execution failed")
	// ErrInterrupted marks a prompt interrupted by someone else on the
	// server (an interrupt DreamLayer sent returns the context's error).
	ErrInterrupted = errors.New("comfyui prompt interrupted on the server")
	// ErrNoServer is returned by Pool when no server is up.
	ErrNoServer = errors.New("no comfyui server is up")
)

// RejectedError is POST /prompt's 400: the server's message and, where it
// named them, the nodes at fault as workflows.NodeErrors (so errors.As
// finds the node like a local validation error).
type RejectedError struct {
	Server  string
	Message string
	Nodes   []*workflows.NodeError
}

func (e *RejectedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Server, e.Message)
	for _, n := range e.Nodes {
		b.WriteString("; ")
		b.WriteString(n.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is find ErrRejected and errors.As each NodeError.
func (e *RejectedError) Unwrap() []error {
	errs := []error{ErrRejected}
	for _, n := range e.Nodes {
		errs = append(errs, n)
	}
	return errs
}

// ExecutionError is a node that failed on the server (execution_error).
type ExecutionError struct {
	Server, PromptID string
	Node, Class      string
	// Type and Message are the Python exception's.
	Type, Message string
}

func (e *ExecutionError) Error() string {
	return fmt.Sprintf("%s: %v: node %s (%s): %s: %s", e.Server, ErrExecution, e.Node, e.Class, e.Type, e.Message)
}

func (e *ExecutionError) Unwrap() error { return ErrExecution }

type errorDetail struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Details string `json:"details"`
}

// parseRejection reads a POST /prompt error body. node_errors is an object
// keyed by node id, or an empty list when the error is not about a node.
func parseRejection(server string, body []byte) *RejectedError {
	e := &RejectedError{Server: server, Message: "the workflow was rejected"}
	var raw struct {
		Error      json.RawMessage `json:"error"`
		NodeErrors json.RawMessage `json:"node_errors"`
	}
	if json.Unmarshal(body, &raw) != nil {
		return e
	}
	var detail errorDetail
	var text string
	switch {
	case json.Unmarshal(raw.Error, &detail) == nil && detail.Message != "":
		e.Message = clip(detail.Message, 1024)
		if detail.Details != "" {
			e.Message += ": " + clip(detail.Details, 1024)
		}
	case json.Unmarshal(raw.Error, &text) == nil && text != "":
		e.Message = clip(text, 1024)
	}
	var nodes map[string]struct {
		Errors    []errorDetail `json:"errors"`
		ClassType string        `json:"class_type"`
	}
	if json.Unmarshal(raw.NodeErrors, &nodes) != nil {
		return e
	}
	ids := make([]string, 0, len(nodes))
	for id := range nodes {
		if validID(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids[:min(len(ids), 64)] {
		n := nodes[id]
		msgs := make([]string, 0, len(n.Errors))
		input := ""
		for _, d := range n.Errors[:min(len(n.Errors), 16)] {
			m := clip(d.Message, 512)
			if d.Details != "" {
				m += ": " + clip(d.Details, 512)
			}
			msgs = append(msgs, m)
		}
		if len(n.Errors) == 1 && validID(n.Errors[0].Details) && !strings.ContainsAny(n.Errors[0].Details, " :,") {
			// ComfyUI puts the input's name in details for
			// required_input_missing and friends.
			input = n.Errors[0].Details
		}
		e.Nodes = append(e.Nodes, &workflows.NodeError{ID: id, Class: clip(n.ClassType, maxIDLen), Input: input,
			Err: fmt.Errorf("%w: %s", ErrRejected, strings.Join(msgs, "; "))})
	}
	return e
}

// history is the part of GET /history/{id} the client uses.
type history struct {
	// Images are the output images in node order.
	Images []nodeImage
	// Failed is true when the server recorded the prompt as an error.
	Failed    bool
	Completed bool
}

type nodeImage struct {
	Node string
	Ref  ImageRef
}

// parseHistory reads GET /history/{id}. ok is false while the prompt has
// no entry yet (pending, running, or the history not yet written).
func parseHistory(body []byte, promptID string) (h history, ok bool, err error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return h, false, protocolf("history is not a JSON object: %v", err)
	}
	entry, ok := top[promptID]
	if !ok {
		return h, false, nil
	}
	var raw struct {
		Outputs map[string]struct {
			Images []ImageRef `json:"images"`
		} `json:"outputs"`
		Status *struct {
			StatusStr string `json:"status_str"`
			Completed bool   `json:"completed"`
		} `json:"status"`
	}
	if err := json.Unmarshal(entry, &raw); err != nil {
		return h, false, protocolf("history entry of %s: %v", promptID, err)
	}
	// Servers before status tracking wrote history only on completion.
	h.Completed = raw.Status == nil || raw.Status.Completed
	h.Failed = raw.Status != nil && raw.Status.StatusStr == "error"
	ids := make([]string, 0, len(raw.Outputs))
	for id := range raw.Outputs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return nodeLess(ids[i], ids[j]) })
	for _, id := range ids {
		if !validID(id) {
			return h, false, protocolf("history of %s: invalid node id", promptID)
		}
		for _, ref := range raw.Outputs[id].Images {
			if err := ref.validate(); err != nil {
				return h, false, protocolf("history of %s: node %s: %v", promptID, id, err)
			}
			if len(h.Images) == maxImagesPerJob {
				return h, false, protocolf("history of %s: more than %d images", promptID, maxImagesPerJob)
			}
			h.Images = append(h.Images, nodeImage{Node: id, Ref: ref})
		}
	}
	return h, true, nil
}

// nodeLess orders numeric ids numerically, as workflows.Graph.IDs does.
func nodeLess(a, b string) bool {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		return len(a) < len(b)
	}
	return a < b
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// parseSubmit reads POST /prompt's 200 body.
func parseSubmit(body []byte) (string, error) {
	var r struct {
		PromptID string `json:"prompt_id"`
	}
	if err := json.Unmarshal(body, &r); err != nil || !validID(r.PromptID) {
		return "", protocolf("POST /prompt answered without a valid prompt_id")
	}
	return r.PromptID, nil
}

// parseQueue reads GET /queue and tells whether id is running.
func parseQueue(body []byte, id string) (running bool, err error) {
	var q struct {
		Running [][]json.RawMessage `json:"queue_running"`
	}
	if err := json.Unmarshal(body, &q); err != nil {
		return false, protocolf("queue is not the expected JSON: %v", err)
	}
	for _, item := range q.Running {
		var pid string
		if len(item) > 1 && json.Unmarshal(item[1], &pid) == nil && pid == id {
			return true, nil
		}
	}
	return false, nil
}
