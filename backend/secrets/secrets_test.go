package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"
)

// A made-up key in OpenAI's shape; long enough to show a last4.
const testKey = "sk-test-0123456789abcdefWXYZ"

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// memKeyring is an in-memory Keyring whose operations can be made to fail.
type memKeyring struct {
	mu   sync.Mutex
	m    map[string]string
	fail error
	sets int
}

func newMem() *memKeyring { return &memKeyring{m: map[string]string{}} }

func (k *memKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return "", k.fail
	}
	v, ok := k.m[service+"/"+user]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (k *memKeyring) Set(service, user, password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sets++
	if k.fail != nil {
		return k.fail
	}
	k.m[service+"/"+user] = password
	return nil
}

func (k *memKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return k.fail
	}
	if _, ok := k.m[service+"/"+user]; !ok {
		return ErrNotFound
	}
	delete(k.m, service+"/"+user)
	return nil
}

func (k *memKeyring) setFail(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fail = err
}

// blockingKeyring never answers, like a locked keyring waiting on a prompt.
// release lets the abandoned goroutines finish when the test ends.
type blockingKeyring struct{ release chan struct{} }

func newBlocking(t *testing.T) *blockingKeyring {
	b := &blockingKeyring{release: make(chan struct{})}
	t.Cleanup(func() { close(b.release) })
	return b
}

func (b *blockingKeyring) Get(string, string) (string, error) {
	<-b.release
	return "", errors.New("released")
}
func (b *blockingKeyring) Set(string, string, string) error {
	<-b.release
	return errors.New("released")
}
func (b *blockingKeyring) Delete(string, string) error { <-b.release; return errors.New("released") }

func TestProviders(t *testing.T) {
	assert.Equal(t, []Provider{OpenAI, Ideogram, BFL}, Providers())
	want := map[Provider][2]string{
		OpenAI:   {"OPENAI_API_KEY", "OpenAI"},
		Ideogram: {"IDEOGRAM_API_KEY", "Ideogram"},
		BFL:      {"BFL_API_KEY", "Black Forest Labs (FLUX)"},
	}
	for _, p := range Providers() {
		assert.Equal(t, want[p][0], p.EnvVar())
		assert.Equal(t, want[p][1], p.DisplayName())
	}
}

