// Package bfl is the FLUX provider through the Black Forest Labs API:
// flux-pro-1.1, flux-pro-1.1-ultra and flux-dev draw from a prompt;
// flux-kontext-pro and flux-kontext-max also edit an input image (sent as
// base64). Every call is authenticated with an x-key header.
//
// Generation is asynchronous: POST /v1/<model> answers {id, polling_url},
// and the client polls polling_url with backoff until the task is Ready
// (result.sample is a short-lived image URL, downloaded at once), moderated
// (providers.ErrModerated) or failed, within an overall timeout. The key is
// only sent to a polling URL on the API's own site; anything else is
// polled through the base URL's /v1/get_result instead.
package bfl
