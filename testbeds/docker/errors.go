package docker

import (
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"

	"github.com/pilotbed/pilotbed/testbeds"
)

// classify wraps a Docker API error with the testbeds error it means, and
// with a remedy where there is one, so callers can use errors.Is and people
// read what to do. what says what was being done.
//
// The daemon reports pool exhaustion, memory and disk trouble only as text,
// so those few are recognised by message; everything else goes by errdefs
// class.
func classify(err error, what string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case client.IsErrConnectionFailed(err) || cerrdefs.IsUnavailable(err):
		return fmt.Errorf("%s: %w: the Docker daemon does not answer (is it running, is DOCKER_HOST right?): %w", what, testbeds.ErrUnavailable, err)
	case strings.Contains(msg, "could not find an available, non-overlapping IPv4 address pool") ||
		strings.Contains(msg, "no available network"):
		return fmt.Errorf("%s: %w: remove unused networks (docker network prune) or add default-address-pools to daemon.json: %w", what, testbeds.ErrAddressPools, err)
	case strings.Contains(msg, "no space left on device"):
		return fmt.Errorf("%s: %w: free disk space on the Docker host (docker system prune removes unused images and volumes): %w", what, testbeds.ErrNoDisk, err)
	case strings.Contains(msg, "cannot allocate memory") || strings.Contains(msg, "Minimum memory limit"):
		return fmt.Errorf("%s: %w: the host or the limit has too little memory for the container; raise the service's memory or free memory on the host: %w", what, testbeds.ErrOutOfMemory, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// imageMissing is the error for an image the host does not have.
func imageMissing(image string, err error) error {
	return fmt.Errorf("%w: image %q is not present on the Docker host and there is no registry: build it first, e.g. make demo-image: %w", testbeds.ErrImageMissing, image, err)
}

// notOwned is the error for a name held by an object pilotbed did not
// create; pilotbed never touches such objects.
func notOwned(kind, name string) error {
	return fmt.Errorf("%s name %q is taken by an object that this pilotbed instance does not own: remove or rename it, pilotbed will not touch it", kind, name)
}
