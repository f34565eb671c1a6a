package events

import "sync"

// Relay is an Emitter whose destination is attached later. Services are built
// before the window exists, and the Wails runtime context only arrives in
// OnStartup; until then (and after Detach) events are dropped.
type Relay struct {
	mu     sync.RWMutex
	target Emitter
}

// Attach sends all later events to target.
func (r *Relay) Attach(target Emitter) {
	r.mu.Lock()
	r.target = target
	r.mu.Unlock()
}

// Detach stops forwarding events.
func (r *Relay) Detach() { r.Attach(nil) }

// Emit forwards the event to the attached target, if any.
func (r *Relay) Emit(name string, payload any) {
	r.mu.RLock()
	target := r.target
	r.mu.RUnlock()
	if target != nil {
		target.Emit(name, payload)
	}
}

// Fanout sends each event to every one of its emitters, in order.
type Fanout []Emitter

// Emit forwards the event to each emitter.
func (f Fanout) Emit(name string, payload any) {
	for _, e := range f {
		e.Emit(name, payload)
	}
}
