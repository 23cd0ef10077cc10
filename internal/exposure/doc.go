// Package exposure is PC-Covid's Bluetooth exposure-notification server,
// Bluezone's successor, built on the Google/Apple Exposure Notification
// (GAEN) protocol whose pieces live in package gaen. It holds both halves
// of the public reference design in one service:
//
//   - the verification server: a health official issues a verification
//     code for a confirmed case ([Service.IssueCode]); the person's phone
//     trades it for a verification token ([Service.VerifyCode]) and the token
//     plus an HMAC of its keys for a signed verification certificate
//     ([Service.Certificate]);
//   - the key server: the phone uploads its Temporary Exposure Keys with the
//     certificate ([Service.Publish]); a job cuts the keys whose validity has
//     ended into signed export files ([Service.Export]) that every phone
//     downloads and matches on the device; old keys and files are deleted
//     ([Service.Retain]).
//
// What the server never learns is as much a part of the design as what it
// does: no phone number, name or location is attached to an upload; codes
// are stored only as keyed MACs; uploaded keys are sealed at rest until they
// are published; matching happens on the phones. README.md in this folder
// says what each party learns.
//
// Both engines are supported through package db. Everything that must be
// shared between several servers behind a load balancer — codes, tokens,
// used certificates, keys, signing keys, export files and the claim on an
// export batch — is in the database; a server holds only caches.
package exposure
