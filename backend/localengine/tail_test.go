package localengine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTailWriter(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		cause  string
		tail   int
	}{
		{"nothing", nil, "", 0},
		{"last lines", []string{"a\nb\n", "c\nd\n"}, "b; c; d", 4},
		{"line split across writes", []string{"loading mo", "del\r\n", "\n  \n"}, "loading model", 1},
		{"unterminated last line", []string{"one\ntwo"}, "one; two", 1},
		{"panic beats the dump", []string{"ok\npanic: nil map\n\n" + strings.Repeat("goroutine 1 [running]:\n", 50)}, "panic: nil map", tailLines},
		{"fatal error", []string{"fatal error: concurrent map writes\n"}, "fatal error: concurrent map writes", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &tailWriter{}
			for _, s := range tt.writes {
				n, err := w.Write([]byte(s))
				assert.NoError(t, err)
				assert.Equal(t, len(s), n)
			}
			assert.Equal(t, tt.cause, w.Cause())
			assert.Len(t, w.Tail(), tt.tail)
		})
	}
}

func TestTailWriterBounds(t *testing.T) {
	w := &tailWriter{}
	_, _ = fmt.Fprint(w, strings.Repeat("x", 1<<20)+"\n")
	for i := 0; i < 100; i++ {
		_, _ = fmt.Fprintf(w, "line %d\n", i)
	}
	tail := w.Tail()
	assert.Len(t, tail, tailLines)
	assert.Equal(t, "line 99", tail[len(tail)-1])
	w2 := &tailWriter{}
	_, _ = fmt.Fprint(w2, strings.Repeat("y", 1<<20)+"\n")
	assert.Len(t, w2.Tail()[0], maxTailLine, "a huge line is cut")
}
