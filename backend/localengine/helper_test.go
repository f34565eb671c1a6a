package localengine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/engine/worker"
)

// helperEnv makes the test binary act as an engine worker: the standard Go
// trick of re-executing the test binary (os/exec's TestHelperProcess), so
// the supervisor drives a real child process with real pipes and signals.
const helperEnv = "DREAMLAYER_TEST_WORKER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

// helperMain serves the protocol on stdin/stdout:
//   - "real": the real pipeline on the CPU;
//   - "fake": fakeEngine, steered by the request's prompt;
//   - "cuda": fakeEngine, with a hello that lists a CUDA device;
//   - "silent": never says hello;
//   - "old": says hello with another protocol version.
func helperMain(mode string) int {
	hello := worker.Hello{AppVersion: "test", Devices: []worker.Device{{Name: "cpu", Description: "helper"}}, RAMBytes: 1 << 30}
	var gen worker.Generator = fakeEngine{}
	switch mode {
	case "real":
		gen = pipeline.New(cpu.New(2), pipeline.Options{Version: "test"})
	case "cuda":
		hello.Devices = []worker.Device{{Name: "cuda", Description: "fake GPU"}}
	case "silent":
		time.Sleep(time.Hour)
		return 0
	case "old":
		fmt.Println(`{"type":"hello","hello":{"protocol":999,"app_version":"0.0.1"}}`)
		time.Sleep(time.Hour)
		return 0
	}
	fmt.Fprintln(os.Stderr, "level=INFO msg=\"helper engine serving\" mode="+mode)
	if err := worker.Serve(context.Background(), os.Stdin, os.Stdout, gen, worker.Config{Hello: hello}); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	return 0
}

// fakeEngine's behaviour comes from the prompt:
//   - "crash": one step, then dies the way a Go panic does;
//   - "block": one step, then waits for cancellation;
//   - "deaf": one step, then ignores cancellation;
//   - anything else: three steps with previews and one image whose
//     Parameters carry the worker's pid (to tell restarts apart).
type fakeEngine struct{}

func (fakeEngine) Generate(ctx context.Context, req pipeline.Request, progress func(pipeline.Progress)) (pipeline.Result, error) {
	progress(pipeline.Progress{Stage: pipeline.StageSample, Step: 1, Total: 3, Preview: []byte("png1")})
	switch req.Prompt {
	case "crash":
		fmt.Fprintln(os.Stderr, "panic: boom in layer 3")
		fmt.Fprintln(os.Stderr, "")
		for i := 0; i < 40; i++ { // a goroutine dump longer than the kept tail
			fmt.Fprintf(os.Stderr, "goroutine %d [running]:\n", i)
		}
		os.Exit(2)
	case "block":
		<-ctx.Done()
		return pipeline.Result{}, ctx.Err()
	case "deaf":
		time.Sleep(time.Hour)
	}
	progress(pipeline.Progress{Stage: pipeline.StageSample, Step: 2, Total: 3})
	progress(pipeline.Progress{Stage: pipeline.StageSample, Step: 3, Total: 3})
	return pipeline.Result{Seed: 5, Steps: 3, Images: []pipeline.Image{{
		Path: filepath.Join(req.OutputDir, "5.png"), Width: 64, Height: 64, Seed: 5, Parameters: strconv.Itoa(os.Getpid())}}}, nil
}

// helperCommand returns a Command seam running the helper in the given mode
// per device; a device without a mode has no worker (ErrNoCUDAWorker).
func helperCommand(t *testing.T, modes map[string]string) func(string) (*exec.Cmd, error) {
	t.Helper()
	return func(device string) (*exec.Cmd, error) {
		mode, ok := modes[device]
		if !ok {
			return nil, fmt.Errorf("%w (test)", ErrNoCUDAWorker)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+mode)
		return cmd, nil
	}
}

// Unload has nothing to free.
func (fakeEngine) Unload() {}
