// Package comfytest is a loopback stand-in for a ComfyUI server, speaking
// the part of its protocol package remote uses: POST /prompt (validated
// with workflows.CoreRegistry, rejected graphs answered as ComfyUI does),
// the /ws websocket with status, execution_start, executing, progress,
// executed, execution_success and execution_interrupted messages, GET
// /history/{id}, GET /view, GET and POST /queue, POST /interrupt and GET
// /system_stats. Jobs run one at a time in queue order; a sampler node
// sends Steps progress messages and each output node stores a small real
// PNG. Down makes it drop every connection and refuse requests, so tests
// can take a server away mid-job.
package comfytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dreamlayer/dreamlayer/backend/workflows"
)

// Options shape the stand-in's jobs.
type Options struct {
	// Steps is the number of progress messages per sampler node (default 3).
	Steps int
	// StepDelay is slept before each progress message.
	StepDelay time.Duration
	// OnStep, when set, is called before each progress message is sent
	// (outside the server's lock, so it may call Down or read state).
	OnStep func(s *Server, promptID string, step int)
}

type job struct {
	id, client string
	graph      *workflows.Graph
	order      []string
}

// Server is the stand-in. Its URL is the base URL to configure.
type Server struct {
	*httptest.Server
	opts Options

	mu         sync.Mutex
	cond       *sync.Cond
	down       bool
	closed     bool
	conns      map[*websocket.Conn]string // conn → client id
	pending    []*job
	running    *job
	interrupt  bool
	history    map[string]json.RawMessage
	files      map[string][]byte
	submitted  []string
	deleted    []string
	interrupts int
	next       int
}

// New starts a stand-in that is closed when the test ends.
func New(t testing.TB, opts Options) *Server {
	if opts.Steps <= 0 {
		opts.Steps = 3
	}
	s := &Server{opts: opts, conns: map[*websocket.Conn]string{},
		history: map[string]json.RawMessage{}, files: map[string][]byte{}}
	s.cond = sync.NewCond(&s.mu)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.ws)
	mux.HandleFunc("POST /prompt", s.prompt)
	mux.HandleFunc("GET /history/{id}", s.historyOf)
	mux.HandleFunc("GET /view", s.view)
	mux.HandleFunc("GET /queue", s.queue)
	mux.HandleFunc("POST /queue", s.queueDelete)
	mux.HandleFunc("POST /interrupt", s.interruptRun)
	mux.HandleFunc("GET /system_stats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"system": map[string]any{"comfyui_version": "comfytest"}, "devices": []any{}})
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.down
		s.mu.Unlock()
		if down {
			panic(http.ErrAbortHandler) // drop the connection without a reply
		}
		mux.ServeHTTP(w, r)
	}))
	go s.worker()
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	s.dropLocked()
	s.cond.Broadcast()
	s.mu.Unlock()
	s.Server.Close()
}

// Down drops every connection (websockets included) and makes the server
// refuse requests and stop running jobs until Up.
func (s *Server) Down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = true
	s.dropLocked()
	s.Server.CloseClientConnections()
}

// Up lets a downed server serve again.
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = false
	s.cond.Broadcast()
}

func (s *Server) dropLocked() {
	for c := range s.conns {
		c.CloseNow()
	}
	clear(s.conns)
}

// Submitted returns the prompt ids accepted, in order.
func (s *Server) Submitted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.submitted)
}

// Deleted returns the prompt ids removed with POST /queue {"delete"}.
func (s *Server) Deleted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deleted)
}

// Interrupts counts the POST /interrupt requests that stopped a job.
func (s *Server) Interrupts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interrupts
}

// Completed reports whether the prompt's history is written.
func (s *Server) Completed(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.history[id]
	return ok
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) ws(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	client := r.URL.Query().Get("clientId")
	s.mu.Lock()
	s.conns[c] = client
	queued := len(s.pending)
	s.mu.Unlock()
	s.send(client, "status", map[string]any{"status": map[string]any{"exec_info": map[string]any{"queue_remaining": queued}}, "sid": client})
	// Read until the client or Down closes the socket.
	for {
		if _, _, err := c.Read(r.Context()); err != nil {
			break
		}
	}
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.CloseNow()
}

