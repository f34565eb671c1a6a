package remote_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/workflows/remote"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote/comfytest"
)

func TestPoolFailsOverWhenAServerGoesDownMidJob(t *testing.T) {
	// a goes down once the client has seen its first step, so the
	// progress it sent is not lost with the connection.
	seenStep := make(chan struct{}, 1)
	a := comfytest.New(t, comfytest.Options{Steps: 5, OnStep: func(s *comfytest.Server, _ string, step int) {
		if step == 2 {
			select {
			case <-seenStep:
			case <-time.After(5 * time.Second):
			}
			s.Down()
		}
	}})
	b := comfytest.New(t, comfytest.Options{Steps: 5})
	p, err := remote.NewPool([]string{a.URL, b.URL}, quiet())
	require.NoError(t, err)

	var servers []string
	res, err := p.Run(t.Context(), graph(t), func(pr remote.Progress) {
		if pr.Server == a.URL && pr.Step == 1 {
			seenStep <- struct{}{}
		}
		if len(servers) == 0 || servers[len(servers)-1] != pr.Server {
			servers = append(servers, pr.Server)
		}
	})
	require.NoError(t, err)
	assert.Equal(t, b.URL, res.Server, "the job finished on the other server")
	require.Len(t, res.Images, 1)
	assert.Equal(t, comfytest.Image(), res.Images[0].PNG)
	assert.Equal(t, []string{a.URL, b.URL}, servers, "progress came from a, then from b")
	assert.Len(t, a.Submitted(), 1)
	assert.Len(t, b.Submitted(), 1)

	st := p.Servers()
	assert.False(t, st[0].Up)
	assert.NotEmpty(t, st[0].Err)
	assert.True(t, st[1].Up)
	assert.Zero(t, st[0].Busy+st[1].Busy)
}

func TestPoolSkipsADownServerAndSpreadsJobs(t *testing.T) {
	a := comfytest.New(t, comfytest.Options{})
	b := comfytest.New(t, comfytest.Options{})
	a.Down()
	p, err := remote.NewPool([]string{a.URL, b.URL}, quiet())
	require.NoError(t, err)
	res, err := p.Run(t.Context(), graph(t), nil)
	require.NoError(t, err)
	assert.Equal(t, b.URL, res.Server)
	assert.Empty(t, a.Submitted())

	a.Up()
	st := p.Check(t.Context())
	assert.True(t, st[0].Up && st[1].Up)
	// With both up and idle, the first listed takes the job.
	res, err = p.Run(t.Context(), graph(t), nil)
	require.NoError(t, err)
	assert.Equal(t, a.URL, res.Server)
}

func TestPoolAllDown(t *testing.T) {
	a := comfytest.New(t, comfytest.Options{})
	b := comfytest.New(t, comfytest.Options{Steps: 3, OnStep: func(s *comfytest.Server, _ string, step int) {
		if step == 1 {
			s.Down()
		}
	}})
	a.Down()
	p, err := remote.NewPool([]string{a.URL, b.URL}, quiet())
	require.NoError(t, err)
	_, err = p.Run(t.Context(), graph(t), nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, remote.ErrNoServer)
	assert.Contains(t, err.Error(), a.URL)
	assert.Contains(t, err.Error(), b.URL)
	assert.Len(t, b.Submitted(), 1, "b was tried once and went down mid-job")
}

func TestPoolRejectionIsNotRetried(t *testing.T) {
	a := comfytest.New(t, comfytest.Options{})
	b := comfytest.New(t, comfytest.Options{})
	p, err := remote.NewPool([]string{a.URL, b.URL}, quiet())
	require.NoError(t, err)
	g := graph(t)
	g.Nodes["3"].Class = "Nope"
	_, err = p.Run(t.Context(), g, nil)
	assert.ErrorIs(t, err, remote.ErrRejected)
	assert.Empty(t, a.Submitted(), "the stand-in validates before queueing")
	assert.Empty(t, b.Submitted(), "a graph error is not sent to the next server")
	assert.True(t, p.Servers()[0].Up, "a rejection does not mark the server down")
}

func TestNewPool(t *testing.T) {
	_, err := remote.NewPool(nil, remote.Options{})
	assert.Error(t, err)
	_, err = remote.NewPool([]string{"http://a:1", "http://a:1/"}, remote.Options{})
	assert.ErrorContains(t, err, "twice")
	many := make([]string, remote.MaxServers+1)
	for i := range many {
		many[i] = "http://h" + string(rune('a'+i)) + ":1"
	}
	_, err = remote.NewPool(many, remote.Options{})
	assert.Error(t, err)
	_, err = remote.NewPool(many[:remote.MaxServers], remote.Options{})
	assert.NoError(t, err)
}
