package httpx

import (
	"log/slog"
	"net/http"
	"sort"
	"strings"
)

// sensitiveHeaders carry credentials in the APIs DreamLayer talks to
// (OpenAI: Authorization; Ideogram: Api-Key; BFL: x-key) or in proxies in
// front of them. Keys are canonical (http.CanonicalHeaderKey) names.
var sensitiveHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"X-Key":               true,
	"Api-Key":             true,
	"X-Api-Key":           true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"Openai-Organization": true,
	"Openai-Project":      true,
}

// Redacted is what a sensitive header's value is replaced with.
const Redacted = "[redacted]"

// IsSensitiveHeader reports whether a header may carry a credential.
func IsSensitiveHeader(name string) bool {
	name = http.CanonicalHeaderKey(name)
	return sensitiveHeaders[name] || strings.Contains(strings.ToLower(name), "token") ||
		strings.Contains(strings.ToLower(name), "secret")
}

// RedactHeader returns h for logging: a group of name=value pairs in sorted
// order with every credential-bearing value replaced by Redacted.
func RedactHeader(h http.Header) slog.Value {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	attrs := make([]slog.Attr, 0, len(names))
	for _, k := range names {
		v := strings.Join(h[k], ", ")
		if IsSensitiveHeader(k) {
			v = Redacted
		}
		attrs = append(attrs, slog.String(k, v))
	}
	return slog.GroupValue(attrs...)
}
