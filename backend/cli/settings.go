package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/settings"
)

func runSettings(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("want a subcommand: show, set or keys")
	}
	switch args[0] {
	case "show":
		fs := newFlags(env, "settings show")
		fs.Bool("json", true, "print JSON (the only format)")
		if _, err := parseInterleaved(fs, args[1:]); err != nil {
			return err
		}
		s, err := openStudio(env)
		if err != nil {
			return err
		}
		defer s.Close()
		fmt.Fprintf(env.Stderr, "# %s\n", s.Layout.SettingsPath)
		return printJSON(env, s.Settings.Get())
	case "set":
		if len(args) != 3 {
			return usageErr("want: settings set KEY VALUE (see `dreamlayer settings keys`)")
		}
		s, err := openStudio(env)
		if err != nil {
			return err
		}
		defer s.Close()
		saved, err := s.SetSetting(ctx, args[1], args[2])
		if err != nil {
			return err
		}
		return printJSON(env, saved)
	case "keys":
		for _, k := range settings.Keys() {
			fmt.Fprintln(env.Stdout, k)
		}
		return nil
	default:
		return usageErr("unknown subcommand %q (want show, set or keys)", args[0])
	}
}

func printJSON(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
