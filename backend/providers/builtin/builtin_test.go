package builtin

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/providers"
)

func TestAllBuildsEveryProviderWithItsModels(t *testing.T) {
	ps, err := All(providers.Config{Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	var names []string
	for _, p := range ps {
		names = append(names, p.Name())
		assert.NotEmpty(t, p.Models(), p.Name())
		for _, m := range p.Models() {
			assert.Equal(t, p.Name(), m.Provider)
			assert.NotEmpty(t, m.ID)
		}
	}
	assert.Equal(t, Names(), names)
	assert.ElementsMatch(t, []string{"openai", "ideogram", "bfl"}, names)

	_, err = New(providers.Config{}, "nosuch")
	assert.Error(t, err)
}
