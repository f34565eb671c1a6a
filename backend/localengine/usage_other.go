//go:build !linux

package localengine

// readProcStat has no cheap source outside Linux; jobs there record only
// their device.
func readProcStat(int) (procStat, error) { return procStat{}, errNoProcStats }
