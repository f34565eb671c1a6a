package remote_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/workflows"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote/comfytest"
)

const txt2img = "../../../workflows/txt2img/txt2img.json"

func graph(t *testing.T) *workflows.Graph {
	t.Helper()
	g, err := workflows.LoadFile(txt2img)
	require.NoError(t, err)
	return g
}

func quiet() remote.Options {
	return remote.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PingInterval: 50 * time.Millisecond}
}

func client(t *testing.T, url string) *remote.Client {
	t.Helper()
	c, err := remote.NewClient(url, quiet())
	require.NoError(t, err)
	return c
}

func TestClientRunsAGraph(t *testing.T) {
	s := comfytest.New(t, comfytest.Options{Steps: 4})
	c := client(t, s.URL)
	require.NoError(t, c.Health(t.Context()))

	var got []remote.Progress
	res, err := c.Run(t.Context(), graph(t), func(p remote.Progress) { got = append(got, p) })
	require.NoError(t, err)

	assert.Equal(t, s.URL, res.Server)
	assert.Equal(t, s.Submitted(), []string{res.PromptID})
	require.Len(t, res.Images, 1)
	img := res.Images[0]
	assert.Equal(t, "9", img.Node, "the template's SaveImage")
	assert.Equal(t, "output", img.Ref.Type)
	assert.Equal(t, s.URL, img.Server)
	assert.Equal(t, comfytest.Image(), img.PNG, "bytes exactly as served")
	_, err = png.Decode(bytes.NewReader(img.PNG))
	require.NoError(t, err)

	// Progress: each node announced once, in the order the server ran
	// them (the stand-in runs workflows.Validate's order), and the
	// sampler's steps 1..4 in order right after the sampler starts.
	plan, err := workflows.Validate(graph(t), workflows.CoreRegistry())
	require.NoError(t, err)
	var want []string
	for i, id := range plan.Order {
		class := plan.Graph.Nodes[id].Class
		want = append(want, fmt.Sprintf("%d %s %s", i+1, id, class))
		if class == "KSampler" {
			for step := 1; step <= 4; step++ {
				want = append(want, fmt.Sprintf("%s %s %d/4", id, class, step))
			}
		}
	}
	var trace []string
	for _, p := range got {
		assert.Equal(t, s.URL, p.Server)
		assert.Equal(t, 7, p.Nodes)
		if p.Steps > 0 {
			trace = append(trace, fmt.Sprintf("%s %s %d/%d", p.Node, p.Class, p.Step, p.Steps))
			continue
		}
		trace = append(trace, fmt.Sprintf("%d %s %s", p.Index, p.Node, p.Class))
	}
	assert.Equal(t, want, trace)
	assert.Len(t, want, 7+4, "seven nodes and four steps")
}

func TestClientSurfacesARejectedGraphWithTheNode(t *testing.T) {
	s := comfytest.New(t, comfytest.Options{})
	g := graph(t)
	delete(g.Nodes["3"].Inputs, "steps")
	_, err := client(t, s.URL).Run(t.Context(), g, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, remote.ErrRejected)
	var rej *remote.RejectedError
	require.ErrorAs(t, err, &rej)
	assert.Equal(t, "Prompt outputs failed validation", rej.Message)
	var ne *workflows.NodeError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, "3", ne.ID)
	assert.Equal(t, "KSampler", ne.Class)
	assert.Equal(t, "steps", ne.Input)
	assert.Contains(t, err.Error(), "node 3 (KSampler)")
	assert.Empty(t, s.Submitted())

	g = graph(t)
	g.Nodes["3"].Class = "NoSuchSampler"
	_, err = client(t, s.URL).Run(t.Context(), g, nil)
	assert.ErrorIs(t, err, remote.ErrRejected)
	assert.Contains(t, err.Error(), "NoSuchSampler")
}

func TestClientCancelInterruptsTheRunningPrompt(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s := comfytest.New(t, comfytest.Options{Steps: 1000, StepDelay: time.Millisecond})
	_, err := client(t, s.URL).Run(ctx, graph(t), func(p remote.Progress) {
		if p.Step == 2 {
			cancel()
		}
	})
	assert.ErrorIs(t, err, context.Canceled)
	require.Len(t, s.Submitted(), 1)
	assert.Equal(t, 1, s.Interrupts(), "the running prompt is interrupted")
	assert.Equal(t, s.Submitted(), s.Deleted(), "and removed from the queue first")
	assert.Eventually(t, func() bool { return s.Completed(s.Submitted()[0]) }, 5*time.Second, 10*time.Millisecond,
		"the interrupted job ends on the server")
}

func TestClientCancelOfAPendingPromptDeletesItOnly(t *testing.T) {
	release := make(chan struct{})
	s := comfytest.New(t, comfytest.Options{Steps: 2, OnStep: func(_ *comfytest.Server, _ string, _ int) { <-release }})
	defer close(release)
	c := client(t, s.URL)
	first, err := c.Submit(t.Context(), graph(t)) // occupies the worker
	require.NoError(t, err)
	defer first.Close()

	second, err := c.Submit(t.Context(), graph(t))
	require.NoError(t, err)
	defer second.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = second.Wait(ctx, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{second.ID()}, s.Deleted())
	assert.Zero(t, s.Interrupts(), "the other, running prompt is left alone")
}

func TestClientServerDownMidJob(t *testing.T) {
	s := comfytest.New(t, comfytest.Options{Steps: 5, OnStep: func(s *comfytest.Server, _ string, step int) {
		if step == 2 {
			s.Down()
		}
	}})
	_, err := client(t, s.URL).Run(t.Context(), graph(t), nil)
	assert.ErrorIs(t, err, remote.ErrUnavailable)
	assert.Error(t, client(t, s.URL).Health(t.Context()))
}

func TestNewClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "gpu:8188", "ftp://x", "http://", "http://u:p@x", "http://x/?q=1"} {
		_, err := remote.NewClient(u, remote.Options{})
		assert.Error(t, err, u)
	}
	c, err := remote.NewClient(" http://gpu-box:8188/ ", remote.Options{})
	require.NoError(t, err)
	assert.Equal(t, "http://gpu-box:8188", c.URL())
}

func TestFetchChecksThePNG(t *testing.T) {
	s := comfytest.New(t, comfytest.Options{})
	c := client(t, s.URL)
	_, err := c.Fetch(t.Context(), remote.ImageRef{Filename: "../secret", Type: "output"})
	assert.ErrorContains(t, err, "plain file name")
	_, err = c.Fetch(t.Context(), remote.ImageRef{Filename: "missing.png", Type: "output"})
	assert.Error(t, err)
	assert.False(t, errors.Is(err, remote.ErrUnavailable), "a 404 is not a dead server")
}
