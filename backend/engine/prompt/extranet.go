package prompt

import (
	"fmt"
	"strconv"
	"strings"
)

// ExtraNetwork is one <kind:name:args…> tag (A1111's extra networks).
type ExtraNetwork struct {
	// Kind is the word before the first ':' as written: "lora", "lyco",
	// "hypernet", or any other (A1111 removes every such tag from the
	// prompt and warns about kinds it does not know).
	Kind string
	// Name is the first argument, verbatim: it may hold spaces and dots
	// ("my lora.v2").
	Name string
	// Args are the ':'-separated arguments after the name, verbatim.
	Args []string
	// TextWeight and UNetWeight are the multipliers for the text encoder
	// and the UNet. For lora and lyco they are the first and second
	// positional arguments or te=/unet= (default 1.0; UNetWeight defaults
	// to TextWeight); for a hypernet both are its one multiplier; for other
	// kinds both are 1.
	TextWeight, UNetWeight float64
	// DynDim is a lora's dyn= (or third positional) dimension limit; 0
	// means unset.
	DynDim int
}

// ExtractNetworks removes every extra-network tag from text, as A1111's
// extra_networks.parse_prompt does with the pattern <(\w+):([^>]+)>, and
// returns the remaining text and the tags. A lora, lyco or hypernet weight
// that is not a number is an error (A1111 fails the generation on it).
func ExtractNetworks(text string) (string, []ExtraNetwork, error) {
	var (
		sb       strings.Builder
		networks []ExtraNetwork
		last     int
	)
	for i := 0; i < len(text); i++ {
		if text[i] != '<' {
			continue
		}
		kind, args, end, ok := matchTag(text, i)
		if !ok {
			continue
		}
		n, err := newExtraNetwork(kind, args)
		if err != nil {
			return "", nil, fmt.Errorf("extra network %q: %w", text[i:end], err)
		}
		networks = append(networks, n)
		sb.WriteString(text[last:i])
		last = end
		i = end - 1
	}
	if networks == nil {
		return text, nil, nil
	}
	sb.WriteString(text[last:])
	return sb.String(), networks, nil
}

// matchTag matches <(\w+):([^>]+)> at text[i] == '<'.
func matchTag(text string, i int) (kind, args string, end int, ok bool) {
	j := i + 1
	for j < len(text) {
		r, n := decodeRune(text, j)
		if !isPyWord(r) {
			break
		}
		j += n
	}
	if j == i+1 || j >= len(text) || text[j] != ':' {
		return "", "", 0, false
	}
	close := strings.IndexByte(text[j+1:], '>')
	if close < 1 { // no '>' or nothing between ':' and '>'
		return "", "", 0, false
	}
	return text[i+1 : j], text[j+1 : j+1+close], j + 1 + close + 1, true
}

func newExtraNetwork(kind, args string) (ExtraNetwork, error) {
	items := strings.Split(args, ":")
	n := ExtraNetwork{Kind: kind, Name: items[0], Args: items[1:], TextWeight: 1, UNetWeight: 1}

	// A1111's ExtraNetworkParams: an item holding exactly one '=' is named,
	// every other item is positional. The name is always the first
	// positional here; A1111 would take a name containing one '=' as a
	// named argument and then fail or misread the tag.
	positional := []string{items[0]}
	named := map[string]string{}
	for _, it := range items[1:] {
		if k, v, found := strings.Cut(it, "="); found && !strings.Contains(v, "=") {
			named[k] = v
			continue
		}
		positional = append(positional, it)
	}

	var err error
	switch kind {
	case "lora", "lyco":
		// extensions-builtin/Lora/extra_networks_lora.py: te from the 2nd
		// positional or te=, unet from the 3rd or unet= (else te), dyn
		// from the 4th or dyn=.
		if len(positional) > 1 {
			if n.TextWeight, err = parseWeight(positional[1]); err != nil {
				return n, err
			}
		}
		if v, ok := named["te"]; ok {
			if n.TextWeight, err = parseWeight(v); err != nil {
				return n, err
			}
		}
		n.UNetWeight = n.TextWeight
		if len(positional) > 2 {
			if n.UNetWeight, err = parseWeight(positional[2]); err != nil {
				return n, err
			}
		}
		if v, ok := named["unet"]; ok {
			if n.UNetWeight, err = parseWeight(v); err != nil {
				return n, err
			}
		}
		dyn := ""
		if len(positional) > 3 {
			dyn = positional[3]
		}
		if v, ok := named["dyn"]; ok {
			dyn = v
		}
		if dyn != "" {
			if n.DynDim, err = strconv.Atoi(strings.TrimSpace(dyn)); err != nil {
				return n, fmt.Errorf("dyn %q is not an integer", dyn)
			}
		}
	case "hypernet":
		// extra_networks_hypernet.py reads items[1] whatever its form.
		if len(items) > 1 {
			if n.TextWeight, err = parseWeight(items[1]); err != nil {
				return n, err
			}
		}
		n.UNetWeight = n.TextWeight
	}
	return n, nil
}

// parseWeight reads a multiplier as Python's float() does for the forms
// people write: surrounding whitespace is allowed.
func parseWeight(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("weight %q is not a number", s)
	}
	return v, nil
}
