// Command localcluster stands up multicluster Kubernetes labs on one machine.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	k3dversion "github.com/k3d-io/k3d/v5/version"

	"github.com/localcluster/localcluster/internal/app"
)

// k3dVersion pins the k3d helper images (k3d-tools) to the k3d library
// compiled in; k3d would otherwise pull their "latest" tag.
const k3dVersion = "v5.9.0"

func main() {
	k3dversion.Version = k3dVersion
	ctx, cancel := context.WithCancel(context.Background())
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-interrupts
		fmt.Fprintln(os.Stderr, "interrupted: finishing the steps under way, starting no more (Ctrl-C again to quit now)")
		cancel()
		// kind cannot be cancelled mid-creation; a second signal quits.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
	}()
	err := app.Run(ctx, app.StdStreams(), os.Args[1:])
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
	}
	os.Exit(app.ExitCode(err))
}