func TestParseProvider(t *testing.T) {
	tests := []struct {
		in   string
		want Provider
		err  bool
	}{
		{"openai", OpenAI, false},
		{" OpenAI ", OpenAI, false},
		{"IDEOGRAM", Ideogram, false},
		{"bfl", BFL, false},
		{"flux", BFL, false},
		{"midjourney", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseProvider(tt.in)
			if tt.err {
				require.ErrorIs(t, err, ErrUnknownProvider)
				assert.Contains(t, err.Error(), "openai, ideogram, bfl")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRedacted(t *testing.T) {
	r := Redacted(testKey)
	assert.Equal(t, "…WXYZ", r.String())
	assert.Equal(t, `…WXYZ …WXYZ "…WXYZ"`, fmt.Sprintf("%v %s %q", r, r, r))
	for _, verb := range []string{"%v", "%s", "%q", "%#v", "%x", "%d", "%+v"} {
		assert.NotContains(t, fmt.Sprintf(verb, r), "0123456789", verb)
	}
	assert.Equal(t, "…", Redacted("abc").String(), "short keys show nothing")
	assert.Empty(t, Redacted("").String())

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("saved", "key", r)
	assert.Contains(t, buf.String(), `"key":"…WXYZ"`)
	assert.NotContains(t, buf.String(), testKey)
}

// TestSystemKeyring exercises the real go-keyring path against its mock
// provider (MockInit swaps go-keyring's package-level provider, so tests
// using it must not run in parallel).
func TestSystemKeyring(t *testing.T) {
	keyring.MockInit()
	s := NewStore(SystemKeyring{}, Options{Getenv: envOf(nil)})
	ctx := t.Context()

	_, err := s.Get(ctx, OpenAI)
	require.ErrorIs(t, err, ErrNotFound)

	st, err := s.Set(ctx, OpenAI, "  "+testKey+"\n")
	require.NoError(t, err)
	assert.Equal(t, Status{Provider: OpenAI, Name: "OpenAI", Set: true, Source: SourceKeychain, Last4: "WXYZ", EnvVar: "OPENAI_API_KEY"}, st)

	raw, err := keyring.Get(Service, "openai")
	require.NoError(t, err)
	assert.Equal(t, testKey, raw, "stored trimmed under service DreamLayer, account openai")

	got, err := s.Get(ctx, OpenAI)
	require.NoError(t, err)
	assert.Equal(t, testKey, got)

	st, err = s.Delete(ctx, OpenAI)
	require.NoError(t, err)
	assert.False(t, st.Set)
	_, err = keyring.Get(Service, "openai")
	require.ErrorIs(t, err, keyring.ErrNotFound)

	// Deleting again is not an error.
	_, err = s.Delete(ctx, OpenAI)
	require.NoError(t, err)
	assert.True(t, s.State(ctx).KeychainAvailable)
}

func TestSystemKeyringFailureFallsBackToSession(t *testing.T) {
	keyring.MockInitWithError(errors.New("org.freedesktop.DBus.Error.ServiceUnknown"))
	t.Cleanup(keyring.MockInit)
	s := NewStore(SystemKeyring{}, Options{Getenv: envOf(nil)})
	st, err := s.Set(t.Context(), Ideogram, testKey)
	require.NoError(t, err)
	assert.Equal(t, SourceSession, st.Source)
	state := s.State(t.Context())
	assert.False(t, state.KeychainAvailable)
	assert.Contains(t, state.Message, "Keychain unavailable: keys are kept for this session only")
	assert.Contains(t, state.Message, "ServiceUnknown")
}

func TestEnvOverridesKeychain(t *testing.T) {
	kr := newMem()
	kr.m[Service+"/bfl"] = "keychain-key-1234"
	s := NewStore(kr, Options{Getenv: envOf(map[string]string{"BFL_API_KEY": " env-key-abcdEFGH "})})
	got, err := s.Get(t.Context(), BFL)
	require.NoError(t, err)
	assert.Equal(t, "env-key-abcdEFGH", got)
	st, err := s.Status(t.Context(), BFL)
	require.NoError(t, err)
	assert.Equal(t, SourceEnv, st.Source)
	assert.Equal(t, "EFGH", st.Last4)

	// Deleting the stored key leaves the environment's key in force.
	st, err = s.Delete(t.Context(), BFL)
	require.NoError(t, err)
	assert.True(t, st.Set)
	assert.Equal(t, SourceEnv, st.Source)
	assert.Empty(t, kr.m)
}

func TestSetRejectsBadKeys(t *testing.T) {
	tests := []struct{ name, key string }{
		{"empty", ""},
		{"spaces only", "   \t"},
		{"inner space", "sk-abc def"},
		{"inner newline", "sk-abc\ndef"},
		{"control char", "sk-abc\x00def"},
		{"too long", strings.Repeat("k", maxKeyLen+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := newMem()
			s := NewStore(kr, Options{Getenv: envOf(nil)})
			_, err := s.Set(t.Context(), OpenAI, tt.key)
			require.ErrorIs(t, err, ErrInvalidKey)
			if strings.TrimSpace(tt.key) != "" {
				assert.NotContains(t, err.Error(), strings.TrimSpace(tt.key))
			}
			assert.Zero(t, kr.sets, "nothing reaches the keychain")
		})
	}
}

func TestUnknownProvider(t *testing.T) {
	s := NewStore(newMem(), Options{Getenv: envOf(nil)})
	_, err := s.Get(t.Context(), Provider("stability"))
	require.ErrorIs(t, err, ErrUnknownProvider)
	_, err = s.Set(t.Context(), Provider("OpenAI"), testKey)
	require.ErrorIs(t, err, ErrUnknownProvider, "only canonical names are accepted")
	_, err = s.Delete(t.Context(), Provider(""))
	require.ErrorIs(t, err, ErrUnknownProvider)
}

func TestBlockedKeychainTimesOut(t *testing.T) {
	var logs bytes.Buffer
	s := NewStore(newBlocking(t), Options{
		Timeout: 20 * time.Millisecond,
		Getenv:  envOf(nil),
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
	})
	ctx := t.Context()

	// Get returns (not found) instead of hanging, and marks the keychain
	// unavailable.
	_, err := s.Get(ctx, OpenAI)
	require.ErrorIs(t, err, ErrNotFound)
	state := s.State(ctx)
	assert.False(t, state.KeychainAvailable)
	assert.Contains(t, state.Message, "no answer within 20ms")

	// Set falls back to the session store.
	st, err := s.Set(ctx, OpenAI, testKey)
	require.NoError(t, err)
	assert.Equal(t, SourceSession, st.Source)
	got, err := s.Get(ctx, OpenAI)
	require.NoError(t, err)
	assert.Equal(t, testKey, got)

	// Delete cannot reach the keychain and says so, but the session key goes.
	_, err = s.Delete(ctx, OpenAI)
	require.ErrorIs(t, err, ErrKeychainUnavailable)
	_, err = s.Get(ctx, OpenAI)
	require.ErrorIs(t, err, ErrNotFound)

	assert.Contains(t, logs.String(), "keychain unavailable")
	assert.NotContains(t, logs.String(), testKey)
}

func TestCancelledContextIsNotUnavailability(t *testing.T) {
	s := NewStore(newBlocking(t), Options{Timeout: time.Hour, Getenv: envOf(nil)})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		time.Sleep(10 * time.Millisecond)
		cancel()
	}()
	_, err := s.Get(ctx, OpenAI)
	require.ErrorIs(t, err, context.Canceled)
	// State would wait on the blocked keychain, so look at the flag itself.
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.False(t, s.unavailable)
}

func TestKeychainRecovers(t *testing.T) {
	kr := newMem()
	kr.setFail(errors.New("keyring is locked"))
	s := NewStore(kr, Options{Getenv: envOf(nil)})
	st, err := s.Set(t.Context(), Ideogram, testKey)
	require.NoError(t, err)
	assert.Equal(t, SourceSession, st.Source)
	assert.False(t, s.State(t.Context()).KeychainAvailable)

	kr.setFail(nil)
	st, err = s.Set(t.Context(), Ideogram, testKey)
	require.NoError(t, err)
	assert.Equal(t, SourceKeychain, st.Source)
	state := s.State(t.Context())
	assert.True(t, state.KeychainAvailable)
	assert.Empty(t, state.Message)
	s.mu.Lock()
	assert.Empty(t, s.session, "the session copy is dropped once the keychain has it")
	s.mu.Unlock()
}

func TestState(t *testing.T) {
	kr := newMem()
	kr.m[Service+"/ideogram"] = "ideo-key-5678"
	s := NewStore(kr, Options{Getenv: envOf(map[string]string{"OPENAI_API_KEY": testKey})})
	state := s.State(t.Context())
	assert.True(t, state.KeychainAvailable)
	assert.Empty(t, state.Message)
	assert.Equal(t, []Status{
		{Provider: OpenAI, Name: "OpenAI", Set: true, Source: SourceEnv, Last4: "WXYZ", EnvVar: "OPENAI_API_KEY"},
		{Provider: Ideogram, Name: "Ideogram", Set: true, Source: SourceKeychain, Last4: "5678", EnvVar: "IDEOGRAM_API_KEY"},
		{Provider: BFL, Name: "Black Forest Labs (FLUX)", Set: false, Source: "", Last4: "", EnvVar: "BFL_API_KEY"},
	}, state.Keys)
}

// leakyKeyring fails with an error that quotes the secret back, as a careless
// backend might.
type leakyKeyring struct{ memKeyring }

func (k *leakyKeyring) Set(_, _, password string) error {
	return fmt.Errorf("cannot store %q: collection locked", password)
}

func TestNoErrorOrLogContainsKey(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := t.Context()
	var errs []error
	collect := func(_ any, err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	leaky := NewStore(&leakyKeyring{memKeyring{m: map[string]string{}}}, Options{Getenv: envOf(nil), Logger: logger})
	collect(leaky.Set(ctx, OpenAI, testKey))
	st := leaky.State(ctx)
	assert.NotContains(t, st.Message, testKey)

	failing := newMem()
	failing.setFail(errors.New("dbus: no such interface"))
	s := NewStore(failing, Options{Getenv: envOf(nil), Logger: logger})
	collect(s.Set(ctx, BFL, testKey))
	collect(s.Set(ctx, BFL, testKey+"\n"+testKey))
	collect(s.Set(ctx, BFL, testKey+" x"))
	collect(s.Delete(ctx, BFL))
	collect(s.Status(ctx, BFL))

	require.NotEmpty(t, errs)
	for _, err := range errs {
		assert.NotContains(t, err.Error(), testKey)
	}
	require.NotEmpty(t, logs.String())
	assert.NotContains(t, logs.String(), testKey)
	assert.Contains(t, logs.String(), "…WXYZ", "logs identify the key by its last four characters")
}
