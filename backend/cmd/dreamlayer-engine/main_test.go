package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
)

func TestArgs(t *testing.T) {
	cases := []struct {
		name           string
		given, devices []string
		want           []string
	}{
		{"no arguments, cuda linked in", nil, []string{"cpu", "cuda"}, []string{"engine", "--device", "cuda"}},
		{"no arguments, cpu only", nil, []string{"cpu"}, []string{"engine", "--device", "cpu"}},
		{"a command runs as given", []string{"bench", "generate", "--device", "cuda"}, []string{"cpu", "cuda"},
			[]string{"bench", "generate", "--device", "cuda"}},
		{"engine with flags as given", []string{"engine", "--device", "cpu"}, []string{"cpu", "cuda"},
			[]string{"engine", "--device", "cpu"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, args(tc.given, tc.devices))
		})
	}
}

// TestDevicesLinkedIn: this build (no cuda tag in go test) has the CPU
// device, so without arguments it serves the engine on cpu.
func TestDevicesLinkedIn(t *testing.T) {
	names := compute.Names()
	assert.Contains(t, names, "cpu")
	assert.Equal(t, []string{"engine", "--device", "cpu"}, args(nil, names))
}
