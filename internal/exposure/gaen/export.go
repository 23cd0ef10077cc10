package gaen

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/pccovid/pccovid/internal/problem"
)

// Export file constants.
const (
	// RegionVN is the region of PC-Covid's exports.
	RegionVN = "VN"
	// SignatureAlgorithmP256SHA256 is the ASN.1 OID of ECDSA with SHA-256
	// (on P-256), the signature_algorithm of PC-Covid's exports.
	SignatureAlgorithmP256SHA256 = "1.2.840.10045.4.3.2"
	// MaxExportBinSize bounds export.bin when reading, against zip bombs. A
	// key takes about 36 bytes, so this allows over three million keys.
	MaxExportBinSize = 128 << 20
	// maxExportSigSize bounds export.sig when reading.
	maxExportSigSize = 64 << 10
	exportBinName    = "export.bin"
	exportSigName    = "export.sig"
)

// ErrExportSignature means no signature in export.sig verifies export.bin
// with the given public key. It wraps problem.ErrInvalid.
var ErrExportSignature = fmt.Errorf("export signature does not verify: %w", problem.ErrInvalid)

// ExportBatch is the content of one export file: a TemporaryExposureKeyExport.
type ExportBatch struct {
	// StartTime and EndTime bound when the keys arrived at the server;
	// stored as whole UTC seconds.
	StartTime, EndTime time.Time
	// Region is where the keys came from; WriteExport fills in RegionVN.
	Region string
	// BatchNum and BatchSize number the files of one batch, from 1. Phones
	// on iOS want 1 and 1; WriteExport fills in 1 for 0.
	BatchNum, BatchSize int32
	// SignatureInfos describe the signatures in export.sig. WriteExport sets
	// them to its one sigInfo; ReadExport returns what the file lists.
	SignatureInfos []SignatureInfo
	// Keys are newly published keys; RevisedKeys are keys whose report type
	// changed since an earlier export. WriteExport orders both by key bytes.
	Keys, RevisedKeys []Key
}

// SignatureInfo identifies the key that signed an export, so that phones pick
// the right public key.
type SignatureInfo struct {
	// VerificationKeyVersion allows rollover, e.g. "v1".
	VerificationKeyVersion string
	// VerificationKeyID names the public key; Apple asks for the mobile
	// country code (452 for Viet Nam).
	VerificationKeyID string
	// SignatureAlgorithm is an ASN.1 OID; WriteExport fills in
	// SignatureAlgorithmP256SHA256.
	SignatureAlgorithm string
}

// keyNameRE is the character class export.proto allows in key version and id.
var keyNameRE = regexp.MustCompile(`^[a-zA-Z0-9_]*$`)

// WriteExport writes batch as an export zip to w: export.bin (the 16-byte
// header "EK Export v1", then the protobuf) and export.sig (one TEKSignature:
// sigInfo, the batch numbers and signer's ECDSA P-256 SHA-256 ASN.1 signature
// of export.bin). The keys are written in key-byte order; batch is not
// modified.
func WriteExport(w io.Writer, batch ExportBatch, signer crypto.Signer, sigInfo SignatureInfo) error {
	if err := checkP256(signer.Public()); err != nil {
		return err
	}
	batch, sigInfo = exportDefaults(batch, sigInfo)
	if err := checkExport(&batch, sigInfo); err != nil {
		return err
	}
	bin := marshalExportBin(&batch)
	digest := sha256.Sum256(bin)
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return fmt.Errorf("gaen: sign export: %w", err)
	}
	sigFile := marshalSignatureList(tekSignature{sigInfo, batch.BatchNum, batch.BatchSize, sig})
	return writeZip(w, bin, sigFile)
}

// exportDefaults fills in PC-Covid's region, batch 1 of 1 and the algorithm.
func exportDefaults(b ExportBatch, s SignatureInfo) (ExportBatch, SignatureInfo) {
	if b.Region == "" {
		b.Region = RegionVN
	}
	if b.BatchNum == 0 && b.BatchSize == 0 {
		b.BatchNum, b.BatchSize = 1, 1
	}
	if s.SignatureAlgorithm == "" {
		s.SignatureAlgorithm = SignatureAlgorithmP256SHA256
	}
	b.SignatureInfos = []SignatureInfo{s}
	return b, s
}

