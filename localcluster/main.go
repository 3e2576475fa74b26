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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, app.StdStreams(), os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
	}
	os.Exit(app.ExitCode(err))
}
