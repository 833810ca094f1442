package arch

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/pilotbed/pilotbed"

// rule forbids packages matching from to depend (directly or not) on
// packages matching any of deny.
type rule struct {
	from string // package path relative to the module; "x/..." matches x and below
	deny []string
	why  string
}

var adapters = []string{
	"github.com/docker/...", "github.com/moby/...", "github.com/gin-gonic/...", "go.uber.org/zap/...",
	"github.com/hashicorp/hcl/...", "github.com/zclconf/...", "modernc.org/...",
	"github.com/prometheus/...",
}

var rules = []rule{
	{"pilots", append([]string{module + "/testbeds/...", module + "/orchestrator/...", module + "/api/..."}, adapters...), "the domain imports no adapter"},
	{"testbeds", append([]string{module + "/pilots/...", module + "/orchestrator/...", module + "/api/..."}, adapters...), "the runtime contract imports no adapter"},
	{"testbeds/...", []string{module + "/pilots/...", module + "/orchestrator/...", module + "/api/..."}, "runtimes know nothing of pilots"},
	{"pilots/...", []string{module + "/testbeds/...", module + "/orchestrator/...", module + "/api/..."}, "the pilot domain knows nothing of runtimes or use cases"},
	{"orchestrator/...", []string{module + "/testbeds/docker/...", module + "/pilots/sqlstore/...", module + "/api/...", "github.com/docker/...", "github.com/gin-gonic/..."}, "use cases see runtimes and stores only through their contracts"},
	{"api/...", []string{module + "/orchestrator/...", module + "/testbeds/docker/...", module + "/pilots/sqlstore/...", "github.com/docker/..."}, "the HTTP layer talks to use cases through its own interface"},
}

type pkg struct {
	ImportPath string
	Deps       []string
}

func TestDependencyDirection(t *testing.T) {
	cmd := exec.Command("go", "list", "-json=ImportPath,Deps", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, r := range rules {
			if !match(r.from, rel) {
				continue
			}
			for _, d := range p.Deps {
				for _, deny := range r.deny {
					if match(deny, d) && d != p.ImportPath {
						t.Errorf("%s imports %s: %s", p.ImportPath, d, r.why)
					}
				}
			}
		}
	}
}

// match reports whether path matches pattern, where a trailing "/..."
// matches the path itself and everything below it.
func match(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}
