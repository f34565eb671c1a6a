package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
)

func ptr[T any](v T) *T { return &v }

func TestRoundTrip(t *testing.T) {
	req := pipeline.Request{Model: "/m/a.safetensors", Prompt: "a cat", Steps: 2, CFGScale: ptr(5.0),
		Seed: ptr(int64(42)), Width: 64, Height: 64, OutputDir: "/out", Hires: &pipeline.Hires{Scale: 2, Denoise: ptr(0.5)}}
	tests := []struct {
		name string
		msg  Message
	}{
		{"hello", Message{Type: TypeHello, Hello: &Hello{Protocol: 1, AppVersion: "0.1.0", Devices: []Device{{"cpu", "linux/amd64 CPU"}}, RAMBytes: 8 << 30}}},
		{"progress", Message{Type: TypeProgress, JobID: "j1", Progress: &Progress{Stage: pipeline.StageSample, Batch: 1, Step: 3, Total: 20, PreviewPNG: []byte{0x89, 'P', 'N', 'G', 0, 255}}}},
		{"result", Message{Type: TypeResult, JobID: "j1", Result: &Result{Seed: 42, Steps: 2, Timings: pipeline.Timings{TotalS: 1.5},
			Images: []Image{{Path: "/out/42.png", Width: 64, Height: 64, Seed: 42, Parameters: "a cat\nSteps: 2"}}}}},
		{"error", Message{Type: TypeError, JobID: "j1", Error: &Error{Kind: KindCancelled, Message: "context canceled"}}},
		{"loaded", Message{Type: TypeLoaded, Model: "/m/a.safetensors"}},
		{"unloaded", Message{Type: TypeUnloaded, Model: "/m/a.safetensors"}},
		{"load", Message{Type: TypeLoad, Model: "/m/a.safetensors"}},
		{"unload", Message{Type: TypeUnload, Model: "/m/a.safetensors"}},
		{"generate", Message{Type: TypeGenerate, JobID: "j1", Request: &req}},
		{"cancel", Message{Type: TypeCancel, JobID: "j1"}},
		{"shutdown", Message{Type: TypeShutdown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, err := Encode(tt.msg)
			require.NoError(t, err)
			require.Equal(t, byte('\n'), line[len(line)-1])
			require.Equal(t, 1, bytes.Count(line, []byte{'\n'}), "one message is one line")
			got, err := Decode(line)
			require.NoError(t, err)
			assert.Equal(t, tt.msg, got)
		})
	}
}

