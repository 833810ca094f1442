package pilots

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each code to a status in one place; the
// CLI maps them to messages. Codes are stable: scripts may match on them.
const (
	ECONFLICT       = "conflict"          // the action conflicts with the current state
	EINTERNAL       = "internal"          // a fault of pilotbed, not of the caller
	EINVALID        = "invalid"           // the input is malformed or out of range
	ENOTFOUND       = "not_found"         // the named thing does not exist
	EUNAUTHORIZED   = "unauthorized"      // no or unknown credentials
	EFORBIDDEN      = "forbidden"         // credentials lack the role
	EUNAVAILABLE    = "unavailable"       // a dependency (such as the container runtime) cannot be reached
	ETOOMANYREQUEST = "too_many_requests" // the caller must slow down
)

// Error is the one error type that crosses package boundaries with a code a
// user can act on. Message is written for the user; wrapped causes stay in
// Err for logs.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or a generic message for any other error so internals never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
