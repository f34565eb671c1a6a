package bfl

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"unicode/utf8"
)

// Poll statuses the BFL API reports (GET polling_url → {"status": ...}).
const (
	statusReady            = "Ready"
	statusPending          = "Pending"
	statusRequestModerated = "Request Moderated"
	statusContentModerated = "Content Moderated"
	statusError            = "Error"
	statusTaskNotFound     = "Task not found"
)

// submitResponse is the answer to POST /v1/<model>: the task id and the URL
// to poll for it.
type submitResponse struct {
	ID         string `json:"id"`
	PollingURL string `json:"polling_url"`
}

// pollResponse is the answer to GET polling_url. Result is only read when
// Status is Ready; Details carries the reason for moderation or errors.
type pollResponse struct {
	ID      string          `json:"id"`
	Status  string          `json:"status"`
	Result  *pollResult     `json:"result"`
	Details json.RawMessage `json:"details"`
}

// pollResult holds the image URL (sample) of a finished task and echoes the
// prompt and seed that were used.
type pollResult struct {
	Sample string `json:"sample"`
	Prompt string `json:"prompt"`
	Seed   *int64 `json:"seed"`
}

// maxIDLen bounds the task id; real ids are UUIDs (36 characters).
const maxIDLen = 256

// parseSubmit decodes and validates the answer to a generation request.
func parseSubmit(body []byte) (submitResponse, error) {
	var r submitResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return submitResponse{}, fmt.Errorf("decode bfl submit response: %w", err)
	}
	if r.ID == "" || len(r.ID) > maxIDLen || !utf8.ValidString(r.ID) {
		return submitResponse{}, errors.New("bfl submit response: missing or invalid id")
	}
	if r.PollingURL != "" {
		if _, err := parseHTTPURL(r.PollingURL); err != nil {
			return submitResponse{}, fmt.Errorf("bfl submit response: polling_url: %w", err)
		}
	}
	return r, nil
}

// parsePoll decodes and validates a polling answer. A Ready task must carry
// an absolute http(s) sample URL; other statuses are returned as they are
// for the poll loop to classify.
func parsePoll(body []byte) (pollResponse, error) {
	var r pollResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return pollResponse{}, fmt.Errorf("decode bfl poll response: %w", err)
	}
	if r.Status == "" {
		return pollResponse{}, errors.New("bfl poll response: missing status")
	}
	if r.Status == statusReady {
		if r.Result == nil {
			return pollResponse{}, errors.New("bfl poll response: Ready without result")
		}
		if _, err := parseHTTPURL(r.Result.Sample); err != nil {
			return pollResponse{}, fmt.Errorf("bfl poll response: result.sample: %w", err)
		}
	}
	return r, nil
}

// detail returns the service's explanation for a moderated or failed task,
// shortened for an error message.
func (r pollResponse) detail() string {
	if len(r.Details) == 0 || string(r.Details) == "null" {
		return ""
	}
	return truncate(string(r.Details), 200)
}

// parseHTTPURL accepts only absolute http(s) URLs, so a hostile body cannot
// point the client at file:// or other schemes.
func parseHTTPURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("missing")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("not an absolute http(s) URL: %q", truncate(raw, 80))
	}
	return u, nil
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