func TestWireNames(t *testing.T) {
	// The field names are the protocol; other ends (and old workers) rely on them.
	line, err := Encode(Message{Type: TypeProgress, JobID: "j", Progress: &Progress{Stage: "sample", Step: 1, Total: 2, PreviewPNG: []byte("hi")}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"progress","job_id":"j","progress":{"stage":"sample","batch":0,"step":1,"total":2,"preview_png_base64":"aGk="}}`, string(line))
}

func TestDecodeBad(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"not json", `{"type":`, "bad message"},
		{"no type", `{"job_id":"x"}`, "no type"},
		{"unknown type", `{"type":"reboot"}`, `unknown type "reboot"`},
		{"generate without job", `{"type":"generate","request":{"model":"m"}}`, "generate needs job_id"},
		{"generate without request", `{"type":"generate","job_id":"j"}`, "generate needs job_id and a request"},
		{"cancel without job", `{"type":"cancel"}`, "cancel needs job_id"},
		{"load without model", `{"type":"load"}`, "load needs model"},
		{"error without kind", `{"type":"error","error":{"message":"x"}}`, "error payload with a kind"},
		{"wrong field type", `{"type":"cancel","job_id":7}`, "bad message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.line))
			require.ErrorIs(t, err, ErrBadMessage)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	_, err := Encode(Message{Type: TypeResult, JobID: "j"})
	require.ErrorIs(t, err, ErrBadMessage)
}

func TestReaderSurvivesBadLines(t *testing.T) {
	in := strings.Join([]string{
		`{"type":"cancel","job_id":"a"}`,
		`garbage`,
		``,
		`{"type":"load","model":"` + strings.Repeat("x", 200) + `"}`, // over the limit below
		`{"type":"nope"}`,
		`  {"type":"shutdown"}  `,
		`{"type":"cancel","job_id":"last"}`, // no trailing newline
	}, "\n")
	r := NewReader(strings.NewReader(in), 100)
	var got []string
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		switch {
		case errors.Is(err, ErrLineTooLong):
			got = append(got, "too long")
		case errors.Is(err, ErrBadMessage):
			got = append(got, "bad")
		case err != nil:
			t.Fatalf("unexpected error %v", err)
		default:
			got = append(got, string(m.Type)+":"+m.JobID)
		}
	}
	assert.Equal(t, []string{"cancel:a", "bad", "too long", "bad", "shutdown:", "cancel:last"}, got)
}

func TestReaderTooLongAtEOF(t *testing.T) {
	r := NewReader(strings.NewReader(strings.Repeat("y", 500)), 100)
	_, err := r.Next()
	require.ErrorIs(t, err, ErrLineTooLong)
	_, err = r.Next()
	require.ErrorIs(t, err, io.EOF)
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want ErrorKind
	}{
		{"cancelled", context.Canceled, KindCancelled},
		{"deadline", context.DeadlineExceeded, KindCancelled},
		{"invalid request", errors.Join(errors.New("x"), pipeline.ErrInvalidRequest), KindBadInput},
		{"unsupported", errors.Join(errors.New("load"), detect.ErrUnsupportedModel), KindUnsupportedModel},
		{"missing file", fmt.Errorf("model: %w", fs.ErrNotExist), KindBadInput},
		{"sentinel oom", errors.Join(errors.New("alloc"), ErrOutOfMemory), KindOutOfMemory},
		{"cuda oom text", errors.New("cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY"), KindOutOfMemory},
		{"other", errors.New("boom"), KindInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Classify(tt.err))
		})
	}
}

func TestRemoteErrorIs(t *testing.T) {
	tests := []struct {
		kind ErrorKind
		want error
	}{
		{KindCancelled, context.Canceled},
		{KindBadInput, pipeline.ErrInvalidRequest},
		{KindUnsupportedModel, detect.ErrUnsupportedModel},
		{KindOutOfMemory, ErrOutOfMemory},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			err := (&Error{Kind: tt.kind, Message: "m"}).Err()
			assert.ErrorIs(t, err, tt.want)
			assert.NotErrorIs(t, (&Error{Kind: KindInternal, Message: "m"}).Err(), tt.want)
			assert.Equal(t, "m", err.Error())
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"type":"generate","job_id":"j","request":{"model":"m","steps":2,"seed":-1}}`))
	f.Add([]byte(`{"type":"hello","hello":{"protocol":1,"devices":[{"name":"cpu"}]}}`))
	f.Add([]byte(`{"type":"progress","job_id":"j","progress":{"preview_png_base64":"!!"}}`))
	f.Add([]byte(`{"type":"cancel","job_id":"j"}` + "\n" + `{"type":`))
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The reader never fails on content, only at the end of input.
		r := NewReader(bytes.NewReader(data), 256)
		for i := 0; ; i++ {
			require.LessOrEqual(t, i, len(data)+1, "reader did not reach the end")
			if _, err := r.Next(); errors.Is(err, io.EOF) {
				break
			} else if err != nil && !errors.Is(err, ErrBadMessage) && !errors.Is(err, ErrLineTooLong) {
				t.Fatalf("reader error %v", err)
			}
		}
		m, err := Decode(data)
		if err != nil {
			require.ErrorIs(t, err, ErrBadMessage)
			return
		}
		// Whatever decodes must encode again and decode to the same thing.
		line, err := Encode(m)
		require.NoError(t, err)
		m2, err := Decode(line)
		require.NoError(t, err)
		require.Equal(t, m.Type, m2.Type)
		require.Equal(t, m.JobID, m2.JobID)
		require.Equal(t, m.Model, m2.Model)
	})
}
