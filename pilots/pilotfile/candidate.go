package pilotfile

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/pilotbed/pilotbed/pilots"
)

var candidateSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "vendor"},
		{Name: "entry"},
		{Name: "egress"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "service", LabelNames: []string{"name"}},
	},
}

func (d *decoder) decodeCandidate(name string, b *hcl.Block, class pilots.Classification, classAttrs hcl.Attributes) pilots.Candidate {
	c := pilots.Candidate{Name: name}
	content, diags := b.Body.Content(candidateSchema)
	d.diags = append(d.diags, diags...)
	d.str(content.Attributes, "vendor", &c.Vendor)

	if a, ok := d.boolean(content.Attributes, "egress", &c.Egress); ok && c.Egress && class.Confidentiality > pilots.MaxEgressConfidentiality {
		detail := fmt.Sprintf("The candidate %q asks for egress, but the pilot's confidentiality level is %d; a testbed may reach outside networks only at confidentiality %d or lower.",
			name, class.Confidentiality, pilots.MaxEgressConfidentiality)
		if ca, ok := classAttrs["confidentiality"]; ok {
			detail += fmt.Sprintf(" The level is set at %s.", posString(ca.Expr.Range()))
		}
		d.errorf(a.Expr.Range().Ptr(), "Egress not allowed by classification", "%s", detail)
	}

	d.named(content.Blocks, "service", validSlug, slugRule, func(sname string, sb *hcl.Block) {
		c.Services = append(c.Services, d.decodeService(sname, sb))
	})
	if len(content.Blocks.OfType("service")) == 0 && !diags.HasErrors() {
		d.errorf(b.DefRange.Ptr(), "No service", "The candidate %q needs at least one service \"name\" { image = ... } block.", name)
	}

	names := make([]string, len(c.Services))
	for i, s := range c.Services {
		names[i] = s.Name
	}
	a, ok := d.str(content.Attributes, "entry", &c.Entry)
	switch {
	case a == nil && len(c.Services) == 1:
		c.Entry = c.Services[0].Name
	case a == nil && len(c.Services) > 1:
		d.errorf(b.DefRange.Ptr(), "Missing entry", "The candidate %q has several services; name the one participants reach with entry = \"...\" (one of %s).", name, quoteList(names))
	case ok:
		found := false
		for _, s := range c.Services {
			if s.Name == c.Entry {
				found = true
				if s.Port == 0 {
					d.errorf(a.Expr.Range().Ptr(), "Entry without port", "The entry service %q must declare the port participants are sent to.", s.Name)
				}
			}
		}
		if !found {
			d.errorf(a.Expr.Range().Ptr(), "Unknown entry service", "The candidate %q has no service named %q.%s", name, c.Entry, didYouMean(c.Entry, names))
		}
	}
	return c
}

var serviceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "image", Required: true},
		{Name: "port"},
		{Name: "env"},
		{Name: "command"},
		{Name: "memory"},
		{Name: "cpus"},
		{Name: "pids"},
		{Name: "read_only"},
		{Name: "cap_add"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "health"},
		{Type: "volume", LabelNames: []string{"name"}},
	},
}

// Bounds of a service's CPU and process limits.
const (
	maxCPUs = 64
	maxPIDs = 65536
)

func (d *decoder) decodeService(name string, b *hcl.Block) pilots.Service {
	s := pilots.Service{
		Name:        name,
		MemoryBytes: pilots.DefaultMemoryBytes,
		CPUs:        pilots.DefaultCPUs,
		PIDs:        pilots.DefaultPIDs,
	}
	content, diags := b.Body.Content(serviceSchema)
	d.diags = append(d.diags, diags...)
	attrs := content.Attributes

	if a, ok := d.str(attrs, "image", &s.Image); ok && (strings.TrimSpace(s.Image) == "" || strings.ContainsAny(s.Image, " \t\n")) {
		d.errorf(a.Expr.Range().Ptr(), "Invalid image", "The image must be an image reference such as \"pilotbed-demo:latest\", not %q.", s.Image)
	}
	d.intAttr(attrs, "port", 1, 65535, &s.Port)
	if a, ok := d.stringMap(attrs, "env", &s.Env); ok {
		for _, k := range sortedKeys(s.Env) {
			if !envNamePattern.MatchString(k) {
				d.errorf(a.Expr.Range().Ptr(), "Invalid environment variable name", "%q is not a valid environment variable name: use letters, digits and underscores, not starting with a digit.", k)
			}
		}
	}
	d.strings(attrs, "command", &s.Command)

	var mem string
	if a, ok := d.str(attrs, "memory", &mem); ok {
		n, err := parseMemory(mem)
		if err != nil {
			d.errorf(a.Expr.Range().Ptr(), "Invalid memory size", "The memory attribute: %v.", err)
		} else {
			s.MemoryBytes = n
		}
	}
	if a, ok := d.number(attrs, "cpus", &s.CPUs); ok && (s.CPUs < 0.01 || s.CPUs > maxCPUs) {
		d.errorf(a.Expr.Range().Ptr(), "Value out of range for cpus", "The cpus attribute must be between 0.01 and %d cores, not %g.", maxCPUs, s.CPUs)
		s.CPUs = pilots.DefaultCPUs
	}
	d.integer(attrs, "pids", 16, maxPIDs, &s.PIDs)
	d.boolean(attrs, "read_only", &s.ReadOnly)
	if a, ok := d.strings(attrs, "cap_add", &s.CapAdd); ok {
		s.CapAdd = d.checkCapabilities(a, s.CapAdd)
	}

	if hb := d.single(content.Blocks, "health"); hb != nil {
		s.Health = d.decodeHealth(hb, s.Port)
	}
	d.named(content.Blocks, "volume", validName, nameRule, func(vname string, vb *hcl.Block) {
		s.Volumes = append(s.Volumes, d.decodeVolume(vname, vb))
	})
	return s
}

