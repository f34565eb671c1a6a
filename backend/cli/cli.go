package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/studio"
)

// Env is what a command may touch: its streams and how to build the services.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Open builds the services; tests point it at a temporary home.
	Open func(studio.Options) (*studio.Studio, error)
	// StudioOptions are passed to Open.
	StudioOptions studio.Options
}

// errUsage marks a mistake in the command line itself (exit status 2).
var errUsage = errors.New("usage")

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"version", "print the version", runVersion},
		{"models", "list, watch and inspect model files (list [--json] | watch [--json] | inspect FILE [--json])", runModels},
		{"settings", "show or change settings (show [--json] | set KEY VALUE | keys)", runSettings},
		{"keys", "API keys in the OS keychain (status | set PROVIDER, key read from stdin | delete PROVIDER)", runKeys},
		{"tokenize", "print the CLIP token ids of a prompt ([--family sd1|sd2|sdxl] [--raw] TEXT)", runTokenize},
		{"bench", "measure this machine (kernels [--json] [--quick] [--filter S] [--threads N] | generate [generate's options] [--json])", runBench},
		{"generate", generateSummary, runGenerate},
		{"pnginfo", "print the generation metadata of a PNG (FILE [--json])", runPNGInfo},
		{"workflow", "validate or run a ComfyUI API-format workflow (validate FILE | run FILE [--set NODE.INPUT=VALUE]… [--out DIR])", runWorkflow},
		{"engine", "serve the engine over stdin/stdout (used by the app)", runEngine},
		{"dev", "developer tools (tiny-model --family F [--full] [--seed N] --out FILE | load-check FILE)", runDev},
	}
}

// IsCommand reports whether args name a command (main.go opens the window otherwise).
func IsCommand(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		return true
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return true
		}
	}
	return false
}

// Run executes one command and returns the process exit status.
func Run(ctx context.Context, env *Env, args []string) int {
	if env.Open == nil {
		env.Open = studio.Open
	}
	if len(args) == 0 || args[0] == "help" || strings.HasPrefix(args[0], "-") {
		usage(env.Stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(env.Stderr, "dreamlayer %s: %v\n", c.name, err)
			return 2
		case errors.Is(err, flag.ErrHelp):
			return 0
		default:
			fmt.Fprintf(env.Stderr, "dreamlayer %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "dreamlayer: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "DreamLayer — a desktop studio for AI image generation.")
	fmt.Fprintln(w, "\nRun without arguments to open the window, or:")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  dreamlayer %-9s %s\n", c.name, c.summary)
	}
}

// usageErr builds an error that prints as a usage hint.
func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(env *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("models inspect FILE --json" and "models inspect --json FILE").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func openStudio(env *Env) (*studio.Studio, error) {
	s, err := env.Open(env.StudioOptions)
	if err != nil {
		return nil, err
	}
	if notice := s.Settings.Notice(); notice != "" {
		fmt.Fprintln(env.Stderr, "warning:", notice)
	}
	return s, nil
}

// stdinIsTerminal reports whether r is an interactive terminal.
func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
