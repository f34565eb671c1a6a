package ideogram

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxImages is the largest num_images the v3 endpoints accept, and so the
// most entries a sane response can hold.
const maxImages = 8

// response is the body of a successful generate or remix call:
// {"created": "...", "data": [{url, prompt, resolution, is_image_safe, seed, style_type}]}.
type response struct {
	Created string        `json:"created"`
	Data    []imageResult `json:"data"`
}

// imageResult is one generated image. IsImageSafe is a pointer because an
// absent flag must not read as "unsafe"; the URL of an unsafe image may be
// missing.
type imageResult struct {
	URL         string `json:"url"`
	Prompt      string `json:"prompt"`
	Resolution  string `json:"resolution"`
	IsImageSafe *bool  `json:"is_image_safe"`
	Seed        *int64 `json:"seed"`
	StyleType   string `json:"style_type"`
}

// safe reports whether the service flagged the image as safe; a missing flag
// counts as safe because the service only omits it when it did not check.
func (r imageResult) safe() bool { return r.IsImageSafe == nil || *r.IsImageSafe }

// parseResponse decodes and validates a generate/remix body. It never trusts
// the service: the list must be non-empty and bounded, and every safe image
// must carry an absolute http(s) URL.
func parseResponse(body []byte) (response, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return response{}, fmt.Errorf("decode ideogram response: %w", err)
	}
	if err := r.validate(); err != nil {
		return response{}, fmt.Errorf("ideogram response: %w", err)
	}
	return r, nil
}

func (r response) validate() error {
	if len(r.Data) == 0 {
		return errors.New("no images in data")
	}
	if len(r.Data) > maxImages {
		return fmt.Errorf("%d images in data, at most %d expected", len(r.Data), maxImages)
	}
	for i, img := range r.Data {
		if !img.safe() {
			continue
		}
		if err := checkURL(img.URL); err != nil {
			return fmt.Errorf("data[%d].url: %w", i, err)
		}
		if img.Resolution != "" {
			if _, _, err := parseResolution(img.Resolution); err != nil {
				return fmt.Errorf("data[%d].resolution: %w", i, err)
			}
		}
	}
	return nil
}

// checkURL accepts only absolute http(s) URLs, so a hostile body cannot make
// the downloader open file:// or other schemes.
func checkURL(raw string) error {
	if raw == "" {
		return errors.New("missing")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("not an absolute http(s) URL: %q", truncate(raw, 80))
	}
	return nil
}

// parseResolution reads "WxH" with both sides in a plausible pixel range.
func parseResolution(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(s, "x")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not WIDTHxHEIGHT", truncate(s, 40))
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w < 1 || h < 1 || w > 16384 || h > 16384 {
		return 0, 0, fmt.Errorf("%q is not WIDTHxHEIGHT", truncate(s, 40))
	}
	return w, h, nil
}

// truncate shortens outside text for error messages without splitting a
// UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
