package detect

import "fmt"

// findVAE returns where an LDM AutoencoderKL's keys start.
func findVAE(x *index) (string, bool) {
	for _, p := range [...]string{"first_stage_model.", "vae.", ""} {
		if x.has(p+"encoder.conv_in.weight") || x.has(p+"decoder.conv_in.weight") {
			return p, true
		}
	}
	return "", false
}

// vaeFromShapes reads the autoencoder's widths from the encoder, or from
// the decoder for decoder-only files. LDM stores decoder.up reversed, so
// up.i is level i, as down.i is.
func vaeFromShapes(x *index, p string) (*VAEConfig, error) {
	c := &VAEConfig{Prefix: p}
	var err error
	if x.has(p + "encoder.conv_in.weight") {
		if c.Channels, err = x.dim(p+"encoder.conv_in.weight", 4, 0); err != nil {
			return nil, err
		}
		if c.ZChannels, err = x.dim(p+"encoder.conv_out.weight", 4, 0); err != nil {
			return nil, err
		}
		if c.ZChannels%2 != 0 {
			return nil, unsupported("VAE encoder outputs %d channels, want mean and log-variance", c.ZChannels)
		}
		c.ZChannels /= 2
		c.NumResBlocks = x.count(p + "encoder.down.0.block.%d.")
		c.ChannelMult, err = vaeLevels(x, p+"encoder.down.%d.", c.Channels, c.NumResBlocks)
		return c, err
	}
	if c.Channels, err = x.dim(p+"decoder.conv_out.weight", 4, 1); err != nil {
		return nil, err
	}
	if c.ZChannels, err = x.dim(p+"decoder.conv_in.weight", 4, 1); err != nil {
		return nil, err
	}
	c.NumResBlocks = x.count(p+"decoder.up.0.block.%d.") - 1
	c.ChannelMult, err = vaeLevels(x, p+"decoder.up.%d.", c.Channels, c.NumResBlocks+1)
	return c, err
}

// vaeLevels reads each level's multiplier from its last block's conv2 and
// checks every level has nBlocks blocks.
func vaeLevels(x *index, levelFormat string, ch, nBlocks int) ([]int, error) {
	n := x.count(levelFormat)
	if n == 0 || nBlocks < 1 {
		return nil, unsupported("VAE has no resolution levels")
	}
	var mult []int
	for i := range n {
		lp := fmt.Sprintf(levelFormat, i)
		if got := x.count(lp + "block.%d."); got != nBlocks {
			return nil, unsupported("VAE level %s has %d blocks, want %d", lp, got, nBlocks)
		}
		w, err := x.dim(fmt.Sprintf("%sblock.%d.conv2.weight", lp, nBlocks-1), 4, 0)
		if err != nil {
			return nil, err
		}
		if w%ch != 0 {
			return nil, unsupported("VAE level %s width %d is not a multiple of %d", lp, w, ch)
		}
		mult = append(mult, w/ch)
	}
	return mult, nil
}
