package secrets

import (
	"fmt"
	"io"
	"log/slog"
)

// minLast4 is the shortest key whose last four characters are shown: for a
// shorter key they would give away too much of it.
const minLast4 = 8

// Redacted wraps a secret so that printing or logging it shows at most its
// last four characters ("…abcd"), enough for a user to recognise which key is
// stored.
type Redacted string

// String returns "…" and the last four characters, or "…" alone for short
// keys, or "" for an empty one.
func (r Redacted) String() string {
	if r == "" {
		return ""
	}
	return "…" + last4(string(r))
}

// GoString keeps %#v from printing the raw string.
func (r Redacted) GoString() string { return fmt.Sprintf("secrets.Redacted(%q)", r.String()) }

// Format prints the redacted form for every verb, so even a wrong verb such
// as %d (which fmt would otherwise answer with the raw value) hides the key.
func (r Redacted) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, r.GoString())
		return
	}
	if verb == 'q' {
		_, _ = fmt.Fprintf(f, "%q", r.String())
		return
	}
	_, _ = io.WriteString(f, r.String())
}

// LogValue makes slog print the redacted form.
func (r Redacted) LogValue() slog.Value { return slog.StringValue(r.String()) }

// last4 returns the key's last four characters, or "" if the key is too
// short to show any of it.
func last4(key string) string {
	r := []rune(key)
	if len(r) < minLast4 {
		return ""
	}
	return string(r[len(r)-4:])
}
