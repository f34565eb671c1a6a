package prompt

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExtractNetworks(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		text     string
		networks []ExtraNetwork
	}{
		{
			"lora weight", "a cat <lora:detail:0.7>", "a cat ",
			[]ExtraNetwork{{Kind: "lora", Name: "detail", Args: []string{"0.7"}, TextWeight: 0.7, UNetWeight: 0.7}},
		},
		{
			"name with spaces and dots", "<lora:my lora.v2:0.7>, sky", ", sky",
			[]ExtraNetwork{{Kind: "lora", Name: "my lora.v2", Args: []string{"0.7"}, TextWeight: 0.7, UNetWeight: 0.7}},
		},
		{
			"default weight", "<lora:style>x", "x",
			[]ExtraNetwork{{Kind: "lora", Name: "style", Args: []string{}, TextWeight: 1, UNetWeight: 1}},
		},
		{
			"te and unet", "<lora:n:0.5:0.8>", "",
			[]ExtraNetwork{{Kind: "lora", Name: "n", Args: []string{"0.5", "0.8"}, TextWeight: 0.5, UNetWeight: 0.8}},
		},
		{
			"named args", "<lora:n:unet=0.3:te=0.6:dyn=8>", "",
			[]ExtraNetwork{{Kind: "lora", Name: "n", Args: []string{"unet=0.3", "te=0.6", "dyn=8"}, TextWeight: 0.6, UNetWeight: 0.3, DynDim: 8}},
		},
		{
			"lyco", "<lyco:loha thing: 1.2 >", "",
			[]ExtraNetwork{{Kind: "lyco", Name: "loha thing", Args: []string{" 1.2 "}, TextWeight: 1.2, UNetWeight: 1.2}},
		},
		{
			"hypernet", "<hypernet:anime_3:0.4>", "",
			[]ExtraNetwork{{Kind: "hypernet", Name: "anime_3", Args: []string{"0.4"}, TextWeight: 0.4, UNetWeight: 0.4}},
		},
		{
			"unknown kind removed too", "a <foo:bar:baz> b", "a  b",
			[]ExtraNetwork{{Kind: "foo", Name: "bar", Args: []string{"baz"}, TextWeight: 1, UNetWeight: 1}},
		},
		{
			"two tags", "<lora:a:1><lora:b:0.5>", "",
			[]ExtraNetwork{
				{Kind: "lora", Name: "a", Args: []string{"1"}, TextWeight: 1, UNetWeight: 1},
				{Kind: "lora", Name: "b", Args: []string{"0.5"}, TextWeight: 0.5, UNetWeight: 0.5},
			},
		},
		{
			"tag after a stray angle", "x<y <lora:a:2>", "x<y ",
			[]ExtraNetwork{{Kind: "lora", Name: "a", Args: []string{"2"}, TextWeight: 2, UNetWeight: 2}},
		},
		{"not tags", "a < b, <lora>, <:x>, <lora:>, <lo ra:x>, <lora:x", "a < b, <lora>, <:x>, <lora:>, <lo ra:x>, <lora:x", nil},
		{"emphasis untouched", "(a:1.2) <lora:x:1>", "(a:1.2) ", []ExtraNetwork{{Kind: "lora", Name: "x", Args: []string{"1"}, TextWeight: 1, UNetWeight: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, nets, err := ExtractNetworks(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.text, text)
			assert.Equal(t, tc.networks, nets)
		})
	}
}

func TestExtractNetworksErrors(t *testing.T) {
	for _, in := range []string{"<lora:x:abc>", "<lora:x:0.5:zz>", "<lora:x:te=>", "<lora:x:1:1:big>", "<hypernet:h:?>"} {
		t.Run(in, func(t *testing.T) {
			_, _, err := ExtractNetworks(in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), in, "the error names the tag")
		})
	}
}
