package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/dreamlayer/dreamlayer/backend/secrets"
)

func runKeys(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("want a subcommand: status, set PROVIDER or delete PROVIDER")
	}
	switch args[0] {
	case "status":
		if len(args) != 1 {
			return usageErr("status takes no arguments")
		}
		s, err := openStudio(env)
		if err != nil {
			return err
		}
		defer s.Close()
		state := s.Secrets.State(ctx)
		if !state.KeychainAvailable {
			fmt.Fprintln(env.Stdout, state.Message)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROVIDER\tSTATE\tSOURCE\tENV VAR")
		for _, k := range state.Keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Provider, keyState(k), orDash(k.Source), k.EnvVar)
		}
		return tw.Flush()
	case "set", "delete":
		if len(args) != 2 {
			return usageErr("want: keys %s PROVIDER (openai, ideogram or bfl)", args[0])
		}
		provider, err := secrets.ParseProvider(args[1])
		if err != nil {
			return usageErr("%v", err)
		}
		s, err := openStudio(env)
		if err != nil {
			return err
		}
		defer s.Close()
		var st secrets.Status
		if args[0] == "delete" {
			st, err = s.Secrets.Delete(ctx, provider)
		} else {
			var key string
			if key, err = readKey(env, provider); err != nil {
				return err
			}
			st, err = s.Secrets.Set(ctx, provider, key)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: %s\n", provider, keyState(st))
		return nil
	default:
		return usageErr("unknown subcommand %q (want status, set or delete)", args[0])
	}
}

// readKey takes the key from standard input, never from the command line,
// where it would land in shell history and the process list.
func readKey(env *Env, p secrets.Provider) (string, error) {
	if stdinIsTerminal(env.Stdin) {
		fmt.Fprintf(env.Stderr, "Paste the %s API key and press Enter: ", p.DisplayName())
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read key from standard input: nothing was given")
	}
	return strings.TrimSpace(line), nil
}

func keyState(k secrets.Status) string {
	if !k.Set {
		return "not set"
	}
	return "set (…" + k.Last4 + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