// send writes one JSON message to the client's sockets ("" means all).
func (s *Server) send(client, typ string, data map[string]any) {
	msg, _ := json.Marshal(map[string]any{"type": typ, "data": data})
	s.mu.Lock()
	var targets []*websocket.Conn
	for c, id := range s.conns {
		if client == "" || id == client {
			targets = append(targets, c)
		}
	}
	s.mu.Unlock()
	for _, c := range targets {
		ctx, cancel := contextTimeout()
		_ = c.Write(ctx, websocket.MessageText, msg)
		cancel()
	}
}

func (s *Server) prompt(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Prompt   json.RawMessage `json:"prompt"`
		ClientID string          `json:"client_id"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, workflows.MaxGraphBytes)).Decode(&body); err != nil || len(body.Prompt) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"type": "no_prompt",
			"message": "No prompt provided", "details": "", "extra_info": map[string]any{}}, "node_errors": []any{}})
		return
	}
	g, err := workflows.Load(body.Prompt)
	var plan *workflows.Plan
	if err == nil {
		plan, err = workflows.Validate(g, workflows.CoreRegistry())
	}
	if err != nil {
		reject(w, err)
		return
	}
	s.mu.Lock()
	s.next++
	id := fmt.Sprintf("%08d-comfytest-%p", s.next, s)
	j := &job{id: id, client: body.ClientID, graph: g, order: plan.Order}
	s.pending = append(s.pending, j)
	s.submitted = append(s.submitted, id)
	number := s.next
	s.cond.Broadcast()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"prompt_id": id, "number": number, "node_errors": map[string]any{}})
}

// reject answers a bad graph as ComfyUI's validate_prompt does: a node's
// error under node_errors with its class, otherwise only error.
func reject(w http.ResponseWriter, err error) {
	var ne *workflows.NodeError
	if !errors.As(err, &ne) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"type": "invalid_prompt",
			"message": err.Error(), "details": "", "extra_info": map[string]any{}}, "node_errors": []any{}})
		return
	}
	typ, details := "invalid_input", ne.Input
	if errors.Is(err, workflows.ErrMissingInput) {
		typ = "required_input_missing"
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"error": map[string]any{"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation",
			"details": "", "extra_info": map[string]any{}},
		"node_errors": map[string]any{ne.ID: map[string]any{
			"errors":            []any{map[string]any{"type": typ, "message": ne.Err.Error(), "details": details, "extra_info": map[string]any{}}},
			"dependent_outputs": []any{},
			"class_type":        ne.Class,
		}},
	})
}

func (s *Server) historyOf(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]json.RawMessage{}
	if h, ok := s.history[r.PathValue("id")]; ok {
		out[r.PathValue("id")] = h
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) view(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	data, ok := s.files[q.Get("type")+"/"+q.Get("subfolder")+"/"+q.Get("filename")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(data)
}

func (s *Server) queue(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	item := func(j *job) []any { return []any{0, j.id, map[string]any{}, map[string]any{}, []any{}} }
	running, pending := []any{}, []any{}
	if s.running != nil {
		running = append(running, item(s.running))
	}
	for _, j := range s.pending {
		pending = append(pending, item(j))
	}
	writeJSON(w, http.StatusOK, map[string]any{"queue_running": running, "queue_pending": pending})
}

func (s *Server) queueDelete(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Delete []string `json:"delete"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	s.pending = slices.DeleteFunc(s.pending, func(j *job) bool { return slices.Contains(body.Delete, j.id) })
	s.deleted = append(s.deleted, body.Delete...)
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Server) interruptRun(w http.ResponseWriter, r *http.Request) {
	var body struct {
		PromptID string `json:"prompt_id"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	if s.running != nil && (body.PromptID == "" || body.PromptID == s.running.id) {
		s.interrupt = true
		s.interrupts++
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// Image is the PNG every output node of the stand-in stores: 8×8, one
// colour, encoded by image/png.
func Image() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = []byte{200, 40, 90, 255}[i%4]
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func isSampler(class string) bool { return strings.HasPrefix(class, "KSampler") }
