// Package settings holds DreamLayer's user settings: a typed struct stored as
// JSON in the OS config folder, validated field by field, written atomically
// and announced to the UI through the events.SettingsChanged event.
//
// A settings file that cannot be used (corrupt, invalid, or written by a newer
// DreamLayer) never stops the app: it is moved aside to
// "<path>.corrupt-<UTC time>", the app starts on defaults and the user is told
// through an events.AppNotice.
//
// API keys are deliberately absent: they live in the OS keychain (package
// secrets), never in a plain file.
package settings
