// Package ideogram is the Ideogram V3 provider: text-to-image through
// POST /v1/ideogram-v3/generate and img2img through POST
// /v1/ideogram-v3/remix, both multipart/form-data authenticated with an
// Api-Key header.
//
// The result URLs Ideogram returns are short-lived, so Generate downloads
// every image before it returns. An image the service flags with
// is_image_safe=false is dropped; when none is left the call fails with
// providers.ErrModerated. HTTP reliability (timeouts, retries, Retry-After,
// bounded reads, header redaction) lives in providers/httpx.
package ideogram
