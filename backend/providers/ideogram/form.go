package ideogram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
)

// validateExtra checks what the shared capability check cannot express:
// the seed's range and that image_weight only goes with a remix.
func validateExtra(req providers.Request) error {
	if req.Seed != nil && (*req.Seed < 0 || *req.Seed > maxSeed) {
		return providers.Invalid("seed", "%d is outside 0–%d", *req.Seed, maxSeed)
	}
	if _, ok := req.Options[optImageWeight]; ok && !req.IsEdit() {
		return providers.Invalid("options."+optImageWeight, "only applies to a remix (give an input image)")
	}
	return nil
}

// field is one text part of a multipart form.
type field struct{ name, value string }

// encodeForm writes the multipart body for generate or remix once; the
// HTTP layer replays the bytes on every retry. Unset fields are left out
// so the API applies its own defaults.
func encodeForm(req providers.Request) (body []byte, contentType string, err error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fields := []field{
		{"prompt", req.Prompt},
		{"negative_prompt", req.NegativePrompt},
		{"num_images", strconv.Itoa(req.Images())},
	}
	if req.Seed != nil {
		fields = append(fields, field{"seed", strconv.FormatInt(*req.Seed, 10)})
	}
	if req.AspectRatio != "" {
		fields = append(fields, field{"aspect_ratio", wireAspectRatio(req.AspectRatio)})
	}
	if req.Size != "" {
		fields = append(fields, field{"resolution", strings.ToLower(req.Size)})
	}
	if v, ok := req.Options[optRenderingSpeed]; ok {
		fields = append(fields, field{optRenderingSpeed, renderingSpeedWire[v]})
	}
	for _, k := range []string{optMagicPrompt, optStyleType} {
		if v, ok := req.Options[k]; ok {
			fields = append(fields, field{k, v})
		}
	}
	if req.IsEdit() {
		if v, ok := req.Options[optImageWeight]; ok {
			fields = append(fields, field{optImageWeight, v})
		}
	}
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		if err := w.WriteField(f.name, f.value); err != nil {
			return nil, "", fmt.Errorf("encode form field %s: %w", f.name, err)
		}
	}
	if req.IsEdit() {
		if err := writeImage(w, req.InitImages[0]); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("encode form: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// writeImage adds the remix input as the "image" file part with its real
// content type (CreateFormFile would say application/octet-stream).
func writeImage(w *multipart.Writer, img []byte) error {
	mime := providers.SniffMIME(img)
	ext := map[string]string{"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}[mime]
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="image"; filename="image.%s"`, ext))
	h.Set("Content-Type", mime)
	part, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("encode image: %w", err)
	}
	if _, err := part.Write(img); err != nil {
		return fmt.Errorf("encode image: %w", err)
	}
	return nil
}

// emptyForm is a multipart body with no fields, for TestKey.
func emptyForm() ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("encode form: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// readBody reads a success body within maxResponseBytes.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := httpx.ReadLimited(resp.Body, maxResponseBytes)
	if err != nil {
		return nil, fmt.Errorf("read ideogram response: %w", err)
	}
	return b, nil
}

// drainClose discards a body we do not need, so the connection is reused.
func drainClose(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// apiError classifies an error answer. Ideogram refuses unsafe prompts with
// 422 and a message about its safety check; that is moderation, shown to
// the user as such, not an invalid request.
func apiError(se *httpx.StatusError, key string) error {
	msg := providers.Scrub(errorMessage(se.Body), key)
	if se.StatusCode == http.StatusUnprocessableEntity && mentionsSafety(msg) {
		return &providers.ModeratedError{Provider: Name, Message: msg}
	}
	return providers.NewAPIError(Name, se.StatusCode, "", msg, key)
}

func mentionsSafety(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "safety") || strings.Contains(m, "unsafe") || strings.Contains(m, "moderat")
}

// errorMessage pulls a human message out of an error body: {"error": "…"},
// {"error": {"message": "…"}}, {"message": "…"} or {"detail": "…"}, else the
// body itself, shortened.
func errorMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		for _, raw := range []json.RawMessage{v.Error, v.Detail} {
			if s := stringOrMessage(raw); s != "" {
				return truncate(s, 300)
			}
		}
		if v.Message != "" {
			return truncate(v.Message, 300)
		}
	}
	return truncate(strings.TrimSpace(string(body)), 300)
}

// stringOrMessage reads a JSON string, or an object's "message", or falls
// back to the raw JSON (FastAPI-style detail lists).
func stringOrMessage(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &o) == nil && o.Message != "" {
		return o.Message
	}
	return string(raw)
}
