package gaen

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/pccovid/pccovid/internal/problem"
)

// HKDF "info" strings and the RPI padding prefix of the specification.
const (
	infoRPIK  = "EN-RPIK"
	infoAEMK  = "EN-AEMK"
	rpiPrefix = "EN-RPI"
)

// Identifier is what a phone broadcasts during one interval: the Rolling
// Proximity Identifier and, when metadata was given, the Associated Encrypted
// Metadata.
type Identifier struct {
	// Interval is the ENIntervalNumber the identifier belongs to.
	Interval uint32
	// RPI is AES-128(RPIK, "EN-RPI" || 0x000000000000 || Interval).
	RPI [RPILength]byte
	// AEM is AES-128-CTR(AEMK, IV=RPI, metadata); nil when no metadata was
	// given to Derive.
	AEM []byte
}

// NewTEK returns a fresh Temporary Exposure Key: 16 bytes from crypto/rand.
// (crypto/rand.Read cannot fail since Go 1.24: it aborts the program rather
// than hand out weak randomness, so there is no error to return.)
func NewTEK() []byte {
	tek := make([]byte, KeyLength)
	rand.Read(tek)
	return tek
}

// DeriveRPIK returns the Rolling Proximity Identifier Key:
// HKDF-SHA-256(TEK, salt nil, info "EN-RPIK", 16 bytes).
func DeriveRPIK(tek []byte) ([]byte, error) {
	if err := checkTEK(tek); err != nil {
		return nil, err
	}
	return hkdf.Key(sha256.New, tek, nil, infoRPIK, KeyLength)
}

// DeriveAEMK returns the Associated Encrypted Metadata Key:
// HKDF-SHA-256(TEK, salt nil, info "EN-AEMK", 16 bytes).
func DeriveAEMK(tek []byte) ([]byte, error) {
	if err := checkTEK(tek); err != nil {
		return nil, err
	}
	return hkdf.Key(sha256.New, tek, nil, infoAEMK, KeyLength)
}

// Derive returns the identifiers of tek for count intervals starting at
// interval. metadata is optional (nil or empty); when given it must be 4
// bytes and each Identifier carries its AEM. count must be 1–144: a key never
// lives longer than TEKRollingPeriod.
func Derive(tek []byte, interval, count uint32, metadata []byte) ([]Identifier, error) {
	if err := checkDerivation(tek, interval, count, metadata); err != nil {
		return nil, err
	}
	rpiCipher, err := newKeyCipher(tek, infoRPIK)
	if err != nil {
		return nil, err
	}
	var aemCipher cipher.Block
	if len(metadata) > 0 {
		if aemCipher, err = newKeyCipher(tek, infoAEMK); err != nil {
			return nil, err
		}
	}
	out := make([]Identifier, count)
	var pad [RPILength]byte
	for i := range out {
		id := &out[i]
		id.Interval = interval + uint32(i)
		rpiInput(&pad, id.Interval)
		rpiCipher.Encrypt(id.RPI[:], pad[:])
		if aemCipher != nil {
			id.AEM = cryptMetadata(aemCipher, id.RPI, metadata)
		}
	}
	return out, nil
}

// newKeyCipher derives the HKDF key named by info from tek and returns the
// AES-128 block cipher keyed with it.
func newKeyCipher(tek []byte, info string) (cipher.Block, error) {
	key, err := hkdf.Key(sha256.New, tek, nil, info, KeyLength)
	if err != nil {
		return nil, fmt.Errorf("gaen: hkdf %s: %w", info, err)
	}
	return aes.NewCipher(key)
}

// rpiInput fills dst with PaddedData_j = "EN-RPI" || 0x000000000000 || ENIN_j,
// the interval number little-endian.
func rpiInput(dst *[RPILength]byte, interval uint32) {
	copy(dst[:6], rpiPrefix)
	clear(dst[6:12])
	binary.LittleEndian.PutUint32(dst[12:], interval)
}

// cryptMetadata encrypts (or, CTR being symmetric, decrypts) metadata with
// AES-128-CTR keyed by the AEMK cipher, the RPI as IV.
func cryptMetadata(aemCipher cipher.Block, rpi [RPILength]byte, metadata []byte) []byte {
	out := make([]byte, len(metadata))
	cipher.NewCTR(aemCipher, rpi[:]).XORKeyStream(out, metadata)
	return out
}

func checkTEK(tek []byte) error {
	if len(tek) != KeyLength {
		return problem.Field("tek",
			fmt.Sprintf("TEK phải dài đúng %d byte (%d chữ số hex), nhận được %d byte.", KeyLength, 2*KeyLength, len(tek)),
			fmt.Sprintf("The TEK must be exactly %d bytes (%d hex digits), got %d bytes.", KeyLength, 2*KeyLength, len(tek)))
	}
	return nil
}

// checkDerivation checks the inputs of Derive, naming the bad one.
func checkDerivation(tek []byte, interval, count uint32, metadata []byte) error {
	if err := checkTEK(tek); err != nil {
		return err
	}
	if len(metadata) != 0 && len(metadata) != MetadataLength {
		return problem.Field("metadata",
			fmt.Sprintf("Siêu dữ liệu phải dài đúng %d byte (%d chữ số hex), nhận được %d byte.", MetadataLength, 2*MetadataLength, len(metadata)),
			fmt.Sprintf("The metadata must be exactly %d bytes (%d hex digits), got %d bytes.", MetadataLength, 2*MetadataLength, len(metadata)))
	}
	if count < 1 || count > MaxRollingPeriod {
		return problem.Field("count",
			fmt.Sprintf("Số khoảng phải từ 1 đến %d (nhận được %d).", MaxRollingPeriod, count),
			fmt.Sprintf("The count must be 1 to %d intervals (got %d).", MaxRollingPeriod, count))
	}
	if uint64(interval)+uint64(count)-1 > math.MaxUint32 {
		return problem.Field("interval",
			fmt.Sprintf("Khoảng bắt đầu %d quá lớn: khoảng cuối vượt quá %d.", interval, uint32(math.MaxUint32)),
			fmt.Sprintf("The start interval %d is too large: the last interval would pass %d.", interval, uint32(math.MaxUint32)))
	}
	return nil
}
