package seal_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
)

func TestECDSAKeyRoundTrip(t *testing.T) {
	s, _ := newSealer(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.SealECDSA("test.key", key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.OpenECDSA("test.key", sealed)
	if err != nil || !got.Equal(key) {
		t.Fatalf("opened %v, %v", got, err)
	}
	if _, err := s.OpenECDSA("other.key", sealed); err == nil {
		t.Error("a key sealed for one field opened as another")
	}
	if _, err := s.OpenECDSA("test.key", s.Seal("test.key", []byte("not a key"))); err == nil {
		t.Error("a value that is not a key opened as one")
	}
}
