package localengine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// CUDAWorkerName is the CUDA worker binary looked for next to the app
// (built from backend/cmd/dreamlayer-engine with -tags cuda).
const CUDAWorkerName = "dreamlayer-engine-cuda"

// DefaultCommand runs this executable as `dreamlayer engine` for the CPU,
// and the CUDA worker binary next to it (which serves without arguments)
// for CUDA.
func DefaultCommand(device string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the app binary: %w", err)
	}
	if device != DeviceCUDA {
		return exec.Command(exe, "engine"), nil
	}
	name := CUDAWorkerName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	path := filepath.Join(filepath.Dir(exe), name)
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return nil, fmt.Errorf("%w (%s not found)", ErrNoCUDAWorker, path)
	}
	return exec.Command(path), nil
}
