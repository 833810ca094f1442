package testbeds

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// HashService returns the hex SHA-256 of the parts of s that shape its
// container, in a canonical form: env keys sorted, capabilities upper-cased
// without "CAP_" and sorted, mounts and tmpfs paths sorted. Health settings,
// names and the previous Hash are left out, since changing them needs no new
// container. Plans carry the result in Service.Hash.
func HashService(s Service) string {
	type mount struct{ Volume, Path string }
	type hardening struct {
		CapDrop, CapAdd []string
		NoNewPrivileges bool
		ReadOnlyRootfs  bool
		Tmpfs           []string
		LogMaxSize      string
		LogMaxFiles     int
		User            string
	}
	canon := struct {
		V         int
		Image     string
		Port      int
		Env       map[string]string // encoding/json writes map keys sorted
		Command   []string
		Limits    Limits
		Mounts    []mount
		Hardening hardening
	}{
		V:       1,
		Image:   s.Image,
		Port:    s.Port,
		Env:     s.Env,
		Command: s.Command,
		Limits:  s.Limits,
		Hardening: hardening{
			CapDrop:         NormaliseCaps(s.Hardening.CapDrop),
			CapAdd:          NormaliseCaps(s.Hardening.CapAdd),
			NoNewPrivileges: s.Hardening.NoNewPrivileges,
			ReadOnlyRootfs:  s.Hardening.ReadOnlyRootfs,
			Tmpfs:           sortedCopy(s.Hardening.Tmpfs),
			LogMaxSize:      s.Hardening.LogMaxSize,
			LogMaxFiles:     s.Hardening.LogMaxFiles,
			User:            s.Hardening.User,
		},
	}
	if len(canon.Env) == 0 {
		canon.Env = nil
	}
	if len(canon.Command) == 0 {
		canon.Command = nil
	}
	for _, m := range s.Mounts {
		canon.Mounts = append(canon.Mounts, mount(m))
	}
	slices.SortFunc(canon.Mounts, func(a, b mount) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Volume, b.Volume))
	})
	// Only strings, numbers, bools, slices and a string map: Marshal cannot
	// fail on them.
	b, _ := json.Marshal(canon)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// NormaliseCaps upper-cases capability names, strips a "CAP_" prefix, drops
// duplicates and empties, and sorts them, so "cap_net_bind_service" and
// "NET_BIND_SERVICE" mean the same.
func NormaliseCaps(caps []string) []string {
	var out []string
	for _, c := range caps {
		c = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
		if c != "" {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
