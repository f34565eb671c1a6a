package localengine

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultCommand(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd, err := DefaultCommand(DeviceCPU)
	require.NoError(t, err)
	assert.Equal(t, exe, cmd.Path)
	assert.Equal(t, []string{exe, "engine"}, cmd.Args)

	// The test binary's folder holds no CUDA worker.
	_, err = DefaultCommand(DeviceCUDA)
	require.ErrorIs(t, err, ErrNoCUDAWorker)
	assert.Contains(t, err.Error(), CUDAWorkerName)
}
