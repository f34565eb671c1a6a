package providers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
)

// Error classes callers branch on with errors.Is. Every error a Provider
// returns carries one of them (or is context.Canceled/DeadlineExceeded).
var (
	// ErrModerated: the provider's safety system refused the prompt or the
	// result. Errors of this class are *ModeratedError, with its message.
	ErrModerated = errors.New("blocked by the provider's moderation")
	// ErrNoKey: no API key is set for the provider.
	ErrNoKey = errors.New("no API key set")
	// ErrInvalidKey: the provider rejected the key (401/403).
	ErrInvalidKey = errors.New("API key rejected")
	// ErrInvalidRequest: the request is not valid for the model, found by
	// Model.Validate or by the provider (400/404/413/422).
	ErrInvalidRequest = errors.New("invalid request")
	// ErrUnavailable: the provider could not be reached or kept failing
	// (network errors, timeouts, 429 and 5xx after retries, a malformed
	// answer, an expired result URL).
	ErrUnavailable = errors.New("provider unavailable")
)

// ModeratedError is a moderation refusal with the provider's own words,
// which the UI shows as they are ("Your request was rejected as a result of
// our safety system…").
type ModeratedError struct {
	Provider string
	Message  string
}

func (e *ModeratedError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s: %v", e.Provider, ErrModerated)
	}
	return fmt.Sprintf("%s: %v: %s", e.Provider, ErrModerated, e.Message)
}

// Is makes errors.Is(err, ErrModerated) true.
func (e *ModeratedError) Is(target error) bool { return target == ErrModerated }

// APIError is any other error answer of a provider: its class (one of the
// Err… values), the HTTP status and the provider's code and message.
type APIError struct {
	Provider string
	Kind     error
	Status   int
	Code     string
	Message  string
	// Err is the underlying failure when there was no error answer (a
	// network error, httpx.ErrExpired, …); nil otherwise.
	Err error
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v", e.Provider, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, ", %s", e.Code)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Unwrap gives the class and the underlying failure, so both
// errors.Is(err, ErrUnavailable) and errors.Is(err, httpx.ErrExpired) hold.
func (e *APIError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// KindForStatus classifies an HTTP error status.
func KindForStatus(status int) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrInvalidKey
	case httpx.RetryableStatus(status) || status >= 500:
		return ErrUnavailable
	case status >= 400:
		return ErrInvalidRequest
	}
	return ErrUnavailable
}

// NewAPIError builds the error for an error answer, classed by status, with
// the key scrubbed from the message (OpenAI's 401 echoes part of it).
func NewAPIError(provider string, status int, code, message, key string) *APIError {
	return &APIError{Provider: provider, Kind: KindForStatus(status), Status: status,
		Code: Scrub(code, key), Message: Scrub(strings.TrimSpace(message), key)}
}

// Classify gives an error from the HTTP layer its class: caller
// cancellation stays as it is (so the queue sees a cancel), a *StatusError
// is classed by status, and network failures, malformed or oversized
// answers and expired result URLs become ErrUnavailable. Errors already
// classed pass through. key is scrubbed from the message.
func Classify(provider string, err error, key string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrModerated) || errors.Is(err, ErrNoKey) ||
		errors.Is(err, ErrInvalidKey) || errors.Is(err, ErrInvalidRequest) || errors.Is(err, ErrUnavailable) {
		return err
	}
	var se *httpx.StatusError
	if errors.As(err, &se) {
		return NewAPIError(provider, se.StatusCode, "", string(se.Body), key)
	}
	if errors.Is(err, context.DeadlineExceeded) && !isNetError(err) {
		return err // the caller's own deadline
	}
	return &APIError{Provider: provider, Kind: ErrUnavailable, Message: Scrub(err.Error(), key), Err: scrubbed(err, key)}
}

func isNetError(err error) bool {
	var ne *httpx.NetError
	return errors.As(err, &ne)
}

// Scrub removes every occurrence of key from s. Keys shorter than 8 bytes
// are not scrubbed (they would match ordinary words; secrets refuses them).
func Scrub(s, key string) string {
	if len(key) < 8 {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}

// Invalid returns an ErrInvalidRequest error naming the field.
func Invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidRequest, field, fmt.Sprintf(format, args...))
}

// scrubbed returns err itself unless its message holds the key, in which
// case the chain is dropped (only the scrubbed message is kept).
func scrubbed(err error, key string) error {
	if len(key) >= 8 && strings.Contains(err.Error(), key) {
		return nil
	}
	return err
}
