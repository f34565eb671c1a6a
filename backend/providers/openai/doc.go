// Package openai is the OpenAI image provider: dall-e-2, dall-e-3 and
// gpt-image-1, text-to-image and edits, through
// github.com/sashabaranov/go-openai where its request types fit and through
// providers/httpx directly where they do not.
//
// go-openai's ImageEditRequest always writes response_format (gpt-image-1
// rejects the field: it always answers base64) and a single "image" part
// (gpt-image-1 edits take several as image[]), so gpt-image-1 edits are built
// here as multipart forms. Generations go through go-openai for every model:
// its ImageRequest omits an empty response_format, and b64_json is asked for
// dall-e-2/3 only.
//
// go-openai's HTTP client gets a transport that applies httpx's timeouts and
// retries and caps response bodies at httpx.MaxJSONBytes (go-openai itself
// reads bodies without limit).
package openai
