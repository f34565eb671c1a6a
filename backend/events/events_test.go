package events

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

type recorder struct {
	mu    sync.Mutex
	names []string
}

func (r *recorder) Emit(name string, _ any) {
	r.mu.Lock()
	r.names = append(r.names, name)
	r.mu.Unlock()
}

func TestRelayForwardsOnlyWhileAttached(t *testing.T) {
	var relay Relay
	rec := &recorder{}
	relay.Emit("before", nil)
	relay.Attach(rec)
	relay.Emit("during", nil)
	relay.Detach()
	relay.Emit("after", nil)
	assert.Equal(t, []string{"during"}, rec.names)
}

func TestFanoutSendsToEveryEmitterInOrder(t *testing.T) {
	a, b := &recorder{}, &recorder{}
	var calls []string
	Fanout{a, EmitterFunc(func(name string, _ any) { calls = append(calls, "f:"+name) }), b}.Emit("x", 1)
	assert.Equal(t, []string{"x"}, a.names)
	assert.Equal(t, []string{"x"}, b.names)
	assert.Equal(t, []string{"f:x"}, calls)
}

func TestRelayIsSafeForConcurrentUse(t *testing.T) {
	var relay Relay
	rec := &recorder{}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				relay.Attach(rec)
			}
			relay.Emit("e", i)
		}(i)
	}
	wg.Wait()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.LessOrEqual(t, len(rec.names), 8)
}
