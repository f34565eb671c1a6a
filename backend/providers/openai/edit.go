package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
)

// gptImageEdit posts a gpt-image-1 edit as multipart/form-data: every input
// image as image[], the optional mask, and the text fields; never
// response_format, which gpt-image-1 rejects.
func (p *Provider) gptImageEdit(ctx context.Context, key string, req providers.Request) (goopenai.ImageResponse, error) {
	body, contentType, err := editForm(req)
	if err != nil {
		return goopenai.ImageResponse{}, err
	}
	resp, err := p.http.Do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodPost, p.baseURL+"/images/edits", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", "Bearer "+key)
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Accept", "application/json")
		return r, nil
	})
	if err != nil {
		return goopenai.ImageResponse{}, err
	}
	var out goopenai.ImageResponse
	if err := httpx.DecodeJSON(resp, &out, 0); err != nil {
		var se *httpx.StatusError
		if errors.As(err, &se) {
			return goopenai.ImageResponse{}, statusToAPIError(se)
		}
		return goopenai.ImageResponse{}, &providers.APIError{Provider: providerID, Kind: providers.ErrUnavailable,
			Message: providers.Scrub(err.Error(), key)}
	}
	return out, nil
}

// statusToAPIError reads OpenAI's {"error": {...}} body into go-openai's
// error type so one mapping (mapErr) serves both paths.
func statusToAPIError(se *httpx.StatusError) error {
	var er goopenai.ErrorResponse
	if err := json.Unmarshal(se.Body, &er); err != nil || er.Error == nil {
		return &goopenai.RequestError{HTTPStatus: se.Status, HTTPStatusCode: se.StatusCode, Err: err, Body: se.Body}
	}
	er.Error.HTTPStatus, er.Error.HTTPStatusCode = se.Status, se.StatusCode
	return er.Error
}

// editForm builds the multipart body once; the build function of each
// attempt reads it afresh.
func editForm(req providers.Request) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i, img := range req.InitImages {
		if err := filePart(w, "image[]", fmt.Sprintf("image-%d", i+1), img); err != nil {
			return nil, "", err
		}
	}
	if len(req.Mask) > 0 {
		if err := filePart(w, "mask", "mask", req.Mask); err != nil {
			return nil, "", err
		}
	}
	fields := [][2]string{
		{"model", req.Model}, {"prompt", req.Prompt}, {"n", strconv.Itoa(req.Images())}, {"size", req.Size},
	}
	for _, k := range []string{"quality", "background", "output_format", "output_compression", "moderation"} {
		fields = append(fields, [2]string{k, req.Options[k]})
	}
	for _, f := range fields {
		if f[1] == "" {
			continue
		}
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", fmt.Errorf("build edit form: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("build edit form: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// filePart writes one image with a file name and type OpenAI recognises
// (it decides the format from them).
func filePart(w *multipart.Writer, field, name string, data []byte) error {
	mime := providers.SniffMIME(data)
	ext := map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}[mime]
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name+ext))
	h.Set("Content-Type", mime)
	part, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("build edit form: %w", err)
	}
	if _, err := part.Write(data); err != nil {
		return fmt.Errorf("build edit form: %w", err)
	}
	return nil
}
