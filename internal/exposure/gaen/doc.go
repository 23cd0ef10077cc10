// Package gaen holds the protocol pieces of Google/Apple Exposure Notification
// (GAEN) that the PC-Covid key server and its Go client library share:
//
//   - the cryptography of the Exposure Notification Cryptography
//     Specification v1.2 (TEK → RPIK/AEMK → RPI/AEM), see [Derive];
//   - matching of downloaded diagnosis keys against identifiers a phone
//     observed over Bluetooth, see [Matcher];
//   - the rules a key upload must follow, see [ValidateKeys] and
//     [ValidatePublish];
//   - the verification protocol between the app, the health authority's
//     verification server and the key server: the JSON shapes of
//     /api/verify, /api/certificate and /v1/publish, the HMAC over the keys
//     ([KeysHMAC]) and the ES256 verification certificate
//     ([SignCertificate], [CertificateVerifier]);
//   - the signed export file (export.bin + export.sig in a zip) that phones
//     download, see [WriteExport], [ReadExport] and [VerifyExport].
//
// # Upload rules
//
// ValidateKeys applies the rules of the reference key server
// (google/exposure-notifications-server, internal/publish/model), so that an
// app written for it needs no change, and so that PC-Covid never exports a
// key a phone would choke on:
//
//   - 1 to 30 keys per upload (MaxKeysPerPublish);
//   - each key exactly 16 bytes;
//   - rolling period 1–144 intervals;
//   - transmission risk 0–8;
//   - rolling start not after the current interval (today's key, begun at
//     midnight, is allowed; later means a wrong phone clock), and the key
//     still valid at some point in the last 14 days (judged on its end, so
//     all 14 previous days' keys pass at any hour);
//   - no key twice in one upload;
//   - keys whose validity overlaps must share their start interval, at most
//     3 to a start (MaxSameStartIntervalKeys): a GAEN v1.5 phone that shares
//     its keys ends today's key early and starts a new one the same day, so
//     same-start overlaps are legitimate and are not duplicates; any other
//     overlap is refused.
//
// ValidatePublish adds the symptom onset (not negative, not in the future; a
// value too old to matter is dropped from the keys by DaysSinceOnset, not
// refused) and, since every PC-Covid upload must be certified by a health
// authority, a health authority ID, a verification certificate and an HMAC
// key of at least 16 bytes. A key still valid at upload must not be exported
// before Key.Expiry.
//
// Everything here is pure: no database, no HTTP, no clock of its own (callers
// pass the time), so the server (package exposure) and the client library
// build on the same, tested code. Field names, field numbers and formats
// follow the public GAEN protocol so that phones and other servers that speak
// it interoperate with PC-Covid.
package gaen