// allowedCapabilities may be added back to a service: the harmless part of
// Docker's default set. Everything else stays dropped.
var allowedCapabilities = []string{
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

// forbiddenCapabilities are Linux capabilities that would let a candidate
// escape its testbed or disturb the host; they get a message of their own.
var forbiddenCapabilities = []string{
	"AUDIT_CONTROL", "AUDIT_READ", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "DAC_READ_SEARCH",
	"IPC_LOCK", "IPC_OWNER", "LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "NET_ADMIN",
	"NET_BROADCAST", "PERFMON", "SYS_ADMIN", "SYS_BOOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT",
	"SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "SYSLOG", "WAKE_ALARM", "ALL",
}

// checkCapabilities normalises capability names ("cap_chown" -> "CHOWN")
// and reports unknown and forbidden ones.
func (d *decoder) checkCapabilities(a *hcl.Attribute, caps []string) []string {
	out := make([]string, 0, len(caps))
	seen := map[string]bool{}
	for _, c := range caps {
		n := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
		switch {
		case slices.Contains(forbiddenCapabilities, n):
			d.errorf(a.Expr.Range().Ptr(), "Capability not allowed", "%q would weaken the isolation of the testbed and cannot be added. Allowed: %s.", c, strings.Join(allowedCapabilities, ", "))
		case !slices.Contains(allowedCapabilities, n):
			d.errorf(a.Expr.Range().Ptr(), "Unknown capability", "%q is not a Linux capability that may be added. Allowed: %s.", c, strings.Join(allowedCapabilities, ", "))
		case seen[n]:
		default:
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

var healthSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "http"},
		{Name: "interval"},
		{Name: "timeout"},
		{Name: "retries"},
	},
}

func (d *decoder) decodeHealth(b *hcl.Block, port int) *pilots.Health {
	h := &pilots.Health{
		Interval: pilots.DefaultHealthInterval,
		Timeout:  pilots.DefaultHealthTimeout,
		Retries:  pilots.DefaultHealthRetries,
	}
	content, diags := b.Body.Content(healthSchema)
	d.diags = append(d.diags, diags...)
	attrs := content.Attributes
	if a, ok := d.str(attrs, "http", &h.HTTP); ok && !strings.HasPrefix(h.HTTP, "/") {
		d.errorf(a.Expr.Range().Ptr(), "Invalid health path", "The http attribute is a path on the service, starting with \"/\", such as \"/healthz\"; not %q.", h.HTTP)
	}
	var s string
	var intervalAttr *hcl.Attribute
	if a, ok := d.str(attrs, "interval", &s); ok {
		intervalAttr = a
		if v, err := parseDuration(s); err != nil {
			d.errorf(a.Expr.Range().Ptr(), "Invalid duration", "The interval attribute: %v.", err)
		} else if v < 1e9 {
			d.errorf(a.Expr.Range().Ptr(), "Interval too short", "Probe at most once a second: the interval must be at least \"1s\".")
		} else {
			h.Interval = v
		}
	}
	if a, ok := d.str(attrs, "timeout", &s); ok {
		if v, err := parseDuration(s); err != nil {
			d.errorf(a.Expr.Range().Ptr(), "Invalid duration", "The timeout attribute: %v.", err)
		} else if v < 1e9 {
			d.errorf(a.Expr.Range().Ptr(), "Timeout too short", "The timeout must be at least \"1s\".")
		} else {
			h.Timeout = v
		}
	}
	if h.Timeout > h.Interval {
		subject := b.DefRange.Ptr()
		if intervalAttr != nil {
			subject = intervalAttr.Expr.Range().Ptr()
		}
		d.errorf(subject, "Timeout longer than interval", "A probe's timeout (%s) must not be longer than the interval between probes (%s).", h.Timeout, h.Interval)
	}
	d.intAttr(attrs, "retries", 1, 100, &h.Retries)
	if port == 0 {
		d.errorf(b.DefRange.Ptr(), "Health check without port", "A health check probes the service's port: declare port = ... on the service.")
	}
	return h
}

var volumeSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "path", Required: true},
		{Name: "keep"},
	},
}

func (d *decoder) decodeVolume(name string, b *hcl.Block) pilots.Volume {
	v := pilots.Volume{Name: name}
	content, diags := b.Body.Content(volumeSchema)
	d.diags = append(d.diags, diags...)
	if a, ok := d.str(content.Attributes, "path", &v.Path); ok && (!path.IsAbs(v.Path) || path.Clean(v.Path) == "/") {
		d.errorf(a.Expr.Range().Ptr(), "Invalid volume path", "The path is where the volume is mounted inside the container: an absolute path other than \"/\", such as \"/var/lib/app\"; not %q.", v.Path)
	}
	d.boolean(content.Attributes, "keep", &v.Keep)
	return v
}
