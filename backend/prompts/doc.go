// Package prompts gives users something to start from: a seeded random prompt
// generator with DreamLayer's own word lists (the same seed always gives the
// same prompt, so a "surprise me" result can be reproduced), and named styles
// that wrap a user's prompt in extra positive and negative text, stored in a
// JSON file beside the settings.
package prompts
