// Package report computes a pilot's measures, judges its criteria, fills
// its benefit register and gives a verdict per candidate, and renders the
// scale-up report as self-contained HTML, Markdown and JSON.
//
// Build reads the responses once, as a stream, and keeps only running sums
// per question (pilots.Running), counts per scale point and the values of
// number questions; a report of 100 000 responses is built and rendered in
// a fraction of a second (BenchmarkReport100k).
//
// Measure, baseline and target expressions (pilots.Expr) are parsed with
// hclsyntax and evaluated against the candidate's measures: sus,
// umux_lite, nps, uptime, response_rate, usage.active_share and
// survey.<survey>.<question>.{mean,median,count}, with the numeric
// functions abs, ceil, floor, log, max, min, pow, signum and coalesce. A
// measure without data is an unknown value, so an expression over it has
// no value and its criterion is insufficient, never an error. An
// expression that cannot be evaluated is reported in the criterion's
// error, with its position in the pilot file, and counts as insufficient.
//
// # Verdict
//
// A measure resting on fewer than MinAnswers (5) answers is insufficient;
// so are response_rate and usage.active_share when fewer than MinAnswers
// participants are invited, and any measure without data. For each
// candidate: if a must criterion is insufficient the verdict is
// insufficient_data; else if a must criterion failed, stop; else if a
// should criterion failed or is insufficient, iterate; else scale_up.
// The same rule is stated in the report's method notes.
//
// # Denominators
//
// Invited counts the participants whose invitation was not revoked;
// revoked participants are left out of response rates and active use (their
// answers from before revocation still count in the scores). Answered
// counts distinct participants with at least one response; an anonymous
// survey's responses carry no participant and add only as a lower bound:
// the most anonymous responses one survey got in the cohort.
//
// # JSON shape (version 1)
//
// WriteJSON writes the Report type with snake_case keys. Numbers that may
// be unknown are null when there is no data; times are RFC 3339 in UTC.
// Fields are only added within a version; a field that changes meaning or
// disappears raises "version".
//
//	{
//	  "version": 1,
//	  "language": "sv" | "en",
//	  "preliminary": bool,
//	  "generated_at": time,
//	  "pilot": {"id", "name", "title", "description", "owner", "contact", "status",
//	            "start": time, "end": time, "invited": int,
//	            "classification": {"confidentiality", "integrity", "availability": int},
//	            "retention": {"keep_days": int, "decision": string, "export": [string]}},
//	  "method": {"min_answers": int, "max_comments": int},
//	  "candidates": [{
//	    "name", "vendor", "cohorts": [string],
//	    "verdict": "scale_up" | "iterate" | "stop" | "insufficient_data",
//	    "reasons": [string],               // plain sentences in the report's language
//	    "invited": int, "answered": int,
//	    "measures": [{"name", "value": number|null, "n": int|null, "sufficient": bool}],
//	    "criteria": [{"name", "measure": source, "value": number|null, "at_least": number|null,
//	                  "at_most": number|null, "must": bool, "n": int|null,
//	                  "outcome": "pass" | "fail" | "insufficient", "error"?: string}],
//	    "benefits": [{"name", "description", "unit", "owner", "baseline", "measured", "target",
//	                  "share": number|null, "n": int|null, "sufficient": bool, "error"?: string}],
//	    "surveys": [{"name", "title", "anonymous": bool, "responses": int,
//	                 "sus": null | {"score": summary, "grade", "acceptability",
//	                                "items": [{"item", "question", "text", "counts": [int]}]},
//	                 "umux_lite": null | {"score": summary, "sus_equivalent": number|null, "items": [...]},
//	                 "questions": [{"name", "type", "text", "unit"?, "answers": int,
//	                                "stats"?: summary, "low"?: int, "counts"?: [int], "labels"?: [string],
//	                                "nps"?: {"score": number|null, "promoters", "passives", "detractors", "n"},
//	                                "options"?: [{"value", "text", "count"}],
//	                                "comments"?: [string], "comments_total"?: int}]}],
//	    "operations": {"uptime": number|null, "restarts": int, "limits", "data_at_close",
//	                   "incidents": [{"service", "start": time, "end": time|null, "minutes", "reason"}]}
//	  }],
//	  "participation": [{"cohort", "candidate", "planned", "invited", "revoked", "answered",
//	                     "responses", "response_rate": number|null, "active_users", "active_share": number|null}],
//	  "ignored_responses": int
//	}
//
// where summary is {"n", "mean", "median", "sd", "min", "max", "ci95_low",
// "ci95_high"}, each number null without answers (the interval also below
// 2 answers). Instrument items (sus_1 … sus_10, umux_lite_1/2) appear under
// their instrument, not among the questions.
package report
