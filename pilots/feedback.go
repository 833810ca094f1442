package pilots

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Participant is a pseudonymous person invited to a pilot. Nothing that
// identifies the person is stored: only the cohort and the hash of the
// secret in their invitation link.
type Participant struct {
	PilotID   string
	ID        string // "P-0007": sequential within the pilot, zero-padded to 4 digits
	Cohort    string
	TokenHash string // HashSecret of the invitation secret
	CreatedAt time.Time
	RevokedAt *time.Time
}

// ParticipantID returns the id of a pilot's n-th participant (1-based):
// "P-0007". Beyond 9999 the number simply grows wider.
func ParticipantID(n int) string { return fmt.Sprintf("P-%04d", n) }

// ParticipantNumber is the inverse of ParticipantID; ok is false for any
// string that is not such an id.
func ParticipantNumber(id string) (n int, ok bool) {
	digits, found := strings.CutPrefix(id, "P-")
	if !found || len(digits) < 4 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// Response is one participant's answers to one survey.
type Response struct {
	ID          int64 // assigned by the store, increasing in submit order
	PilotID     string
	Survey      string
	Cohort      string // filled in by the store from the participant
	Participant string // empty for a response to an anonymous survey
	Answers     Answers
	SubmittedAt time.Time
	// Receipt is the short code shown to the participant once the
	// response is committed (see NewReceipt). A repeated submit shows the
	// same one.
	Receipt string
}

// AnsweredSurvey says that a participant has answered a survey.
type AnsweredSurvey struct {
	Survey  string
	Receipt string
	// At is when the answer was submitted; for an anonymous survey only
	// the day (midnight UTC) is kept, so the mark cannot be matched to the
	// response by time.
	At time.Time
}

// ResponseCount is the number of responses to one survey from one cohort.
type ResponseCount struct {
	Survey string
	Cohort string
	N      int
}

// Survey override states.
const (
	SurveyOpen   = "open"
	SurveyClosed = "closed"
)

// SurveyOverride opens or closes a survey by hand, overriding its declared
// window until the next override.
type SurveyOverride struct {
	PilotID string
	Survey  string
	State   string // SurveyOpen or SurveyClosed
	Actor   string
	Time    time.Time
}

// Usage is how much one participant used a candidate through the gateway on
// one day.
type Usage struct {
	PilotID     string
	Participant string
	Day         string // "YYYY-MM-DD" in UTC
	Requests    int
}

// DayLayout is the layout of Usage.Day.
const DayLayout = "2006-01-02"

// MaxInvitations is the most participants one CreateParticipants call makes.
const MaxInvitations = 1000

// FeedbackStore keeps participants, their responses and the use they make
// of candidates. Implementations are safe for concurrent use and commit
// durably before returning. The contract is checked by
// storetest.RunFeedback.
//
// The store does not interpret a pilot's spec: whether a cohort or survey
// is declared, or a survey open, is checked by the caller.
type FeedbackStore interface {
	// CreateParticipants creates len(hashes) participants of a cohort, one
	// per token hash, in one transaction. Their ids continue the pilot's
	// sequence (P-0001, P-0002, ...) and they are returned in id order.
	// Returns ENOTFOUND if the pilot does not exist, EINVALID if the cohort
	// is empty, a hash is empty or the count is outside 1..MaxInvitations,
	// ECONFLICT if a hash is already in use.
	CreateParticipants(ctx context.Context, pilotID, cohort string, hashes []string, at time.Time) ([]Participant, error)

	// ParticipantByTokenHash returns the participant invited with the
	// secret whose hash is hash. Returns ENOTFOUND if there is none or the
	// participant is revoked.
	ParticipantByTokenHash(ctx context.Context, hash string) (Participant, error)

	// Participants lists a pilot's participants, revoked ones included, in
	// id order. Returns ENOTFOUND if the pilot does not exist.
	Participants(ctx context.Context, pilotID string) ([]Participant, error)

	// RevokeParticipant makes a participant's invitation stop working. It
	// is idempotent: revoking again keeps the first time. Returns ENOTFOUND
	// if the participant does not exist.
	RevokeParticipant(ctx context.Context, pilotID, id string, at time.Time) error

	// SubmitResponse stores r, submitted by participant r.Participant of
	// pilot r.PilotID, at most once per participant and survey: the
	// guarantee is a unique constraint, so concurrent submits store one
	// response. The first submit returns the stored response with its ID,
	// Cohort and Receipt filled in (a Receipt given in r is kept) and
	// created=true; every later one returns created=false and the response
	// stored first.
	//
	// When anonymous is true the response is stored without the
	// participant id, and only an "answered" mark with the receipt is kept
	// with the participant, in the same transaction; a repeat is detected
	// by the mark. The returned Response then has no Participant and no ID
	// (so no caller can log the pair), and a repeat has no Answers either
	// (they cannot be found again): only the receipt and the day. Times of
	// anonymous responses and marks are kept to the day.
	//
	// Returns EINVALID if the pilot, participant or survey is missing or the
	// answers cannot be stored, ENOTFOUND if the participant does not exist
	// in the pilot or is revoked.
	SubmitResponse(ctx context.Context, r Response, anonymous bool) (stored Response, created bool, err error)

	// Answered returns the surveys a participant has answered, by survey
	// name, whether the surveys are anonymous or not. Returns ENOTFOUND if
	// the participant does not exist.
	Answered(ctx context.Context, pilotID, participant string) (map[string]AnsweredSurvey, error)

	// ForEachResponse calls fn with each of a pilot's responses in ID order,
	// reading them as it goes rather than all at once. An error from fn
	// stops the iteration and is returned as is. fn must not write to the
	// store. Returns ENOTFOUND if the pilot does not exist.
	ForEachResponse(ctx context.Context, pilotID string, fn func(Response) error) error

	// CountResponses returns the number of responses per survey and cohort,
	// ordered by survey and cohort; pairs without responses are left out.
	// Returns ENOTFOUND if the pilot does not exist.
	CountResponses(ctx context.Context, pilotID string) ([]ResponseCount, error)

	// SetSurveyOverride records o as the state in force for its survey,
	// replacing any earlier override. Returns EINVALID if the survey is
	// empty or the state is not SurveyOpen or SurveyClosed, ENOTFOUND if the
	// pilot does not exist.
	SetSurveyOverride(ctx context.Context, o SurveyOverride) error

	// SurveyOverrides returns the overrides in force for a pilot's surveys,
	// ordered by survey. Returns ENOTFOUND if the pilot does not exist.
	SurveyOverrides(ctx context.Context, pilotID string) ([]SurveyOverride, error)

	// AddUsage adds requests to a participant's count for a day (creating
	// it at 0). Returns EINVALID if day is not YYYY-MM-DD or requests is
	// negative, ENOTFOUND if the participant does not exist.
	AddUsage(ctx context.Context, pilotID, participant, day string, requests int) error

	// UsageDays returns a pilot's usage rows ordered by day and
	// participant. Returns ENOTFOUND if the pilot does not exist.
	UsageDays(ctx context.Context, pilotID string) ([]Usage, error)
}

// receiptAlphabet is Crockford's base32: no I, L, O or U, so a receipt read
// aloud or copied by hand is not misread.
const receiptAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewReceipt returns a fresh random receipt code of 8 characters (40 bits)
// written as two groups, e.g. "7KQ2-M9XD". It is a confirmation for a
// person, not a credential.
func NewReceipt() string {
	var b [8]byte
	rand.Read(b[:]) // never returns an error; see crypto/rand
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, receiptAlphabet[c&31])
	}
	return string(out)
}

// IsOpen reports whether survey s takes answers at now. The latest override
// of s among overrides (by Time; later entries win ties) decides when there
// is one; otherwise the declared window [Opens, Closes) does, where a zero
// Opens or Closes leaves that side unbounded. Whether the pilot itself is
// running is for the caller to check.
func IsOpen(s Survey, overrides []SurveyOverride, now time.Time) bool {
	var latest *SurveyOverride
	for i := range overrides {
		o := &overrides[i]
		if o.Survey != s.Name || (o.State != SurveyOpen && o.State != SurveyClosed) {
			continue
		}
		if latest == nil || !o.Time.Before(latest.Time) {
			latest = o
		}
	}
	if latest != nil {
		return latest.State == SurveyOpen
	}
	if !s.Opens.IsZero() && now.Before(s.Opens) {
		return false
	}
	if !s.Closes.IsZero() && !now.Before(s.Closes) {
		return false
	}
	return true
}