// checkExport refuses to write a file that phones would reject.
func checkExport(b *ExportBatch, s SignatureInfo) error {
	switch {
	case b.StartTime.Unix() < 0 || b.EndTime.Before(b.StartTime):
		return fmt.Errorf("gaen: export: time window %v–%v is not in order", b.StartTime, b.EndTime)
	case b.BatchNum < 1 || b.BatchNum > b.BatchSize:
		return fmt.Errorf("gaen: export: batch %d of %d", b.BatchNum, b.BatchSize)
	case !keyNameRE.MatchString(s.VerificationKeyVersion) || !keyNameRE.MatchString(s.VerificationKeyID):
		return fmt.Errorf("gaen: export: key version and id must be [a-zA-Z0-9_]")
	case s.SignatureAlgorithm != SignatureAlgorithmP256SHA256:
		return fmt.Errorf("gaen: export: signature algorithm %q, want %q", s.SignatureAlgorithm, SignatureAlgorithmP256SHA256)
	}
	for _, keys := range [][]Key{b.Keys, b.RevisedKeys} {
		for i, k := range keys {
			if err := checkExportKey(k); err != nil {
				return fmt.Errorf("gaen: export: key %d: %w", i, err)
			}
		}
	}
	return nil
}

// writeZip writes the two files. Keys are random, so deflate gains little:
// the fastest level keeps a million-key export cheap while staying the
// standard method every phone reads.
func writeZip(w io.Writer, bin, sig []byte) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	for _, f := range []struct {
		name string
		data []byte
	}{{exportBinName, bin}, {exportSigName, sig}} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate})
		if err != nil {
			return fmt.Errorf("gaen: export zip: %w", err)
		}
		if _, err := fw.Write(f.data); err != nil {
			return fmt.Errorf("gaen: export zip: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gaen: export zip: %w", err)
	}
	return nil
}

// ReadExport decodes an export zip. It checks the format and each key's
// ranges but not the signature: call VerifyExport for that before trusting
// the keys. Errors wrap problem.ErrInvalid.
func ReadExport(data []byte) (ExportBatch, error) {
	bin, _, err := openExport(data)
	if err != nil {
		return ExportBatch{}, err
	}
	return parseExportBin(bin)
}

// VerifyExport checks that export.sig holds an ECDSA P-256 SHA-256 signature
// of export.bin by pub, for the batch numbers export.bin states. It returns
// nil or an error wrapping ErrExportSignature or problem.ErrInvalid.
func VerifyExport(data []byte, pub *ecdsa.PublicKey) error {
	if pub == nil {
		return errors.New("gaen: verify export: no public key")
	}
	bin, sigFile, err := openExport(data)
	if err != nil {
		return err
	}
	sigs, err := parseSignatureList(sigFile)
	if err != nil {
		return err
	}
	num, size, err := exportBatchNumbers(bin)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(bin)
	for _, s := range sigs {
		if s.Info.SignatureAlgorithm != SignatureAlgorithmP256SHA256 || !ecdsa.VerifyASN1(pub, digest[:], s.Signature) {
			continue
		}
		if s.BatchNum != num || s.BatchSize != size {
			return fmt.Errorf("gaen: export.sig is for batch %d/%d, export.bin is %d/%d: %w", s.BatchNum, s.BatchSize, num, size, ErrExportSignature)
		}
		return nil
	}
	return fmt.Errorf("gaen: %w", ErrExportSignature)
}

// openExport returns the contents of export.bin and export.sig, each of
// which must appear exactly once.
func openExport(data []byte) (bin, sig []byte, err error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, problem.Invalidf("gaen: export is not a zip file: %v", err)
	}
	for _, f := range zr.File {
		var dst *[]byte
		var limit int64
		switch f.Name {
		case exportBinName:
			dst, limit = &bin, MaxExportBinSize
		case exportSigName:
			dst, limit = &sig, maxExportSigSize
		default:
			continue
		}
		if *dst != nil {
			return nil, nil, problem.Invalidf("gaen: export has %s twice", f.Name)
		}
		if *dst, err = readZipFile(f, limit); err != nil {
			return nil, nil, err
		}
	}
	if bin == nil || sig == nil {
		return nil, nil, problem.Invalidf("gaen: export lacks %s or %s", exportBinName, exportSigName)
	}
	return bin, sig, nil
}

// readZipFile reads one file of at most limit bytes; never nil on success.
func readZipFile(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, problem.Invalidf("gaen: %s is %d bytes, more than %d", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, problem.Invalidf("gaen: open %s: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	switch {
	case err != nil:
		return nil, problem.Invalidf("gaen: read %s: %v", f.Name, err)
	case int64(len(b)) > limit:
		return nil, problem.Invalidf("gaen: %s is more than %d bytes", f.Name, limit)
	}
	return b, nil // io.ReadAll never returns nil, so an empty file is still "present"
}

// unixField reads a fixed64 UTC-seconds timestamp.
func unixField(f field) (time.Time, error) {
	return time.Unix(int64(f.u), 0).UTC(), f.want(protowire.Fixed64Type)
}
