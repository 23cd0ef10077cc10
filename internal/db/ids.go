package db

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new random identifier: 48 bits of milliseconds then 80
// random bits, in lower-case Crockford base32 (26 characters). The time
// prefix keeps B-tree inserts local; the random part makes ids unguessable.
func NewID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	rand.Read(b[6:])
	return idEncoding.EncodeToString(b[:])
}

// EncodeID formats bytes (a MAC, say) as an identifier in the same alphabet
// as NewID.
func EncodeID(b []byte) string {
	return strings.ToLower(idEncoding.EncodeToString(b))
}
