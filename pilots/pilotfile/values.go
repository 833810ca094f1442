package pilotfile

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// parseDate reads an ISO date or an RFC 3339 time. A date is the start of
// that day in Stockholm, or — when endOfDay is set — the end of that day,
// which is the first instant of the next day. So `end = "2027-03-31"` keeps
// the pilot running through the whole of 31 March.
func parseDate(s string, endOfDay bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation(time.DateOnly, s, pilots.DayZone); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an ISO date (2027-01-11) nor an RFC 3339 time (2027-01-11T08:00:00+01:00)", s)
	}
	return t.In(pilots.DayZone), nil
}

// relativeDate matches survey dates written relative to the pilot: "start",
// "end", "start+7d", "end - 14d".
var relativeDate = regexp.MustCompile(`^\s*(start|end)\s*(?:([+-])\s*(\S+))?\s*$`)

// parseWindowDate reads a survey date: an absolute date or time, or a date
// relative to the pilot's start and end.
func parseWindowDate(s string, endOfDay bool, start, end time.Time) (time.Time, error) {
	m := relativeDate.FindStringSubmatch(s)
	if m == nil {
		t, err := parseDate(s, endOfDay)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w, nor a date relative to the pilot such as \"start\", \"start+7d\" or \"end-14d\"", err)
		}
		return t, nil
	}
	base := start
	if m[1] == "end" {
		base = end
	}
	if m[2] == "" {
		return base, nil
	}
	days, rest, err := parseDurationParts(m[3])
	if err != nil {
		return time.Time{}, err
	}
	if m[2] == "-" {
		days, rest = -days, -rest
	}
	// Whole days are calendar days, so "end-14d" stays at midnight across a
	// change to or from summer time.
	return base.AddDate(0, 0, days).Add(rest), nil
}

var durationPart = regexp.MustCompile(`(\d+)([smhd])`)

// maxDurationDays bounds durations so that arithmetic on them cannot overflow.
const maxDurationDays = 100 * 366

// parseDurationParts reads a duration such as "365d", "10s" or "1d12h" and
// returns its whole days apart from the rest.
func parseDurationParts(s string) (days int, rest time.Duration, err error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%q is not a duration: write a whole number followed by s, m, h or d, such as \"30s\", \"10m\", \"12h\", \"7d\" or \"1d12h\"", s)
	if s == "" {
		return 0, 0, bad
	}
	matches := durationPart.FindAllStringSubmatchIndex(s, -1)
	pos := 0
	var secs float64
	for _, m := range matches {
		if m[0] != pos {
			return 0, 0, bad
		}
		pos = m[1]
		n, convErr := strconv.ParseInt(s[m[2]:m[3]], 10, 64)
		if convErr != nil || n > maxDurationDays*86400 {
			return 0, 0, fmt.Errorf("%q is too long a duration", s)
		}
		switch s[m[4]:m[5]] {
		case "d":
			days += int(n)
		case "h":
			secs += float64(n) * 3600
		case "m":
			secs += float64(n) * 60
		case "s":
			secs += float64(n)
		}
		if days > maxDurationDays || secs > maxDurationDays*86400 {
			return 0, 0, fmt.Errorf("%q is too long a duration", s)
		}
	}
	if pos != len(s) {
		return 0, 0, bad
	}
	return days, time.Duration(secs) * time.Second, nil
}

// parseDuration reads a duration with days counted as 24 hours.
func parseDuration(s string) (time.Duration, error) {
	days, rest, err := parseDurationParts(s)
	if err != nil {
		return 0, err
	}
	return time.Duration(days)*24*time.Hour + rest, nil
}

var memorySize = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB)\s*$`)

// Bounds of a service's memory limit: Docker refuses less than 6 MiB, and a
// pilot candidate needing more than 64 GiB is not a small-scale pilot.
const (
	minMemoryBytes = 6 << 20
	maxMemoryBytes = 64 << 30
)

// parseMemory reads a size such as "256MiB", "1.5GiB" or "512KiB".
func parseMemory(s string) (int64, error) {
	m := memorySize.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a memory size: write a number followed by KiB, MiB or GiB, such as \"256MiB\" or \"1GiB\"", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a memory size: %w", s, err)
	}
	unit := map[string]float64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[m[2]]
	b := n * unit
	if math.IsInf(b, 0) || b < minMemoryBytes || b > maxMemoryBytes {
		return 0, fmt.Errorf("%q is outside the allowed range of 6MiB to 64GiB", s)
	}
	return int64(b), nil
}

var (
	slugPattern    = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	envNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	namePattern    = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
)

// validSlug reports whether s is a DNS label: lowercase letters, digits and
// dashes, starting with a letter, not ending with a dash, at most 63
// characters. Pilot, candidate and service names become parts of container,
// network and host names, so they must be DNS labels.
func validSlug(s string) bool {
	return len(s) <= 63 && slugPattern.MatchString(s) && !strings.HasSuffix(s, "-")
}

// validName reports whether s may name a survey, question, cohort, benefit,
// criterion or volume: a lowercase identifier that also reads well in URLs,
// CSV headers and measure expressions.
func validName(s string) bool {
	return len(s) <= 63 && namePattern.MatchString(s)
}
