// Command testreport reads `go test -json` on stdin, prints a short report
// (one line per package, the full output of failing tests) and appends the
// counts to a tally file, so .ci/test-suites can sum every suite.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	tally := flag.String("tally", "", "append 'suite passed failed skipped' to this file")
	suite := flag.String("suite", "go", "suite name for the tally")
	flag.Parse()

	outputs := map[string]*strings.Builder{} // package/test → output
	var passed, failed, skipped int
	var failures []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var ev event
		if err := json.Unmarshal(line, &ev); err != nil {
			// Build errors and other non-JSON lines: show them as they are.
			fmt.Println(string(line))
			continue
		}
		key := ev.Package + " " + ev.Test
		switch ev.Action {
		case "output":
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			if b.Len() < 64<<10 {
				b.WriteString(ev.Output)
			}
		case "build-output":
			fmt.Print(ev.Output)
		case "build-fail":
			fmt.Printf("FAIL  %s (build failed)\n", ev.Package)
			failed++
		case "pass":
			if ev.Test != "" {
				passed++
			} else {
				fmt.Printf("ok    %s (%.1fs)\n", ev.Package, ev.Elapsed)
			}
		case "skip":
			if ev.Test != "" {
				skipped++
			}
		case "fail":
			if ev.Test != "" {
				failed++
				failures = append(failures, key)
			} else {
				fmt.Printf("FAIL  %s (%.1fs)\n", ev.Package, ev.Elapsed)
				if b := outputs[key]; b != nil && !strings.Contains(b.String(), "--- FAIL") {
					// A package that failed without a failing test: build error, panic, timeout.
					failed++
					failures = append(failures, key)
				}
			}
		}
	}
	sort.Strings(failures)
	for _, k := range failures {
		fmt.Printf("\n--- output of %s\n", k)
		if b := outputs[k]; b != nil {
			fmt.Print(b.String())
		}
	}
	fmt.Printf("%s: %d passed, %d failed, %d skipped\n", *suite, passed, failed, skipped)
	if *tally != "" {
		f, err := os.OpenFile(*tally, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%s %d %d %d\n", *suite, passed, failed, skipped)
			f.Close()
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}
