package remote

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name, in string
		want     Message
		err      string
	}{
		{"executing", `{"type":"executing","data":{"node":"3","display_node":"3","prompt_id":"p"}}`,
			Message{Type: MsgExecuting, PromptID: "p", Node: "3"}, ""},
		{"done", `{"type":"executing","data":{"node":null,"prompt_id":"p"}}`,
			Message{Type: MsgExecuting, PromptID: "p", Done: true}, ""},
		{"progress", `{"type":"progress","data":{"value":2,"max":20,"prompt_id":"p","node":"3"}}`,
			Message{Type: MsgProgress, PromptID: "p", Node: "3", Value: 2, Max: 20}, ""},
		{"progress float", `{"type":"progress","data":{"value":2.0,"max":20.0,"prompt_id":"p","node":"3"}}`,
			Message{Type: MsgProgress, PromptID: "p", Node: "3", Value: 2, Max: 20}, ""},
		{"executed", `{"type":"executed","data":{"node":"9","output":{"images":[{"filename":"a.png","subfolder":"","type":"output"}]},"prompt_id":"p"}}`,
			Message{Type: MsgExecuted, PromptID: "p", Node: "9", Images: []ImageRef{{Filename: "a.png", Type: "output"}}}, ""},
		{"cached", `{"type":"execution_cached","data":{"nodes":["4","6"],"prompt_id":"p","timestamp":1}}`,
			Message{Type: MsgExecutionCached, PromptID: "p", Cached: []string{"4", "6"}}, ""},
		{"error", `{"type":"execution_error","data":{"prompt_id":"p","node_id":"3","node_type":"KSampler","exception_message":"OOM","exception_type":"torch.OutOfMemoryError","traceback":[]}}`,
			Message{Type: MsgExecutionError, PromptID: "p", Node: "3", NodeType: "KSampler", ErrorMessage: "OOM", ErrorType: "torch.OutOfMemoryError"}, ""},
		{"status", `{"type":"status","data":{"status":{"exec_info":{"queue_remaining":2}},"sid":"x"}}`,
			Message{Type: MsgStatus, QueueRemaining: 2}, ""},
		{"extension", `{"type":"crystools.monitor","data":[1,2]}`, Message{Type: "crystools.monitor"}, ""},
		{"not json", `nope`, Message{}, "not a JSON object"},
		{"no type", `{"data":{}}`, Message{}, "type"},
		{"no prompt id", `{"type":"executing","data":{"node":"3"}}`, Message{}, "prompt_id"},
		{"progress past max", `{"type":"progress","data":{"value":21,"max":20,"prompt_id":"p"}}`, Message{}, "past max"},
		{"negative", `{"type":"progress","data":{"value":-1,"max":20,"prompt_id":"p"}}`, Message{}, "out of range"},
		{"fraction", `{"type":"progress","data":{"value":1.5,"max":20,"prompt_id":"p"}}`, Message{}, "whole number"},
		{"path in filename", `{"type":"executed","data":{"node":"9","output":{"images":[{"filename":"../x.png","type":"output"}]},"prompt_id":"p"}}`, Message{}, "plain file name"},
		{"bad image type", `{"type":"executed","data":{"node":"9","output":{"images":[{"filename":"x.png","type":"secret"}]},"prompt_id":"p"}}`, Message{}, "image type"},
		{"climbing subfolder", `{"type":"executed","data":{"node":"9","output":{"images":[{"filename":"x.png","subfolder":"a/../..","type":"output"}]},"prompt_id":"p"}}`, Message{}, "climbs"},
		{"data not object", `{"type":"progress","data":"x"}`, Message{}, "expected shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMessage([]byte(tt.in))
			if tt.err != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrProtocol)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseMessageTooLarge(t *testing.T) {
	_, err := ParseMessage(make([]byte, MaxMessageBytes+1))
	assert.ErrorIs(t, err, ErrProtocol)
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"executing","data":{"node":null,"prompt_id":"p"}}`,
		`{"type":"progress","data":{"value":2,"max":20,"prompt_id":"p","node":"3"}}`,
		`{"type":"executed","data":{"node":"9","output":{"images":[{"filename":"a.png","subfolder":"","type":"output"}]},"prompt_id":"p"}}`,
		`{"type":"execution_cached","data":{"nodes":["4"],"prompt_id":"p"}}`,
		`{"type":"status","data":{"status":{"exec_info":{"queue_remaining":1e400}}}}`,
		`{"type":"execution_error","data":{"prompt_id":"p","node_id":3}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage(data)
		if err != nil {
			return
		}
		if m.Type == MsgProgress && (m.Value < 0 || m.Value > m.Max) {
			t.Fatalf("accepted progress %d/%d", m.Value, m.Max)
		}
		for _, ref := range m.Images {
			if ref.validate() != nil {
				t.Fatalf("accepted image %+v", ref)
			}
		}
	})
}

