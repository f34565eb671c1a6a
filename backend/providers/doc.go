// Package providers is what every cloud image service (OpenAI, Ideogram,
// FLUX through Black Forest Labs) has in common: the capability description a
// model picker and a validator read (Capabilities, Model), the request and
// result types (Request, Image), the error classes callers branch on
// (ErrModerated, ErrInvalidKey, ErrInvalidRequest, ErrUnavailable), a table of
// built-in constructors (Builtin, Config), and JobProvider, which runs a
// Provider inside the jobs queue and saves its images through an
// outputs-style Saver.
//
// Each service lives in its own subpackage (providers/openai,
// providers/ideogram, providers/bfl) and talks HTTP through providers/httpx,
// which owns timeouts, retries with backoff, Retry-After, bounded reads and
// log redaction, so adapters only map requests and responses.
//
// Subpackages import this package, never the other way round; the table of
// built-in providers is providers/builtin, which imports them all.
//
// Writing a provider (ideogram, bfl follow openai):
//
//   - export `var Constructor = providers.Constructor{Name: "x", New: New}`
//     with `func New(cfg providers.Config) (providers.Provider, error)`, and
//     add it to builtin's table;
//   - resolve the API root with cfg.BaseURL(name, DefaultBaseURL) (the
//     DREAMLAYER_<NAME>_BASE_URL variable, then settings, then the default);
//   - send through cfg.Client() (httpx: Do/DoJSON/Download), read the key on
//     every call with cfg.Key(ctx, secrets.X);
//   - in Generate, call providers.FindModel and Model.Validate first; map
//     error answers with NewAPIError/Classify (passing the key so it is
//     scrubbed) and moderation refusals to *ModeratedError;
//   - download result URLs at once (they expire) with Client.Download.
package providers
