package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
)

// DefaultTimeout bounds each keychain call. A healthy keychain answers in
// milliseconds; a locked one may never answer.
const DefaultTimeout = 3 * time.Second

// maxKeyLen rejects pasted garbage long before any keychain limit (Windows
// Credential Manager allows about 2.5 KB).
const maxKeyLen = 1024

// Where a key came from, as reported in Status.Source.
const (
	SourceKeychain = "keychain"
	SourceEnv      = "env"
	SourceSession  = "session"
)

// Status describes one provider's key without revealing it.
type Status struct {
	Provider Provider `json:"provider"`
	Name     string   `json:"name"`
	Set      bool     `json:"set"`
	// Source is "keychain", "env", "session" or "" when no key is set.
	Source string `json:"source"`
	// Last4 is the key's last four characters ("" for short keys).
	Last4  string `json:"last4"`
	EnvVar string `json:"envVar"`
}

// State is what the settings page shows about keys.
type State struct {
	KeychainAvailable bool     `json:"keychainAvailable"`
	Message           string   `json:"message"`
	Keys              []Status `json:"keys"`
}

// Options configures a Store; zero values take defaults.
type Options struct {
	// Timeout bounds each keychain call (default DefaultTimeout).
	Timeout time.Duration
	// Getenv looks up the override variables (default os.Getenv).
	Getenv func(string) string
	// Logger receives warnings about the keychain (default: discard).
	Logger *slog.Logger
}

// Store resolves API keys from the environment, the keychain and a
// session-only fallback. It is safe for concurrent use.
type Store struct {
	kr      Keyring
	timeout time.Duration
	getenv  func(string) string
	logger  *slog.Logger

	mu sync.Mutex
	// session holds keys that could not be put in the keychain; they live
	// as long as the process.
	session map[Provider]string
	// unavailable is set after a keychain failure or timeout: reads then
	// skip the keychain so the UI does not wait on it again. Set and Delete,
	// which the user asks for, still try it.
	unavailable bool
	reason      string
}

// NewStore returns a Store over kr (normally SystemKeyring{}).
func NewStore(kr Keyring, opts Options) *Store {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Store{
		kr:      kr,
		timeout: opts.Timeout,
		getenv:  opts.Getenv,
		logger:  opts.Logger,
		session: make(map[Provider]string),
	}
}

// Get returns the key for p: the environment variable first, then the
// keychain, then the session store. ErrNotFound if none has one.
func (s *Store) Get(ctx context.Context, p Provider) (string, error) {
	key, _, err := s.resolve(ctx, p)
	return key, err
}

// Status reports whether p has a key and where it comes from.
func (s *Store) Status(ctx context.Context, p Provider) (Status, error) {
	key, src, err := s.resolve(ctx, p)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Status{}, err
	}
	return status(p, key, src), nil
}

// State reports every provider's status and whether the keychain works.
func (s *Store) State(ctx context.Context) State {
	st := State{Keys: make([]Status, 0, len(Providers()))}
	for _, p := range Providers() {
		ks, err := s.Status(ctx, p)
		if err != nil {
			// Only a cancelled ctx gets here; report the key as unknown.
			ks = status(p, "", "")
		}
		st.Keys = append(st.Keys, ks)
	}
	s.mu.Lock()
	st.KeychainAvailable = !s.unavailable
	if s.unavailable {
		st.Message = "Keychain unavailable: keys are kept for this session only"
		if s.reason != "" {
			st.Message += " (" + s.reason + ")"
		}
	}
	s.mu.Unlock()
	return st
}

// Set stores key for p in the keychain. Surrounding spaces are trimmed; an
// empty key or one containing spaces, newlines or control characters is
// rejected. If the keychain fails or does not answer, the key is kept for
// this session only and the keychain is marked unavailable (see State).
func (s *Store) Set(ctx context.Context, p Provider, key string) (Status, error) {
	if err := p.valid(); err != nil {
		return Status{}, err
	}
	key = strings.TrimSpace(key)
	if err := checkKey(key); err != nil {
		return Status{}, fmt.Errorf("set %s key: %w", p, err)
	}
	_, err := s.call(ctx, "set", func() (string, error) { return "", s.kr.Set(Service, string(p), key) })
	switch {
	case err == nil:
		s.mu.Lock()
		delete(s.session, p)
		s.unavailable, s.reason = false, ""
		s.mu.Unlock()
		s.logger.Info("API key saved", "provider", p, "key", Redacted(key), "source", SourceKeychain)
	case ctx.Err() != nil:
		return Status{}, fmt.Errorf("set %s key: %w", p, ctx.Err())
	default:
		err = scrub(err, key)
		s.markUnavailable(err)
		s.mu.Lock()
		s.session[p] = key
		s.mu.Unlock()
		s.logger.Warn("API key kept for this session only", "provider", p, "key", Redacted(key), "err", err)
	}
	return s.Status(ctx, p)
}

