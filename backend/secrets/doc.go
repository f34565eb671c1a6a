// Package secrets keeps the API keys of cloud providers (OpenAI, Ideogram,
// Black Forest Labs) in the operating system's keychain, never in the
// settings file. An environment variable per provider overrides the keychain,
// and when no keychain answers (a headless Linux box without Secret Service, a
// locked keyring) keys are kept in memory for the session only, and the UI is
// told so.
//
// A keychain call can block indefinitely (a locked GNOME keyring waiting for a
// prompt nobody sees), so every call runs under a timeout. Keys never appear in
// errors or logs: log them only as Redacted.
package secrets
