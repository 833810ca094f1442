package testenv

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/client"
)

// DemoTag is the image the demo candidate is built as.
const DemoTag = "pilotbed-demo:latest"

// demoHashLabel carries the hash of the binary and Dockerfile an image was
// built from, so an unchanged demo is not rebuilt.
const demoHashLabel = "io.pilotbed.demo.hash"

// Docker returns a client of the daemon named by the environment
// (DOCKER_HOST, or the default socket). When no daemon answers, the test is
// skipped, or failed when CI is set. Under -short it is always skipped.
func Docker(t testing.TB) *client.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker; skipped under -short")
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		unavailable(t, fmt.Errorf("create Docker client: %w", err))
		return nil
	}
	t.Cleanup(func() { cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx); err != nil {
		unavailable(t, fmt.Errorf("ping Docker daemon at %s: %w", cli.DaemonHost(), err))
		return nil
	}
	return cli
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("Docker is required when CI is set: %v", err)
	}
	t.Skipf("no Docker daemon answers, skipping (set CI to make this fail): %v", err)
}

var demo struct {
	mu    sync.Mutex
	built bool
}

// DemoImage builds the demo candidate image DemoTag once per test process
// (reusing an image built from the same binary) and returns its tag.
func DemoImage(t testing.TB, cli *client.Client) string {
	t.Helper()
	demo.mu.Lock()
	defer demo.mu.Unlock()
	if demo.built {
		return DemoTag
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := BuildDemoImage(ctx, cli, DemoTag); err != nil {
		t.Fatalf("build demo image: %v", err)
	}
	demo.built = true
	return DemoTag
}

// BuildDemoImage compiles ./cmd/demoapp as a static Linux binary and builds
// it into an image tagged tag through the Docker API, with the Dockerfile
// beside the program. An image of that tag built from the same binary is
// kept as it is. It needs the go command and the module's source, so it is
// for tests and `make demo-image`, not for the server.
func BuildDemoImage(ctx context.Context, cli *client.Client, tag string) error {
	dir, err := moduleDir(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "pilotbed-demo-")
	if err != nil {
		return fmt.Errorf("build demo image: %w", err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "demoapp")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/demoapp")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/demoapp: %w\n%s", err, out)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("read demo binary: %w", err)
	}
	dockerfile, err := os.ReadFile(filepath.Join(dir, "cmd", "demoapp", "Dockerfile"))
	if err != nil {
		return fmt.Errorf("read demo Dockerfile: %w", err)
	}
	h := sha256.New()
	h.Write(dockerfile)
	h.Write(binary)
	sum := hex.EncodeToString(h.Sum(nil))

	img, err := cli.ImageInspect(ctx, tag)
	switch {
	case err == nil && img.Config != nil && img.Config.Labels[demoHashLabel] == sum:
		return nil
	case err != nil && !cerrdefs.IsNotFound(err):
		return fmt.Errorf("inspect image %q: %w", tag, err)
	}

	buildCtx, err := tarContext(map[string][]byte{"Dockerfile": dockerfile, "demoapp": binary})
	if err != nil {
		return err
	}
	res, err := cli.ImageBuild(ctx, buildCtx, build.ImageBuildOptions{
		Tags:        []string{tag},
		Labels:      map[string]string{demoHashLabel: sum},
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1, // BuildKit through the API needs a session; the classic builder does not
	})
	if err != nil {
		return fmt.Errorf("build image %q: %w", tag, err)
	}
	defer res.Body.Close()
	return readBuildOutput(res.Body, tag)
}

// moduleDir finds the module root, from which ./cmd/demoapp is built.
func moduleDir(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root (go env GOMOD): %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("find the module root: not inside the pilotbed module; run from its source tree")
	}
	return filepath.Dir(gomod), nil
}

func tarContext(files map[string][]byte) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{"Dockerfile", "demoapp"} {
		body := files[name]
		mode := int64(0o644)
		if name == "demoapp" {
			mode = 0o755
		}
		hdr := &tar.Header{Name: name, Mode: mode, Size: int64(len(body)), ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("write build context: %w", err)
		}
		if _, err := tw.Write(body); err != nil {
			return nil, fmt.Errorf("write build context: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("write build context: %w", err)
	}
	return &buf, nil
}

// readBuildOutput drains the build's JSON message stream; the build has
// failed when a message carries an error, whatever the HTTP status said.
func readBuildOutput(r io.Reader, tag string) error {
	dec := json.NewDecoder(r)
	var tail []string
	for {
		var msg struct {
			Stream      string `json:"stream"`
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("build image %q: read build output: %w", tag, err)
		}
		if s := strings.TrimSpace(msg.Stream); s != "" {
			tail = append(tail, s)
			if len(tail) > 10 {
				tail = tail[1:]
			}
		}
		if msg.Error != "" {
			return fmt.Errorf("build image %q: %s\n%s", tag, msg.Error, strings.Join(tail, "\n"))
		}
	}
}
