package seal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"sync"
)

// Ciphertext layout: version(1) | key id(4, big endian) | nonce(12) | sealed.
const (
	formatV1   = 1
	headerSize = 1 + 4 + 12
	// IndexSize is the length of a blind index: 128 bits is beyond any
	// collision a national population could produce.
	IndexSize = 16
)

// Sealer seals and opens personal fields and computes blind indexes. It is
// safe for concurrent use.
type Sealer struct {
	ring  *Ring
	index sync.Pool // of hash.Hash keyed with the blind-index key
	macs  sync.Map  // label → *sync.Pool of hash.Hash
}

// NewSealer returns a Sealer over ring.
func NewSealer(ring *Ring) *Sealer {
	s := &Sealer{ring: ring}
	key := ring.derive("blind-index")
	s.index.New = func() any { return hmac.New(sha256.New, key) }
	return s
}

// Ring returns the key ring the sealer uses.
func (s *Sealer) Ring() *Ring { return s.ring }

// Seal encrypts plaintext for the named field ("person.full_name"). The field
// name is bound into the ciphertext as associated data, so a value copied
// into another column does not open. An empty plaintext seals to nil, stored
// as NULL.
func (s *Sealer) Seal(field string, plaintext []byte) []byte {
	if len(plaintext) == 0 {
		return nil
	}
	return s.sealWith(s.ring.primary, field, plaintext)
}

func (s *Sealer) sealWith(id uint32, field string, plaintext []byte) []byte {
	aead := s.ring.aeads[id]
	out := make([]byte, headerSize, headerSize+len(plaintext)+aead.Overhead())
	out[0] = formatV1
	binary.BigEndian.PutUint32(out[1:5], id)
	nonce := out[5:headerSize]
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("seal: no randomness: %v", err)) // crypto/rand never fails on Linux
	}
	return aead.Seal(out, nonce, plaintext, []byte(field))
}

// SealString seals a string field; "" seals to nil.
func (s *Sealer) SealString(field, v string) []byte {
	if v == "" {
		return nil
	}
	return s.Seal(field, []byte(v))
}

// Open decrypts a value sealed for field. A nil or empty value opens to nil.
func (s *Sealer) Open(field string, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	if len(sealed) < headerSize || sealed[0] != formatV1 {
		return nil, fmt.Errorf("seal: %s: not a sealed value", field)
	}
	id := binary.BigEndian.Uint32(sealed[1:5])
	aead, ok := s.ring.aeads[id]
	if !ok {
		return nil, fmt.Errorf("seal: %s sealed with key %d: %w", field, id, ErrNoKey)
	}
	pt, err := aead.Open(nil, sealed[5:headerSize], sealed[headerSize:], []byte(field))
	if err != nil {
		return nil, fmt.Errorf("seal: %s: cannot open (wrong key, wrong field or tampered): %w", field, err)
	}
	return pt, nil
}

// OpenString opens a string field.
func (s *Sealer) OpenString(field string, sealed []byte) (string, error) {
	b, err := s.Open(field, sealed)
	return string(b), err
}

// KeyID returns the id of the key a value was sealed with, or 0.
func KeyID(sealed []byte) uint32 {
	if len(sealed) < headerSize || sealed[0] != formatV1 {
		return 0
	}
	return binary.BigEndian.Uint32(sealed[1:5])
}

// ResealValue re-encrypts a value under the primary key when it was sealed under
// another; it reports whether it changed anything.
func (s *Sealer) ResealValue(field string, sealed []byte) ([]byte, bool, error) {
	if len(sealed) == 0 || KeyID(sealed) == s.ring.primary {
		return sealed, false, nil
	}
	pt, err := s.Open(field, sealed)
	if err != nil {
		return nil, false, err
	}
	return s.Seal(field, pt), true, nil
}

// Index returns the blind index of a normalised value of a kind ("cccd",
// "phone"). Callers normalise first (E.164 phone, digits-only CCCD) so that
// equal values index equally. An empty value has no index (nil).
func (s *Sealer) Index(kind, value string) []byte {
	if value == "" {
		return nil
	}
	h := s.index.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(value))
	sum := h.Sum(make([]byte, 0, sha256.Size))
	s.index.Put(h)
	return sum[:IndexSize]
}

// MAC returns HMAC-SHA-256 over parts under a key derived for label
// ("audit-chain", "qr-venue", "person-id"…). Each part is length-prefixed so
// that ("ab","c") and ("a","bc") differ.
func (s *Sealer) MAC(label string, parts ...[]byte) []byte {
	p, ok := s.macs.Load(label)
	if !ok {
		key := s.ring.derive("mac " + label)
		p, _ = s.macs.LoadOrStore(label, &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }})
	}
	pool := p.(*sync.Pool)
	h := pool.Get().(hash.Hash)
	h.Reset()
	var n [4]byte
	for _, part := range parts {
		binary.BigEndian.PutUint32(n[:], uint32(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	sum := h.Sum(nil)
	pool.Put(h)
	return sum
}

// VerifyMAC reports whether mac is MAC(label, parts...), in constant time.
func (s *Sealer) VerifyMAC(mac []byte, label string, parts ...[]byte) bool {
	return hmac.Equal(mac, s.MAC(label, parts...))
}
