package cli

import (
	"context"
	"encoding/json"

	"github.com/dreamlayer/dreamlayer/backend/engine/bench"
)

func runBench(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "generate" {
		return benchGenerate(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "kernels" {
		return usageErr("want: bench kernels [--json] [--quick] [--filter S] [--threads N] | bench generate --model … [--json] [--cpuprofile FILE]")
	}
	fs := newFlags(env, "bench kernels")
	asJSON := fs.Bool("json", false, "print one JSON array")
	quick := fs.Bool("quick", false, "small sizes (a smoke test, not a measurement)")
	filter := fs.String("filter", "", "only cases whose name contains this")
	threads := fs.Int("threads", 0, "worker threads (0 = all cores)")
	if _, err := parseInterleaved(fs, args[1:]); err != nil {
		return err
	}
	results, err := bench.Kernels(ctx, bench.Options{Threads: *threads, Quick: *quick, Filter: *filter})
	if err != nil {
		return err
	}
	if *asJSON {
		if results == nil {
			results = []bench.Result{}
		}
		return json.NewEncoder(env.Stdout).Encode(results)
	}
	bench.WriteTable(env.Stdout, results)
	return nil
}
