package pilots

import (
	"testing"
	"time"
)

func TestDays(t *testing.T) {
	start := time.Date(2027, 1, 11, 0, 0, 0, 0, DayZone)
	end := time.Date(2027, 4, 1, 0, 0, 0, 0, DayZone) // "end = 2027-03-31"
	for _, tc := range []struct {
		name, got, want string
	}{
		{"start", DayOf(start), "2027-01-11"},
		{"start read back in UTC", DayOf(start.UTC()), "2027-01-11"},
		{"end date", LastDayOf(end), "2027-03-31"},
		{"end date read back in UTC", LastDayOf(end.UTC()), "2027-03-31"},
		{"end with a time of day", LastDayOf(time.Date(2027, 3, 31, 17, 0, 0, 0, DayZone)), "2027-03-31"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}
