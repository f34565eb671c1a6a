package remote

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/workflows"
)

// MaxServers bounds a pool (the settings allow as many).
const MaxServers = 16

// healthTTL is how long a health check is trusted before a job rechecks.
const healthTTL = 10 * time.Second

// ServerStatus is one pool member as last seen.
type ServerStatus struct {
	URL string `json:"url"`
	// Up is the last health check's verdict (false before the first).
	Up bool `json:"up"`
	// Busy counts this pool's jobs running on the server now.
	Busy int `json:"busy"`
	// Err is why the server was last found down, "" when up.
	Err string `json:"err,omitempty"`
}

type member struct {
	client  *Client
	up      bool
	checked time.Time
	busy    int
	err     error
}

// Pool spreads jobs over several ComfyUI servers. It is safe for
// concurrent use.
type Pool struct {
	mu      sync.Mutex
	members []*member
	now     func() time.Time
}

// NewPool returns a pool of the servers at urls (1–MaxServers distinct
// http/https URLs). Nothing is contacted until Check or Run.
func NewPool(urls []string, opts Options) (*Pool, error) {
	if len(urls) == 0 || len(urls) > MaxServers {
		return nil, fmt.Errorf("comfyui servers: %d given; want 1–%d", len(urls), MaxServers)
	}
	p := &Pool{now: time.Now}
	seen := map[string]bool{}
	for _, u := range urls {
		c, err := NewClient(u, opts)
		if err != nil {
			return nil, err
		}
		if seen[c.URL()] {
			return nil, fmt.Errorf("comfyui server %s is listed twice", c.URL())
		}
		seen[c.URL()] = true
		p.members = append(p.members, &member{client: c})
	}
	return p, nil
}

// Servers returns the members' last known state, in the order given.
func (p *Pool) Servers() []ServerStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]ServerStatus, len(p.members))
	for i, m := range p.members {
		out[i] = ServerStatus{URL: m.client.URL(), Up: m.up, Busy: m.busy}
		if m.err != nil {
			out[i].Err = m.err.Error()
		}
	}
	return out
}

// Check health-checks every server at once and returns Servers.
func (p *Pool) Check(ctx context.Context) []ServerStatus {
	p.check(ctx, p.members, true)
	return p.Servers()
}

// check health-checks the given members concurrently; unless force, only
// those whose last check is older than healthTTL or that were down.
func (p *Pool) check(ctx context.Context, ms []*member, force bool) {
	var wg sync.WaitGroup
	for _, m := range ms {
		p.mu.Lock()
		fresh := m.up && p.now().Sub(m.checked) < healthTTL
		p.mu.Unlock()
		if fresh && !force {
			continue
		}
		wg.Go(func() {
			err := m.client.Health(ctx)
			p.mu.Lock()
			defer p.mu.Unlock()
			m.up, m.err, m.checked = err == nil, err, p.now()
		})
	}
	wg.Wait()
}

// Run runs g on the least busy server that is up. When that server
// becomes unavailable mid-job the job runs again from the start on
// another one, each server at most once; errors about the graph or a
// node's failure are returned at once. With no server left it returns an
// error wrapping ErrNoServer that says why each one failed.
func (p *Pool) Run(ctx context.Context, g *workflows.Graph, progress func(Progress)) (Result, error) {
	tried := map[*member]error{}
	for {
		var left []*member
		for _, m := range p.members {
			if _, ok := tried[m]; !ok {
				left = append(left, m)
			}
		}
		p.check(ctx, left, false)
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		m := p.pick(left, tried)
		if m == nil {
			return Result{}, p.noServer(tried)
		}
		res, err := p.runOn(ctx, m, g, progress)
		if err == nil || !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
			return res, err
		}
		m.client.opts.Log.Warn("comfyui server failed mid-job; trying another", "server", m.client.URL(), "err", err)
		tried[m] = err
	}
}

// pick returns the up member of left with the fewest running jobs (the
// first listed on a tie) and counts the job; down ones go into tried.
func (p *Pool) pick(left []*member, tried map[*member]error) *member {
	p.mu.Lock()
	defer p.mu.Unlock()
	var best *member
	for _, m := range left {
		if !m.up {
			tried[m] = m.err
			continue
		}
		if best == nil || m.busy < best.busy {
			best = m
		}
	}
	if best != nil {
		best.busy++
	}
	return best
}

func (p *Pool) runOn(ctx context.Context, m *member, g *workflows.Graph, progress func(Progress)) (Result, error) {
	res, err := m.client.Run(ctx, g, progress)
	p.mu.Lock()
	defer p.mu.Unlock()
	m.busy--
	if errors.Is(err, ErrUnavailable) && ctx.Err() == nil {
		m.up, m.err, m.checked = false, err, p.now()
	}
	return res, err
}

func (p *Pool) noServer(tried map[*member]error) error {
	var reasons []string
	for _, m := range p.members {
		if err, ok := tried[m]; ok && err != nil {
			reasons = append(reasons, err.Error())
		} else if ok {
			reasons = append(reasons, m.client.URL()+": down")
		}
	}
	return fmt.Errorf("%w (of %d configured): %s", ErrNoServer, len(p.members), strings.Join(reasons, "; "))
}
