package generation

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/providers"
)

// stubProvider stands in for a cloud API at the edge of the outside world.
type stubProvider struct {
	name    string
	keyErr  error
	models  []providers.Model
	invoked int
}

func (p *stubProvider) Name() string              { return p.name }
func (p *stubProvider) Models() []providers.Model { return p.models }
func (p *stubProvider) Generate(context.Context, providers.Request) ([]providers.Image, error) {
	p.invoked++
	return nil, errors.New("not called by these tests")
}
func (p *stubProvider) TestKey(context.Context) error { return p.keyErr }

func cloudService(t *testing.T, keyErr error, hasKey bool) (*Service, *recordingQueue, *stubProvider) {
	s, q := testService(t)
	p := &stubProvider{name: "openai", keyErr: keyErr, models: []providers.Model{{
		Provider: "openai", ID: "dall-e-3", Name: "DALL·E 3",
		Capabilities: providers.Capabilities{TextToImage: true, Sizes: []string{"1024x1024", "1792x1024"}, MaxImages: 1,
			Options: []providers.Option{{Key: "quality", Kind: providers.OptionEnum, Values: []string{"standard", "hd"}}}},
	}}}
	s.Cloud = Cloud{Providers: []providers.Provider{p}, HasKey: func(context.Context, string) bool { return hasKey }}
	return s, q, p
}

func TestCloudModelsAreLockedWithoutAKey(t *testing.T) {
	s, _, _ := cloudService(t, nil, false)
	models := s.CloudModels(t.Context())
	require.Len(t, models, 1)
	assert.True(t, models[0].Locked)
	assert.Equal(t, "dall-e-3", models[0].ID)

	s, _, _ = cloudService(t, nil, true)
	assert.False(t, s.CloudModels(t.Context())[0].Locked)
}

func TestTestKeyReportsValidInvalidUnreachable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, "valid"},
		{providers.ErrInvalidKey, "invalid"},
		{providers.ErrNoKey, "invalid"},
		{providers.ErrUnavailable, "unreachable"},
	} {
		s, _, _ := cloudService(t, tc.err, true)
		got, err := s.TestKey(t.Context(), "openai")
		require.NoError(t, err)
		assert.Equal(t, tc.want, got.Status, "%v", tc.err)
	}
	s, _, _ := cloudService(t, nil, true)
	_, err := s.TestKey(t.Context(), "nosuch")
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

func TestSubmitCloudQueuesForTheProvider(t *testing.T) {
	s, q, p := cloudService(t, nil, true)
	_, err := s.Submit(t.Context(), Request{Provider: "openai", Model: "dall-e-3", Prompt: "a lighthouse",
		Size: "1792x1024", Seed: -1, Options: map[string]string{"quality": "hd"}})
	require.NoError(t, err)
	require.Len(t, q.got, 1)
	r := q.got[0]
	assert.Equal(t, "openai", r.Provider)
	assert.Equal(t, "dall-e-3", r.Model)
	assert.Equal(t, "1792x1024", r.Params[providers.ParamSize])
	assert.NotContains(t, r.Params, providers.ParamSeed)
	assert.Equal(t, map[string]any{"quality": "hd"}, r.Params[providers.ParamOptions])
	assert.Zero(t, p.invoked, "the queue calls the provider, not Submit")

	_, err = s.Submit(t.Context(), Request{Provider: "openai", Model: "dall-e-3", Prompt: "x", Size: "640x480"})
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Contains(t, err.Error(), "640x480")
	assert.NotContains(t, err.Error(), "invalid request: invalid request")
	_, err = s.Submit(t.Context(), Request{Provider: "openai", Model: "dall-e-9", Prompt: "x"})
	require.ErrorIs(t, err, ErrInvalidRequest)
	_, err = s.Submit(t.Context(), Request{Provider: "nosuch", Model: "m", Prompt: "x"})
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Len(t, q.got, 1)
}
