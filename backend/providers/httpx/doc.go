// Package httpx is the HTTP layer every cloud provider shares, so that each
// adapter only maps requests and responses and reliability is written once:
//
//   - a timeout on every attempt (Client.Timeout), covering the body read;
//   - retries with exponential backoff and full jitter on 429, 5xx and
//     network errors, honouring Retry-After (seconds or an HTTP date, capped
//     at MaxDelay), never on other 4xx answers (validation, auth, moderation),
//     never after the caller's context is done;
//   - bounded reads (ReadLimited, DecodeJSON, Download) so a misbehaving
//     server cannot make us allocate without limit;
//   - logs that name the method, host, path, status and timing, and show
//     credential headers (Authorization, x-key, Api-Key, …) only as
//     "[redacted]".
//
// Full jitter (a delay drawn uniformly from [0, min(MaxDelay, BaseDelay·2^n)])
// follows AWS's "Exponential Backoff and Jitter" (2015): it spreads the
// retries of many clients best. The package is a leaf: it knows nothing of
// providers, keys or images.
package httpx
