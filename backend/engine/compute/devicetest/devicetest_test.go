package devicetest

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
)

// TestEveryMethodHasCases fails when compute.Device gains a method that the
// suite does not exercise (STYLE §3).
func TestEveryMethodHasCases(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range cases() {
		require.False(t, covered[c.method], "method %s listed twice", c.method)
		covered[c.method] = true
	}
	iface := reflect.TypeFor[compute.Device]()
	for i := 0; i < iface.NumMethod(); i++ {
		name := iface.Method(i).Name
		require.True(t, covered[name], "compute.Device.%s has no conformance cases", name)
		delete(covered, name)
	}
	require.Empty(t, covered, "cases for methods the interface does not have")
}
