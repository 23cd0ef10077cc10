#!/usr/bin/env node
// Independent verifier of an EU DCC QR text, written with npm packages only
// (base45, cbor, cose-js) and node's zlib, so that PC-Covid's Go issuer is
// checked by code that shares nothing with it.
//
// Usage: node verify.js QR_FILE PUBLIC_KEY.pem
//   QR_FILE holds the "HC1:..." text ("-" reads standard input);
//   PUBLIC_KEY.pem is the document signer's public key (EC P-256 for ES256,
//   RSA for PS256), or its certificate.
// Prints the EU DCC payload as JSON and exits 0 if the signature verifies;
// prints why not on standard error and exits 1 otherwise.
'use strict';

const fs = require('node:fs');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const base45 = require('base45');
const cbor = require('cbor');
const cose = require('cose-js');

const BASE45 = /^[0-9A-Z $%*+\-./:]*$/;

function readQR (path) {
  const text = fs.readFileSync(path === '-' ? 0 : path, 'utf8');
  return text.replace(/[\r\n]+$/, ''); // a trailing space is Base45 data
}

// verifierFor turns a PEM public key or certificate into a cose-js verifier.
function verifierFor (pem) {
  let key;
  try {
    key = crypto.createPublicKey(pem);
  } catch (e) {
    key = new crypto.X509Certificate(pem).publicKey;
  }
  const jwk = key.export({ format: 'jwk' });
  const b = (s) => Buffer.from(s, 'base64url');
  if (jwk.kty === 'EC') {
    return { key: { x: b(jwk.x), y: b(jwk.y) } };
  }
  if (jwk.kty === 'RSA') {
    return { key: { n: b(jwk.n), e: b(jwk.e) } };
  }
  throw new Error('unsupported key type ' + jwk.kty);
}

async function main () {
  const [qrPath, pemPath] = process.argv.slice(2);
  if (!qrPath || !pemPath) {
    throw new Error('usage: node verify.js QR_FILE PUBLIC_KEY.pem');
  }
  const qr = readQR(qrPath);
  if (!qr.startsWith('HC1:')) {
    throw new Error('the text does not start with HC1:');
  }
  const b45 = qr.slice(4);
  if (!BASE45.test(b45) || b45.length % 3 === 1) {
    throw new Error('the text is not Base45');
  }
  const coseMsg = zlib.inflateSync(base45.decode(b45));
  const verifier = verifierFor(fs.readFileSync(pemPath));
  // Throws unless the signature verifies; accepts tagged and untagged Sign1.
  const payload = await cose.sign.verify(coseMsg, verifier, { defaultType: cose.sign.Sign1Tag });
  const claims = cbor.decodeFirstSync(payload);
  const hcert = claims.get(-260);
  const dcc = hcert instanceof Map ? hcert.get(1) : undefined;
  if (dcc === undefined) {
    throw new Error('no EU DCC in the hcert claim');
  }
  process.stdout.write(JSON.stringify(dcc) + '\n');
}

main().catch((e) => {
  process.stderr.write('verify.js: ' + e.message + '\n');
  process.exit(1);
});
