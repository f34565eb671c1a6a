// Command dreamlayer-engine is DreamLayer's engine worker as a binary of its
// own. Built with -tags cuda it is dreamlayer-engine-cuda, the only process
// that links the CUDA device: gorgonia.org/cu loads libcuda when the process
// starts and exits it when no GPU is found, which the app must survive, so
// the app runs this binary (found next to itself, see package localengine)
// instead of its own `dreamlayer engine` when the CUDA device is chosen.
//
// Without arguments it serves the engine protocol on stdin/stdout on the
// best device linked in (cuda when registered, else cpu), as
// `dreamlayer engine --device NAME` does. With arguments it is the
// DreamLayer command line, so the CUDA build can be driven and measured
// directly:
//
//	dreamlayer-engine-cuda bench generate --device cuda --model M --prompt P --json
//	dreamlayer-engine-cuda generate --device cuda --model M --prompt P --out DIR
//	dreamlayer-engine-cuda dev tiny-model --family sd1 --full --out tiny.safetensors
//	dreamlayer-engine-cuda bench kernels
package main

import (
	"context"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/dreamlayer/dreamlayer/backend/cli"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
)

func main() {
	// The first SIGINT/SIGTERM cancels the context so the engine unloads and
	// frees device memory; a second one kills the process as usual.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	env := &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	code := cli.Run(ctx, env, args(os.Args[1:], compute.Names()))
	stop()
	os.Exit(code)
}

// args is the command line to run: the caller's, or without one, the
// engine on the best device among those registered.
func args(given, devices []string) []string {
	if len(given) > 0 {
		return given
	}
	return []string{"engine", "--device", bestDevice(devices)}
}

// bestDevice prefers the GPU: the cuda build exists to use it.
func bestDevice(devices []string) string {
	if slices.Contains(devices, "cuda") {
		return "cuda"
	}
	return "cpu"
}
