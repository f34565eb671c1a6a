package bfl

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bodies to the submit and poll parsers: no
// panic, and what they accept is bounded and only points at http(s) URLs.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"3f1c","polling_url":"https://api.us1.bfl.ai/v1/get_result?id=3f1c"}`))
	f.Add([]byte(`{"id":"x","status":"Ready","result":{"sample":"https://delivery.bfl.ai/x.jpeg","seed":1}}`))
	f.Add([]byte(`{"id":"x","status":"Ready","result":{"sample":"file:///etc/passwd"}}`))
	f.Add([]byte(`{"id":"x","status":"Pending","result":null,"progress":0.5}`))
	f.Add([]byte(`{"status":"Content Moderated","details":{"Moderation Reasons":["x"]}}`))
	f.Add([]byte(`{"id":"","polling_url":"javascript:1"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if s, err := parseSubmit(body); err == nil {
			if s.ID == "" || len(s.ID) > maxIDLen {
				t.Fatalf("accepted id %q", s.ID)
			}
			if s.PollingURL != "" && !isHTTP(s.PollingURL) {
				t.Fatalf("accepted polling_url %q", s.PollingURL)
			}
		}
		if r, err := parsePoll(body); err == nil {
			if r.Status == "" {
				t.Fatal("accepted an empty status")
			}
			if r.Status == statusReady && (r.Result == nil || !isHTTP(r.Result.Sample)) {
				t.Fatalf("accepted Ready without an http(s) sample: %+v", r.Result)
			}
			if len(r.detail()) > 200+len("…") {
				t.Fatalf("detail of %d bytes", len(r.detail()))
			}
		}
	})
}

// FuzzErrorMessage: any error body gives a short message without panicking.
func FuzzErrorMessage(f *testing.F) {
	f.Add([]byte(`{"detail":"Not authenticated"}`))
	f.Add([]byte(`{"detail":[{"loc":["body","width"],"msg":"bad","type":"value_error"}]}`))
	f.Add([]byte(`{"detail":[{"loc":[{"a":1}],"msg":"` + strings.Repeat("é", 400) + `"}]}`))
	f.Add([]byte("<html>502 Bad Gateway</html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := errorMessage(body)
		if len(msg) > 300+len("…") {
			t.Fatalf("message of %d bytes", len(msg))
		}
		if utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("truncation split a rune: %q", msg)
		}
	})
}

func isHTTP(s string) bool {
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}