func TestParseHistory(t *testing.T) {
	body := `{"p":{"prompt":[0,"p",{},{},[]],"outputs":{"10":{"images":[{"filename":"b.png","subfolder":"","type":"temp"}]},"9":{"images":[{"filename":"a.png","subfolder":"s","type":"output"}]},"11":{"text":["hi"]}},"status":{"status_str":"success","completed":true,"messages":[]}}}`
	h, ok, err := parseHistory([]byte(body), "p")
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, h.Completed)
	assert.False(t, h.Failed)
	assert.Equal(t, []nodeImage{
		{Node: "9", Ref: ImageRef{Filename: "a.png", Subfolder: "s", Type: "output"}},
		{Node: "10", Ref: ImageRef{Filename: "b.png", Type: "temp"}},
	}, h.Images, "numeric node order")

	_, ok, err = parseHistory([]byte(`{}`), "p")
	require.NoError(t, err)
	assert.False(t, ok, "not written yet")

	_, _, err = parseHistory([]byte(`{"p":{"outputs":{"9":{"images":[{"filename":"/etc/passwd","type":"output"}]}}}}`), "p")
	assert.ErrorIs(t, err, ErrProtocol)
	_, _, err = parseHistory([]byte(`[]`), "p")
	assert.ErrorIs(t, err, ErrProtocol)
}

func FuzzParseHistory(f *testing.F) {
	f.Add([]byte(`{"p":{"outputs":{"9":{"images":[{"filename":"a.png","subfolder":"","type":"output"}]}},"status":{"status_str":"success","completed":true}}}`))
	f.Add([]byte(`{"p":{"outputs":{}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, _, err := parseHistory(data, "p")
		if err != nil {
			return
		}
		for _, img := range h.Images {
			if img.Ref.validate() != nil || !validID(img.Node) {
				t.Fatalf("accepted %+v", img)
			}
		}
	})
}

func TestParseRejection(t *testing.T) {
	e := parseRejection("http://s", []byte(`{"error":{"type":"prompt_outputs_failed_validation","message":"Prompt outputs failed validation","details":"","extra_info":{}},"node_errors":{"3":{"errors":[{"type":"value_not_in_list","message":"Value not in list","details":"sampler_name: 'x' not in [...]"}],"dependent_outputs":["9"],"class_type":"KSampler"}}}`))
	assert.Equal(t, "Prompt outputs failed validation", e.Message)
	require.Len(t, e.Nodes, 1)
	assert.Equal(t, "3", e.Nodes[0].ID)
	assert.Equal(t, "KSampler", e.Nodes[0].Class)
	assert.Contains(t, e.Error(), "Value not in list: sampler_name")

	e = parseRejection("http://s", []byte(`{"error":{"type":"invalid_prompt","message":"Cannot execute because node X does not exist.","details":"Node ID '#3'"},"node_errors":[]}`))
	assert.Equal(t, "Cannot execute because node X does not exist.: Node ID '#3'", e.Message)
	assert.Empty(t, e.Nodes)

	e = parseRejection("http://s", []byte(`<html>`))
	assert.ErrorIs(t, e, ErrRejected)
}

func FuzzParseRejection(f *testing.F) {
	f.Add([]byte(`{"error":{"message":"m"},"node_errors":{"3":{"errors":[{"message":"x","details":"steps"}],"class_type":"KSampler"}}}`))
	f.Add([]byte(`{"error":"text","node_errors":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e := parseRejection("http://s", data)
		if len(e.Nodes) > 64 || e.Message == "" {
			t.Fatalf("unbounded or empty rejection: %d nodes", len(e.Nodes))
		}
	})
}
