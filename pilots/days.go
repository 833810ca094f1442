package pilots

import (
	"time"
	_ "time/tzdata" // the zone must exist even in a FROM scratch image
)

// DayZone is where a pilot's dates are days: the pilot language reads
// "2027-01-11" as midnight in Stockholm, and an end date as the midnight
// after that day.
var DayZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.UTC // tzdata is embedded, so only a broken build gets here
	}
	return loc
}()

// DayOf is the ISO date (2027-01-11) on which t falls in DayZone.
func DayOf(t time.Time) string { return t.In(DayZone).Format(time.DateOnly) }

// LastDayOf is the ISO date of the last day of a period that ends, as the
// pilot language stores ends, at end exclusive: the day before the midnight
// that an end date is decoded as.
func LastDayOf(end time.Time) string { return DayOf(end.Add(-time.Nanosecond)) }
