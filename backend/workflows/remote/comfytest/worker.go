package comfytest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

func contextTimeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Second)
}

// worker runs queued jobs one at a time, as ComfyUI's prompt_worker does.
func (s *Server) worker() {
	for {
		s.mu.Lock()
		for !s.closed && (s.down || len(s.pending) == 0) {
			s.cond.Wait()
		}
		if s.closed {
			s.mu.Unlock()
			return
		}
		j := s.pending[0]
		s.pending = s.pending[1:]
		s.running, s.interrupt = j, false
		s.mu.Unlock()
		s.awaitSocket(j.client)
		s.run(j)
		s.mu.Lock()
		s.running = nil
		s.mu.Unlock()
	}
}

// awaitSocket gives the client's websocket handler a moment to register:
// the client dials before it posts the prompt, but the handler's goroutine
// may not have run yet (ComfyUI's single event loop has no such gap).
func (s *Server) awaitSocket(client string) {
	for range 200 {
		s.mu.Lock()
		found := false
		for _, id := range s.conns {
			found = found || id == client
		}
		s.mu.Unlock()
		if found {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stopped tells whether the job must end: interrupted, or the server went
// down or closed (then nothing more is sent or stored).
func (s *Server) stopped() (interrupted, gone bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interrupt, s.down || s.closed
}

func (s *Server) run(j *job) {
	data := func(extra map[string]any) map[string]any {
		extra["prompt_id"] = j.id
		return extra
	}
	s.send(j.client, "execution_start", data(map[string]any{"timestamp": 0}))
	s.send(j.client, "execution_cached", data(map[string]any{"nodes": []string{}, "timestamp": 0}))
	outputs := map[string]any{}
	for _, node := range j.order {
		if intr, gone := s.stopped(); gone {
			return
		} else if intr {
			s.finish(j, outputs, "error")
			s.send(j.client, "execution_interrupted", data(map[string]any{"node_id": node,
				"node_type": j.graph.Nodes[node].Class, "executed": []string{}}))
			return
		}
		class := j.graph.Nodes[node].Class
		s.send(j.client, "executing", data(map[string]any{"node": node, "display_node": node}))
		switch {
		case isSampler(class):
			for step := 1; step <= s.opts.Steps; step++ {
				time.Sleep(s.opts.StepDelay)
				if s.opts.OnStep != nil {
					s.opts.OnStep(s, j.id, step)
				}
				if intr, gone := s.stopped(); intr || gone {
					break
				}
				s.send(j.client, "progress", data(map[string]any{"value": step, "max": s.opts.Steps, "node": node}))
			}
		case class == "SaveImage" || class == "PreviewImage":
			typ := map[bool]string{true: "output", false: "temp"}[class == "SaveImage"]
			ref := map[string]any{"filename": fmt.Sprintf("ComfyUI_%s_%s.png", j.id[:8], node), "subfolder": "", "type": typ}
			s.mu.Lock()
			s.files[typ+"//"+ref["filename"].(string)] = Image()
			s.mu.Unlock()
			outputs[node] = map[string]any{"images": []any{ref}}
			s.send(j.client, "executed", data(map[string]any{"node": node, "display_node": node, "output": outputs[node]}))
		}
	}
	if intr, gone := s.stopped(); gone || intr {
		if !gone {
			s.finish(j, outputs, "error")
			s.send(j.client, "execution_interrupted", data(map[string]any{"node_id": j.order[len(j.order)-1], "executed": []string{}}))
		}
		return
	}
	// ComfyUI's order: execution_success, then the history, then
	// executing with node null.
	s.send(j.client, "execution_success", data(map[string]any{"timestamp": 0}))
	s.finish(j, outputs, "success")
	s.send(j.client, "executing", data(map[string]any{"node": nil, "prompt_id": j.id}))
}

func (s *Server) finish(j *job, outputs map[string]any, status string) {
	h, _ := json.Marshal(map[string]any{
		"prompt":  []any{0, j.id, j.graph, map[string]any{}, []any{}},
		"outputs": outputs,
		"status":  map[string]any{"status_str": status, "completed": status == "success", "messages": []any{}},
		"meta":    map[string]any{},
	})
	s.mu.Lock()
	s.history[j.id] = h
	s.mu.Unlock()
}
