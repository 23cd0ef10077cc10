// Package vn holds Vietnam reference data and the normalisation every
// PC-Covid feature relies on when it reads what people typed: personal names
// (tone-mark placement, folding for matching, ICAO transliteration), phone
// numbers (including the pre-2018 11-digit mobile numbers), identity numbers
// (CCCD and CMND), sex codes, calendar dates and timestamps in Vietnam time,
// and the 2021 GSO administrative units (provinces, districts, wards) with a
// resolver from free-text place names to unit codes.
//
// Everything here is pure: no I/O except the embedded unit table, which is
// parsed once behind [sync.OnceValue] and never changes afterwards. Parsers
// of outside data return a *[problem.FieldError] that says, in Vietnamese and
// English, why a value was refused.
//
// The package runs on tens of millions of legacy rows, so the hot helpers
// ([AppendFold], [ParsePhone]) avoid allocations; see the benchmarks.
package vn
