package gallery

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRun records command lines and fails the ones named in fail.
type fakeRun struct {
	calls []string
	fail  map[string]error
}

func (f *fakeRun) run(_ context.Context, name string, args ...string) error {
	f.calls = append(f.calls, strings.Join(append([]string{name}, args...), " | "))
	return f.fail[name]
}

func TestSystemOpenerCommands(t *testing.T) {
	tests := []struct {
		name    string
		goos    string
		reveal  bool
		path    string
		fail    map[string]error
		want    []string
		wantErr bool
	}{
		{name: "linux open", goos: "linux", path: "/home/u/out/a b.png",
			want: []string{"xdg-open | /home/u/out/a b.png"}},
		{name: "linux reveal via FileManager1", goos: "linux", reveal: true, path: "/home/u/out/a b,c.png",
			want: []string{"dbus-send | --session | --print-reply | --dest=org.freedesktop.FileManager1 | --type=method_call | " +
				"/org/freedesktop/FileManager1 | org.freedesktop.FileManager1.ShowItems | " +
				"array:string:file:///home/u/out/a%20b%2Cc.png | string:"}},
		{name: "linux reveal falls back to folder", goos: "freebsd", reveal: true, path: "/home/u/out/a.png",
			fail: map[string]error{"dbus-send": errors.New("no bus")},
			want: []string{"dbus-send", "xdg-open | /home/u/out"}},
		{name: "linux reveal fallback fails", goos: "linux", reveal: true, path: "/x/a.png",
			fail: map[string]error{"dbus-send": errors.New("no bus"), "xdg-open": errors.New("not found")},
			want: []string{"dbus-send", "xdg-open | /x"}, wantErr: true},
		{name: "mac open", goos: "darwin", path: "/Users/u/a.png", want: []string{"open | /Users/u/a.png"}},
		{name: "mac reveal", goos: "darwin", reveal: true, path: "/Users/u/a.png", want: []string{"open | -R | /Users/u/a.png"}},
		{name: "relative path refused", goos: "linux", path: "-a.png", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeRun{fail: tt.fail}
			o := NewSystemOpener(nil)
			o.goos, o.run = tt.goos, f.run
			var err error
			if tt.reveal {
				err = o.Reveal(tt.path)
			} else {
				err = o.Open(tt.path)
			}
			if tt.wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			require.Len(t, f.calls, len(tt.want))
			for i, w := range tt.want {
				assert.True(t, strings.HasPrefix(f.calls[i], w), "call %d: got %q, want prefix %q", i, f.calls[i], w)
			}
		})
	}
}

func TestSystemOpenerWindowsExplorer(t *testing.T) {
	// explorer.exe exits 1 on success; only a failure to start counts. The
	// path is absolute for Windows only when built there, so call the
	// helper directly.
	tests := []struct {
		name    string
		err     error
		wantErr bool
	}{
		{"exit status ignored", &exec.ExitError{}, false},
		{"start failure reported", exec.ErrNotFound, true},
		{"success", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeRun{fail: map[string]error{"explorer": tt.err}}
			o := &SystemOpener{goos: "windows", run: f.run}
			err := o.explorer(t.Context(), `/select,C:\out\a.png`)
			assert.Equal(t, tt.wantErr, err != nil)
			assert.Equal(t, []string{`explorer | /select,C:\out\a.png`}, f.calls)
		})
	}
}

func TestRunCommandReportsFailure(t *testing.T) {
	err := runCommand(t.Context(), "dreamlayer-no-such-launcher", "x")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dreamlayer-no-such-launcher")
}
