package app

import (
	"os"

	"github.com/docker/docker/client"

	"github.com/localcluster/localcluster/internal/lablock"
)

// lockLab takes the lab's lock for a command that changes the lab, before
// its first step, so that two invocations on one lab do not interleave
// their steps. A dry-run changes nothing and takes none. The lab is its
// Docker network on the engine DOCKER_HOST names, as the Docker client
// resolves it.
func lockLab(g *GlobalOptions, l *loadedLab) (release func(), err error) {
	if g.DryRun {
		return func() {}, nil
	}
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = client.DefaultDockerHost
	}
	lock, err := lablock.Acquire(lablock.Dir(os.Getenv, os.TempDir(), os.Getuid()),
		lablock.Lab{Network: l.Plan.Network.Name, DockerHost: host}, g.invocation)
	if err != nil {
		return nil, err
	}
	return func() { _ = lock.Release() }, nil
}
