// Package pilots is the domain of pilotbed: a pilot declared by its owner
// (Spec), the candidates it compares, the participants and surveys that
// collect feedback, the benefits to realise and the criteria for scaling up,
// and the lifecycle a pilot moves through.
//
// The package holds types and rules only. It imports no adapter: parsing
// (pilotfile), storage (sqlstore) and reporting (report) live below it and
// translate to and from these types.
package pilots
