// Command dreamlayer is DreamLayer, a desktop studio for AI image generation.
// Without arguments it opens the window; with a command it runs the CLI
// (`dreamlayer help` lists them).
package main

import (
	"context"
	"embed"
	"fmt"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/mac"
	"github.com/wailsapp/wails/v2/pkg/options/windows"

	"github.com/dreamlayer/dreamlayer/backend/cli"
	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/studio"
)

//go:embed all:frontend/dist
var assets embed.FS

//go:embed build/appicon.png
var icon []byte

func main() {
	args := os.Args[1:]
	if cli.IsCommand(args) {
		env := &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
		os.Exit(cli.Run(context.Background(), env, args))
	}
	if err := runWindow(); err != nil {
		fmt.Fprintln(os.Stderr, "dreamlayer:", err)
		os.Exit(1)
	}
}

// runWindow builds the services and hands them to Wails. Events are relayed
// to the window once it exists (OnStartup).
func runWindow() error {
	relay := &events.Relay{}
	st, err := studio.Open(studio.Options{Emitter: relay})
	if err != nil {
		return err
	}
	app := NewApp(st, relay)
	return wails.Run(&options.App{
		Title:            "DreamLayer",
		Width:            1360,
		Height:           860,
		MinWidth:         1000,
		MinHeight:        640,
		BackgroundColour: &options.RGBA{R: 10, G: 10, B: 14, A: 255},
		AssetServer: &assetserver.Options{
			Assets: assets,
			// Output images and thumbnails (/media/…) come from the gallery.
			Handler: st.Gallery.Handler(),
		},
		OnStartup:  app.startup,
		OnShutdown: app.shutdown,
		Bind:       []any{app},
		Linux: &linux.Options{
			Icon:        icon,
			ProgramName: "dreamlayer",
		},
		Mac: &mac.Options{
			About: &mac.AboutInfo{Title: "DreamLayer", Message: "A desktop studio for AI image generation.", Icon: icon},
		},
		Windows: &windows.Options{
			WebviewUserDataPath: st.Layout.CacheDir,
		},
	})
}
