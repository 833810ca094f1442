package pilots

import (
	"context"
	"time"
)

// Kinds of documents a ReportStore keeps.
const (
	DocReport  = "report"  // the final scale-up report, written at close
	DocDossier = "dossier" // the procurement dossier, written at promotion
)

// ReportStore keeps the documents written about a pilot at close and at
// promotion, so they survive without a data directory and read back
// exactly as they were written. Implementations commit durably before
// returning.
type ReportStore interface {
	// SaveReport stores body as the document of the given kind (DocReport
	// or DocDossier) and format ("html", "md", "json") of a pilot,
	// replacing an earlier one: a resumed close writes the same document
	// again. Returns ENOTFOUND if the pilot does not exist, EINVALID for an
	// empty kind or format.
	SaveReport(ctx context.Context, pilotID, kind, format string, body []byte, at time.Time) error

	// Report returns a stored document and when it was written. Returns
	// ENOTFOUND if there is none.
	Report(ctx context.Context, pilotID, kind, format string) ([]byte, time.Time, error)
}
