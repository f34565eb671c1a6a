package httpx

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		limit   int64
		want    map[string]int
		wantErr string
		status4 bool
	}{
		{"ok", 200, `{"a":1}`, 0, map[string]int{"a": 1}, "", false},
		{"malformed", 200, `{"a":`, 0, nil, "malformed JSON response", false},
		{"wrong type", 200, `{"a":"x"}`, 0, nil, "malformed JSON response", false},
		{"too large", 200, `{"a":1}`, 4, nil, "response too large", false},
		{"error status", 400, `{"error":{"message":"nope"}}`, 0, nil, `HTTP 400 Bad Request: {"error":{"message":"nope"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.status, Status: http.StatusText(tt.status), Body: io.NopCloser(strings.NewReader(tt.body))}
			if tt.status != 200 {
				resp.Status = "400 Bad Request"
			}
			var got map[string]int
			err := DecodeJSON(resp, &got, tt.limit)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
			var se *StatusError
			assert.Equal(t, tt.status4, asStatus(err, &se))
		})
	}
}

func asStatus(err error, se **StatusError) bool {
	e, ok := err.(*StatusError)
	*se = e
	return ok
}

func TestReadLimited(t *testing.T) {
	b, err := ReadLimited(strings.NewReader("12345"), 5)
	require.NoError(t, err)
	assert.Equal(t, "12345", string(b))
	_, err = ReadLimited(strings.NewReader("123456"), 5)
	assert.ErrorIs(t, err, ErrTooLarge)
}

func TestDownload(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nrest")
	mux := http.NewServeMux()
	var sawAuth bool
	mux.HandleFunc("/ok.png", func(w http.ResponseWriter, r *http.Request) {
		sawAuth = r.Header.Get("Authorization") != "" || r.Header.Get("x-key") != ""
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	})
	mux.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) })
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) })
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := testClient(&sleeps{})

	data, ct, err := c.Download(t.Context(), srv.URL+"/ok.png")
	require.NoError(t, err)
	assert.Equal(t, png, data)
	assert.Equal(t, "image/png", ct)
	assert.False(t, sawAuth, "no credentials go to result URLs")

	for _, p := range []string{"/forbidden", "/missing", "/gone"} {
		_, _, err = c.Download(t.Context(), srv.URL+p)
		assert.ErrorIs(t, err, ErrExpired, p)
		assert.ErrorContains(t, err, "result URL expired", p)
	}
	_, _, err = c.Download(t.Context(), srv.URL+"/teapot")
	assert.NotErrorIs(t, err, ErrExpired)
	assert.ErrorContains(t, err, "418")
}

func TestTransportRetriesAndReplaysBody(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if len(bodies) < 3 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			return
		}
		_, _ = io.WriteString(w, "done")
	}))
	defer srv.Close()
	s := &sleeps{}
	hc := &http.Client{Transport: testClient(s).Transport(nil)}
	resp, err := hc.Post(srv.URL, "text/plain", bytes.NewReader([]byte("hello")))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "done", string(body))
	assert.Equal(t, []string{"hello", "hello", "hello"}, bodies)
	assert.Len(t, s.got, 2)
}

func TestRedactHeader(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer x")
	h.Set("X-Key", "k")
	h.Set("Api-Key", "k")
	h.Set("X-Session-Token", "t")
	h.Set("Accept", "application/json")
	v := RedactHeader(h)
	got := map[string]string{}
	for _, a := range v.Group() {
		got[a.Key] = a.Value.String()
	}
	assert.Equal(t, map[string]string{
		"Accept": "application/json", "Api-Key": Redacted, "Authorization": Redacted, "X-Key": Redacted, "X-Session-Token": Redacted,
	}, got)
}