// Delete removes p's key from the keychain and the session store. An
// environment variable, if set, still provides a key afterwards (Status says
// so).
func (s *Store) Delete(ctx context.Context, p Provider) (Status, error) {
	if err := p.valid(); err != nil {
		return Status{}, err
	}
	s.mu.Lock()
	delete(s.session, p)
	s.mu.Unlock()
	_, err := s.call(ctx, "delete", func() (string, error) { return "", s.kr.Delete(Service, string(p)) })
	switch {
	case err == nil || errors.Is(err, ErrNotFound):
	case ctx.Err() != nil:
		return Status{}, fmt.Errorf("delete %s key: %w", p, ctx.Err())
	default:
		s.markUnavailable(err)
		return Status{}, fmt.Errorf("delete %s key from keychain: %w", p, err)
	}
	s.logger.Info("API key deleted", "provider", p)
	return s.Status(ctx, p)
}

// resolve finds p's key and its source.
func (s *Store) resolve(ctx context.Context, p Provider) (key, source string, err error) {
	if err := p.valid(); err != nil {
		return "", "", err
	}
	if v := strings.TrimSpace(s.getenv(p.EnvVar())); v != "" {
		return v, SourceEnv, nil
	}
	s.mu.Lock()
	skip := s.unavailable
	s.mu.Unlock()
	if !skip {
		v, err := s.call(ctx, "get", func() (string, error) { return s.kr.Get(Service, string(p)) })
		switch {
		case err == nil && v != "":
			return v, SourceKeychain, nil
		case err == nil || errors.Is(err, ErrNotFound):
		case ctx.Err() != nil:
			return "", "", fmt.Errorf("get %s key: %w", p, ctx.Err())
		default:
			s.markUnavailable(err)
		}
	}
	s.mu.Lock()
	v, ok := s.session[p]
	s.mu.Unlock()
	if ok {
		return v, SourceSession, nil
	}
	return "", "", fmt.Errorf("%s: %w", p.DisplayName(), ErrNotFound)
}

// call runs one keychain operation with the Store's timeout. On timeout the
// goroutine is abandoned (a blocked keychain call cannot be interrupted) and
// ErrKeychainUnavailable is returned. Errors other than ErrNotFound are
// wrapped with ErrKeychainUnavailable. The result travels over the channel so
// an abandoned goroutine never writes to the caller's variables.
func (s *Store) call(ctx context.Context, op string, fn func() (string, error)) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	type result struct {
		v   string
		err error
	}
	// Buffered so the abandoned goroutine can finish without a receiver.
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err == nil || errors.Is(r.err, ErrNotFound) {
			return r.v, r.err
		}
		return "", fmt.Errorf("keychain %s: %w: %w", op, ErrKeychainUnavailable, r.err)
	case <-timer.C:
		return "", fmt.Errorf("keychain %s: %w: no answer within %s", op, ErrKeychainUnavailable, s.timeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (s *Store) markUnavailable(err error) {
	s.mu.Lock()
	first := !s.unavailable
	s.unavailable = true
	s.reason = reasonOf(err)
	s.mu.Unlock()
	if first {
		s.logger.Warn("keychain unavailable; API keys are kept for this session only", "err", err)
	}
}

// reasonOf gives a short, key-free reason for State.Message.
func reasonOf(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ErrKeychainUnavailable.Error()+": "); i >= 0 {
		msg = msg[i+len(ErrKeychainUnavailable.Error())+2:]
	}
	if r := []rune(msg); len(r) > 120 {
		msg = string(r[:120]) + "…"
	}
	return msg
}

// scrub makes sure a keychain error does not carry the key into a log line.
func scrub(err error, key string) error {
	if err == nil || key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	return fmt.Errorf("%w (details hidden: they contained the key)", ErrKeychainUnavailable)
}

// checkKey rejects keys that cannot be real: empty, too long, or containing
// whitespace or control characters (a paste that caught a line break).
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: the key is empty", ErrInvalidKey)
	case len(key) > maxKeyLen:
		return fmt.Errorf("%w: the key is longer than %d bytes", ErrInvalidKey, maxKeyLen)
	case strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return fmt.Errorf("%w: the key contains spaces, line breaks or control characters", ErrInvalidKey)
	}
	return nil
}

func status(p Provider, key, source string) Status {
	return Status{
		Provider: p,
		Name:     p.DisplayName(),
		Set:      key != "",
		Source:   source,
		Last4:    last4(key),
		EnvVar:   p.EnvVar(),
	}
}
