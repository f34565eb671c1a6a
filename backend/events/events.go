package events

// Event names shared with the TypeScript side (frontend/src/lib/events.ts).
// Payloads always carry the id of the thing that changed.
const (
	// CatalogChanged carries a catalog.Event: a model was added, changed or removed.
	CatalogChanged = "catalog:changed"
	// JobsChanged carries a jobs.Job whose state changed.
	JobsChanged = "jobs:changed"
	// JobsReordered carries a jobs.Reorder: the queued jobs of one provider
	// in their new start order, after a move.
	JobsReordered = "jobs:reordered"
	// JobsProgress carries a jobs.Progress for a running job.
	JobsProgress = "jobs:progress"
	// SettingsChanged carries the new settings.Settings.
	SettingsChanged = "settings:changed"
	// GalleryChanged carries a gallery.Change: an output was added or deleted.
	GalleryChanged = "gallery:changed"
	// AppNotice carries a Notice for the user (for example a corrupt settings file).
	AppNotice = "app:notice"
)

// Emitter sends one event to whoever listens. Implementations must be safe for
// concurrent use and must not block for long.
type Emitter interface {
	Emit(name string, payload any)
}

// EmitterFunc adapts a function to the Emitter interface.
type EmitterFunc func(name string, payload any)

// Emit calls f(name, payload).
func (f EmitterFunc) Emit(name string, payload any) { f(name, payload) }

// Nop is an Emitter that drops every event.
type Nop struct{}

// Emit does nothing.
func (Nop) Emit(string, any) {}

// Notice is a message for the user that did not come from a request, such as
// "settings file was corrupt; started on defaults".
type Notice struct {
	Level   string `json:"level"` // "info", "warning" or "error"
	Message string `json:"message"`
}
