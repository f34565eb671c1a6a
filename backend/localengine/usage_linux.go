package localengine

import (
	"fmt"
	"os"
	"strconv"
)

// readProcStat samples a process from /proc.
func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, fmt.Errorf("read process %d: %w", pid, err)
	}
	return parseProcStat(data, os.Getpagesize())
}
