// Package version reports which build of DreamLayer is running. Version and
// Commit are stamped by the linker (-ldflags "-X …"); they are never changed at
// run time.
package version

import "runtime"

// Set by the linker: go build -ldflags "-X github.com/dreamlayer/dreamlayer/backend/version.Version=0.2.0".
var (
	Version = "0.1.0-dev"
	Commit  = "unknown"
)

// Info describes the running build.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// Get returns the build's description.
func Get() Info {
	return Info{Version: Version, Commit: Commit, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
}
