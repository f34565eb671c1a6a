// Package bench measures the CPU engine's kernels against the machine's
// FMA peak: it backs `dreamlayer bench kernels`. Each Case is timed after a
// warm-up, and PeakFMA measures the peak with a loop of independent FMAs in
// assembly, so every result can say what fraction of the hardware it uses.
package bench
