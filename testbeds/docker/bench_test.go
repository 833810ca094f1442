package docker

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"golang.org/x/sync/errgroup"

	"github.com/pilotbed/pilotbed/internal/testenv"
	"github.com/pilotbed/pilotbed/testbeds"
)

// BenchmarkTestbedStart measures a pilot of 2 candidates x 2 services from
// nothing to every service healthy, three ways in the same run:
//
//   - pilotbed: Runtime.Apply of both plans (candidates in parallel), until
//     the runtime reports all four healthy;
//   - bare-api: hand-written Docker API calls for the same networks and
//     containers (services in parallel), polling /healthz from the host;
//   - compose: docker-compose up -d of an equivalent compose file, then the
//     same polling (compose 1.29 has no --wait, and scratch images have no
//     shell for a healthcheck).
//
// Teardown is outside the timer. Run with: go test -run '^$' -bench
// TestbedStart -benchtime 5x ./testbeds/docker/
func BenchmarkTestbedStart(b *testing.B) {
	cli := testenv.Docker(b)
	image := testenv.DemoImage(b, cli)

	b.Run("pilotbed", func(b *testing.B) {
		instance := randomName("bench-")
		r, err := New(Options{Client: cli, Instance: instance, ProbeStartEvery: 50 * time.Millisecond, StopTimeout: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		defer removeInstance(b, cli, instance)
		for b.Loop() {
			pilot := randomName("p")
			plans := []testbeds.Plan{
				demoPlan(instance, pilot, "a", image, "a", "web", "api"),
				demoPlan(instance, pilot, "b", image, "b", "web", "api"),
			}
			ctx, cancel := context.WithTimeout(b.Context(), time.Minute)
			events := r.Events(ctx)
			healthy := 0
			done := make(chan struct{})
			go func() {
				defer close(done)
				for ev := range events {
					if ev.Kind == testbeds.EventHealthy && ev.ID.Pilot == pilot {
						if healthy++; healthy == 4 {
							return
						}
					}
				}
			}()
			var g errgroup.Group
			for _, p := range plans {
				g.Go(func() error { _, err := r.Apply(ctx, p); return err })
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			<-done
			cancel()
			if healthy != 4 {
				b.Fatalf("%d of 4 services healthy", healthy)
			}
			b.StopTimer()
			for _, p := range plans {
				if err := r.Destroy(context.Background(), p.ID, testbeds.DestroyOptions{RemoveKept: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
	})

	b.Run("bare-api", func(b *testing.B) {
		instance := randomName("bench-")
		defer removeInstance(b, cli, instance)
		for b.Loop() {
			pilot := randomName("p")
			ctx, cancel := context.WithTimeout(b.Context(), time.Minute)
			var g errgroup.Group
			var mu sync.Mutex
			var urls []string
			for _, cand := range []string{"a", "b"} {
				g.Go(func() error {
					p, err := normalise(demoPlan(instance, pilot, cand, image, cand, "web", "api"), instance)
					if err != nil {
						return err
					}
					if _, err := cli.NetworkCreate(ctx, p.Network.Name, networkCreate(p)); err != nil {
						return err
					}
					for _, v := range p.Volumes {
						if _, err := cli.VolumeCreate(ctx, volumeCreate(p, v)); err != nil {
							return err
						}
					}
					var sg errgroup.Group
					for _, s := range p.Services {
						sg.Go(func() error {
							spec := convertService(p, s, time.Second)
							c, err := cli.ContainerCreate(ctx, spec.Config, spec.HostConfig, spec.Networking, nil, spec.Name)
							if err != nil {
								return err
							}
							if err := cli.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
								return err
							}
							in, err := cli.ContainerInspect(ctx, c.ID)
							if err != nil {
								return err
							}
							mu.Lock()
							urls = append(urls, fmt.Sprintf("http://%s:8080/healthz", in.NetworkSettings.Networks[p.Network.Name].IPAddress))
							mu.Unlock()
							return nil
						})
					}
					return sg.Wait()
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			pollHealthy(b, ctx, urls)
			cancel()
			b.StopTimer()
			removeInstance(b, cli, instance)
			b.StartTimer()
		}
	})

	b.Run("compose", func(b *testing.B) {
		compose, err := exec.LookPath("docker-compose")
		if err != nil {
			b.Skip("docker-compose is not installed")
		}
		dir := b.TempDir()
		file := filepath.Join(dir, "docker-compose.yml")
		if err := os.WriteFile(file, []byte(composeFile(image)), 0o644); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			project := randomName("pbbench")
			ctx, cancel := context.WithTimeout(b.Context(), 2*time.Minute)
			cmd := exec.CommandContext(ctx, compose, "-p", project, "-f", file, "up", "-d", "--no-color", "--quiet-pull")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("docker-compose up: %v\n%s", err, out)
			}
			cs, err := cli.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(filters.Arg("label", "com.docker.compose.project="+project))})
			if err != nil {
				b.Fatal(err)
			}
			var urls []string
			for _, c := range cs {
				for _, n := range c.NetworkSettings.Networks {
					urls = append(urls, fmt.Sprintf("http://%s:8080/healthz", n.IPAddress))
				}
			}
			if len(urls) != 4 {
				b.Fatalf("compose started %d containers, want 4", len(urls))
			}
			pollHealthy(b, ctx, urls)
			b.StopTimer()
			down := exec.CommandContext(ctx, compose, "-p", project, "-f", file, "down", "-v", "-t", "1")
			if out, err := down.CombinedOutput(); err != nil {
				b.Fatalf("docker-compose down: %v\n%s", err, out)
			}
			cancel()
			b.StartTimer()
		}
	})
}

// composeFile is the compose equivalent of the benchmark's two testbeds,
// with the same hardening and limits.
func composeFile(image string) string {
	var s strings.Builder
	s.WriteString("version: \"2.4\"\nservices:\n")
	for _, cand := range []string{"a", "b"} {
		for _, svc := range []string{"web", "api"} {
			fmt.Fprintf(&s, `  %[1]s-%[2]s:
    image: %[3]s
    environment:
      APP_TITLE: "Besökslogg %[2]s"
      APP_VARIANT: "%[1]s"
    networks:
      %[1]s:
        aliases: [%[2]s]
    mem_limit: 32m
    memswap_limit: 32m
    cpus: 0.25
    pids_limit: 64
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    read_only: true
    tmpfs: ["/tmp:rw,noexec,nosuid,nodev,size=64m"]
    logging:
      driver: json-file
      options: {max-size: "10m", max-file: "3"}
`, cand, svc, image)
			if svc == "web" {
				fmt.Fprintf(&s, "    volumes: [\"%[1]s-data:/data\", \"%[1]s-archive:/archive\"]\n", cand)
			}
		}
	}
	s.WriteString("networks:\n  a: {internal: true}\n  b: {internal: true}\nvolumes:\n  a-data: {}\n  a-archive: {}\n  b-data: {}\n  b-archive: {}\n")
	return s.String()
}

// pollHealthy GETs every URL every 50 ms until each has answered 2xx once.
func pollHealthy(b *testing.B, ctx context.Context, urls []string) {
	b.Helper()
	c := newProbeClient()
	var g errgroup.Group
	for _, u := range urls {
		g.Go(func() error {
			for {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
				res, err := c.Do(req)
				if err == nil {
					res.Body.Close()
					if res.StatusCode < 300 {
						return nil
					}
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("%s never healthy: %v", u, err)
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

// removeInstance removes every object labelled with instance.
func removeInstance(tb testing.TB, cli *client.Client, instance string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := filters.NewArgs(filters.Arg("label", LabelInstance+"="+instance))
	cs, _ := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	var g errgroup.Group
	for _, c := range cs {
		g.Go(func() error { return cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}) })
	}
	if err := g.Wait(); err != nil {
		tb.Logf("cleanup: %v", err)
	}
	ns, _ := cli.NetworkList(ctx, network.ListOptions{Filters: f})
	for _, n := range ns {
		cli.NetworkRemove(ctx, n.ID)
	}
	vs, _ := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	for _, v := range vs.Volumes {
		cli.VolumeRemove(ctx, v.Name, true)
	}
}
