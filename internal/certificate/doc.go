// Package certificate issues and verifies COVID-19 certificates in the EU
// Digital COVID Certificate (DCC) format, which Vietnam's Ministry of Health
// adopted by Decision 5772/QĐ-BYT and the European Commission recognised
// from May 2022.
//
// This file set is the pure core, without database or HTTP:
//
//   - [DCC] and its entries, with the JSON member names of the DCC schema;
//     [Validator] checks payloads against the official schema (embedded)
//     and PC-Covid's own against the EU value sets.
//   - [Issuer] signs a DCC into QR text: CWT claims (iss "VN", iat, exp,
//     hcert), deterministic CBOR, COSE_Sign1 with ES256 and a kid of the
//     document signer certificate (DSC), zlib, Base45, "HC1:".
//   - [Verifier] reverses the pipeline against a trust list of DSCs and says
//     in a [Result] whether the certificate is valid and, with a stable
//     [Code], why not. ES256 and PS256, kid in either header, tagged,
//     untagged and CWT-tagged messages are accepted, as HCERT requires.
//   - [NewCSCA] and [NewDSC] create Vietnam's signing keys; [KID] names a DSC.
//   - [NewUVCI] and [ValidateUVCI] handle certificate identifiers with their
//     Luhn mod N check character; [Transliterate] writes names the ICAO 9303
//     way for fnt and gnt.
//   - [Check] runs one file of the official EU test data and reports, key by
//     key, whether this package behaves as the file expects.
//
// No personal data is logged or put in error messages: errors name fields
// and codes, never values from a certificate's holder.
package certificate
