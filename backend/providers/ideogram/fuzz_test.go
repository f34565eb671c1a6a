package ideogram

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseResponse feeds arbitrary answers to the response parser: no
// panic, and anything accepted is bounded and only points at http(s) URLs.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`{"created":"x","data":[{"url":"https://ideogram.ai/api/images/ephemeral/a.png","prompt":"p","resolution":"1024x1024","is_image_safe":true,"seed":1,"style_type":"AUTO"}]}`))
	f.Add([]byte(`{"data":[{"is_image_safe":false}]}`))
	f.Add([]byte(`{"data":[{"url":"javascript:alert(1)"}]}`))
	f.Add([]byte(`{"data":[{"url":"http://h/x","resolution":"99999999x1"}]}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseResponse(body)
		if err != nil {
			return
		}
		if len(r.Data) == 0 || len(r.Data) > maxImages {
			t.Fatalf("accepted %d images", len(r.Data))
		}
		for _, d := range r.Data {
			u := strings.ToLower(d.URL)
			if d.safe() && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Fatalf("accepted URL %q", d.URL)
			}
		}
	})
}

// FuzzErrorMessage: any error body gives a short message without panicking.
func FuzzErrorMessage(f *testing.F) {
	f.Add([]byte(`{"error":"Prompt failed the safety check"}`))
	f.Add([]byte(`{"error":{"message":"m"}}`))
	f.Add([]byte(`{"detail":[{"loc":["body","prompt"],"msg":"field required"}]}`))
	f.Add([]byte("<html>502</html>"))
	f.Add([]byte("\xff\xfe"))
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
