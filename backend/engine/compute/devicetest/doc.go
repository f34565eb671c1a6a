// Package devicetest is the conformance suite every compute.Device must pass.
//
// A device's package calls Run(t, dev) from its tests. Each Device method has
// cases on awkward sizes (1, primes, tile sizes ±1, widths that are not a
// multiple of the vector length) compared against plain float64 references
// written here, plus error cases for bad shapes. The package's own test
// enumerates the Device interface by reflection and fails when a method has
// no cases, so a new operation cannot land without them.
package devicetest
