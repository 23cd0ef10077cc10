// Package checkin holds venues and check-ins: the QR codes on venue
// posters, the personal QR a citizen shows at a venue's door, the QR on a
// chip-based CCCD card, and the record of who was where and when — kept
// for the retention window only, for tracing contacts of a case.
//
// The paths and their rules:
//
//   - A venue is registered by its owner (an official with the role
//     venue_operator, or a citizen from the app's venue section) with a
//     name, a kind, a ward from the admin-unit table, an address and a
//     capacity. It gets a short code (8 characters of an unambiguous
//     alphabet, the last a check character, so a typo is caught rather than
//     checking someone in elsewhere) and a poster whose QR holds the code
//     and a keyed MAC of it: a forged or altered venue QR is refused.
//   - A citizen checks in, for the profile they act for, by scanning the
//     poster or typing the code ([Service.CheckIn]).
//   - A venue checks a person in by scanning their personal QR (sealed,
//     expiring, revealing nothing in clear) or their CCCD card's QR
//     ([Service.RecordAtVenue]).
//
// Check-ins are written by a group-committing writer: the check-ins that
// arrive within a millisecond or so are written in one transaction with
// one fsync, and each request is answered only once its row is durable.
// Each carries an idempotency id chosen by the client, so a resend after a
// lost answer (or from a scanner's offline queue) changes nothing; and the
// same person at the same venue within a minute is one check-in.
package checkin
