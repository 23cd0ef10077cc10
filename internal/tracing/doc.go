// Package tracing holds cases (F0) and their close contacts (F1, and F2 on
// demand): how a case is registered from a positive result, who counts as
// a contact, the evidence for each link, the warnings people found receive,
// and the transmission chains cases form.
//
// A case is registered from a positive test result — taken over from the
// old apps, sent by a lab, or entered by a health official — with the dates
// of sampling and of onset of symptoms. One person has one case per
// episode: a second positive result within the episode gap joins the case.
// The case's infectious window is a rule (by default from two days before
// the earlier of onset and sampling until the result).
//
// Close contacts are found from every source the platform holds, each a
// rule with parameters ([Rules]): check-ins at the same venue within an
// hour of the case's; the same flight (within two rows), train car or bus
// on the same day, from declarations; the same household; Bluetooth
// contact logs taken over from Bluezone; and contacts the case declares or
// an official enters. The rules are versioned data with effective dates:
// a case records the version that applied.
//
// A tracing run is deterministic and idempotent: each link and each piece
// of evidence has a key derived from the records it rests on, and each
// warning an inbox key, so a run interrupted part-way and run again ends in
// the same state, and nobody is warned twice. The people found learn what
// to do and when they were exposed, never who the case is.
//
// Access: a health official sees a case when its area lies within their
// scope, and a contact when the contact's area does; every read is
// recorded in the audit trail with the purpose "tracing" and the reference
// "case N".
package tracing
