package seal

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
)

// SealECDSA seals a signing key (PKCS #8) for storage.
func (s *Sealer) SealECDSA(field string, key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %s: %w", field, err)
	}
	return s.Seal(field, der), nil
}

// OpenECDSA opens a signing key SealECDSA sealed.
func (s *Sealer) OpenECDSA(field string, sealed []byte) (*ecdsa.PrivateKey, error) {
	der, err := s.Open(field, sealed)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("seal: %s: %w", field, err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	return ec, nil
}
