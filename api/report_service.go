package api

import (
	"context"
	"io"
)

// ReportAPI is implemented by a Service that serves scale-up reports and
// procurement dossiers over the JSON API. The server finds it with a type
// assertion, as the admin UI finds ReportService, so the routes answer 503
// until the Service grows the methods. *orchestrator.Orchestrator
// implements it.
type ReportAPI interface {
	// RenderReport writes a pilot's scale-up report in format ("html",
	// "md" or "json") and says whether it is the final report, written at
	// close, or a preliminary one computed now. Returns EINVALID for an
	// unknown format, ENOTFOUND for an unknown pilot.
	RenderReport(ctx context.Context, idOrName, format string, w io.Writer) (final bool, err error)
	// RenderDossier writes a promoted pilot's procurement dossier in
	// format ("html" or "json"). Returns EINVALID for an unknown format,
	// ENOTFOUND for an unknown pilot and for one not promoted.
	RenderDossier(ctx context.Context, idOrName, format string, w io.Writer) error
}
