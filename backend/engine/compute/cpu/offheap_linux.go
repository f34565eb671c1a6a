package cpu

import "syscall"

// adviseHuge asks for transparent huge pages on an anonymous mapping (a
// hint: ignored where THP is off).
func adviseHuge(mem []byte) { _ = syscall.Madvise(mem, syscall.MADV_HUGEPAGE) }
