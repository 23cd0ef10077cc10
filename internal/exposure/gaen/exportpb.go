package gaen

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/pccovid/pccovid/internal/problem"
)

// Hand-written protobuf for export.proto (proto2), from
// google/exposure-notifications-server internal/pb/export/export.proto; no
// protoc is needed. Field numbers and wire types must never change: phones
// parse these files.
const (
	// TemporaryExposureKeyExport
	fExportStartTimestamp protowire.Number = 1 // fixed64, UTC seconds
	fExportEndTimestamp   protowire.Number = 2 // fixed64, UTC seconds
	fExportRegion         protowire.Number = 3 // string
	fExportBatchNum       protowire.Number = 4 // int32
	fExportBatchSize      protowire.Number = 5 // int32
	fExportSignatureInfos protowire.Number = 6 // repeated SignatureInfo
	fExportKeys           protowire.Number = 7 // repeated TemporaryExposureKey
	fExportRevisedKeys    protowire.Number = 8 // repeated TemporaryExposureKey

	// SignatureInfo (1 and 2, app_bundle_id and android_package, are reserved)
	fSigInfoKeyVersion protowire.Number = 3 // string verification_key_version
	fSigInfoKeyID      protowire.Number = 4 // string verification_key_id
	fSigInfoAlgorithm  protowire.Number = 5 // string signature_algorithm

	// TemporaryExposureKey
	fKeyData             protowire.Number = 1 // bytes key_data
	fKeyTransmissionRisk protowire.Number = 2 // int32 transmission_risk_level
	fKeyRollingStart     protowire.Number = 3 // int32 rolling_start_interval_number
	fKeyRollingPeriod    protowire.Number = 4 // int32 rolling_period, default 144
	fKeyReportType       protowire.Number = 5 // enum ReportType report_type
	fKeyDaysSinceOnset   protowire.Number = 6 // sint32 days_since_onset_of_symptoms

	// TEKSignatureList
	fSigListSignatures protowire.Number = 1 // repeated TEKSignature

	// TEKSignature
	fSigSignatureInfo protowire.Number = 1 // SignatureInfo
	fSigBatchNum      protowire.Number = 2 // int32
	fSigBatchSize     protowire.Number = 3 // int32
	fSigSignature     protowire.Number = 4 // bytes, ASN.1 ECDSA signature
)

// exportHeader starts export.bin: "EK Export v1" space-padded to 16 bytes.
const exportHeader = "EK Export v1    "

// tekSignature is one TEKSignature of export.sig.
type tekSignature struct {
	Info      SignatureInfo
	BatchNum  int32
	BatchSize int32
	Signature []byte
}

// --- encoding ---

func appendInt32(b []byte, num protowire.Number, v int32) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(int64(v))) // negative int32 is sign-extended, as protobuf does
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendString(b []byte, num protowire.Number, v string) []byte {
	if v == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, v)
}

func appendFixed64(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

func appendSignatureInfo(b []byte, s SignatureInfo) []byte {
	b = appendString(b, fSigInfoKeyVersion, s.VerificationKeyVersion)
	b = appendString(b, fSigInfoKeyID, s.VerificationKeyID)
	return appendString(b, fSigInfoAlgorithm, s.SignatureAlgorithm)
}

func appendKey(b []byte, k *Key) []byte {
	b = appendBytes(b, fKeyData, k.Data)
	b = appendInt32(b, fKeyTransmissionRisk, k.TransmissionRisk)
	b = appendInt32(b, fKeyRollingStart, k.IntervalNumber)
	b = appendInt32(b, fKeyRollingPeriod, k.IntervalCount)
	if k.ReportType != ReportTypeUnknown {
		b = appendInt32(b, fKeyReportType, int32(k.ReportType))
	}
	if k.DaysSinceOnset != nil {
		b = protowire.AppendTag(b, fKeyDaysSinceOnset, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(int64(*k.DaysSinceOnset)))
	}
	return b
}

// appendKeys appends keys as repeated field num, ordered by key bytes so the
// file reveals nothing about upload order.
func appendKeys(b []byte, num protowire.Number, keys []Key) []byte {
	var msg []byte
	for _, i := range byKeyBytes(keys) {
		msg = appendKey(msg[:0], &keys[i])
		b = appendBytes(b, num, msg)
	}
	return b
}

// byKeyBytes returns the indexes of keys in key-byte order (equal keys in
// input order, so the output is deterministic). It sorts on the first 8
// bytes as an integer and compares whole keys only on a tie, which makes a
// million-key sort several times faster than bytes.Compare throughout.
func byKeyBytes(keys []Key) []int32 {
	type entry struct {
		prefix uint64
		idx    int32
	}
	order := make([]entry, len(keys))
	for i, k := range keys {
		var p [8]byte
		copy(p[:], k.Data)
		order[i] = entry{binary.BigEndian.Uint64(p[:]), int32(i)}
	}
	slices.SortFunc(order, func(x, y entry) int {
		if c := cmp.Compare(x.prefix, y.prefix); c != 0 {
			return c
		}
		if c := bytes.Compare(keys[x.idx].Data, keys[y.idx].Data); c != 0 {
			return c
		}
		return cmp.Compare(x.idx, y.idx)
	})
	out := make([]int32, len(order))
	for i, e := range order {
		out[i] = e.idx
	}
	return out
}

// marshalExportBin returns export.bin: the header, then the
// TemporaryExposureKeyExport message.
func marshalExportBin(e *ExportBatch) []byte {
	const perKey = 2 + KeyLength + 6*6 // tag+len, key, six small fields
	b := make([]byte, 0, len(exportHeader)+256+perKey*(len(e.Keys)+len(e.RevisedKeys)))
	b = append(b, exportHeader...)
	b = appendFixed64(b, fExportStartTimestamp, uint64(e.StartTime.Unix()))
	b = appendFixed64(b, fExportEndTimestamp, uint64(e.EndTime.Unix()))
	b = appendString(b, fExportRegion, e.Region)
	b = appendInt32(b, fExportBatchNum, e.BatchNum)
	b = appendInt32(b, fExportBatchSize, e.BatchSize)
	for _, s := range e.SignatureInfos {
		b = appendBytes(b, fExportSignatureInfos, appendSignatureInfo(nil, s))
	}
	b = appendKeys(b, fExportKeys, e.Keys)
	return appendKeys(b, fExportRevisedKeys, e.RevisedKeys)
}

// marshalSignatureList returns export.sig: a TEKSignatureList of one
// TEKSignature.
func marshalSignatureList(s tekSignature) []byte {
	var m []byte
	m = appendBytes(m, fSigSignatureInfo, appendSignatureInfo(nil, s.Info))
	m = appendInt32(m, fSigBatchNum, s.BatchNum)
	m = appendInt32(m, fSigBatchSize, s.BatchSize)
	m = appendBytes(m, fSigSignature, s.Signature)
	return appendBytes(nil, fSigListSignatures, m)
}

// --- decoding ---

// field is one decoded protobuf field: u holds varint and fixed values, b
// length-delimited ones.
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64
	b   []byte
}

// walk calls visit for each field of message b. Groups are skipped; any
// malformed encoding is an error.
func walk(b []byte, visit func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.u, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			f.u, n = protowire.ConsumeFixed64(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.u = uint64(v)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := visit(f); err != nil {
			return err
		}
	}
	return nil
}

// want checks that a known field came with its declared wire type.
func (f field) want(typ protowire.Type) error {
	if f.typ != typ {
		return fmt.Errorf("field %d has wire type %d, want %d", f.num, f.typ, typ)
	}
	return nil
}

// int32 reads a varint int32 field.
func (f field) int32() (int32, error) {
	return int32(f.u), f.want(protowire.VarintType)
}

// parseExportBin decodes export.bin, header included. Unknown fields are
// skipped, as protobuf readers do.
func parseExportBin(bin []byte) (ExportBatch, error) {
	var e ExportBatch
	if !bytes.HasPrefix(bin, []byte(exportHeader)) {
		return e, problem.Invalidf("gaen: export.bin does not start with %q", exportHeader)
	}
	err := walk(bin[len(exportHeader):], func(f field) error { return e.setField(f) })
	if err != nil {
		return ExportBatch{}, problem.Invalidf("gaen: export.bin: %v", err)
	}
	return e, nil
}

// setField stores one top-level field of TemporaryExposureKeyExport.
func (e *ExportBatch) setField(f field) error {
	var err error
	switch f.num {
	case fExportStartTimestamp:
		e.StartTime, err = unixField(f)
	case fExportEndTimestamp:
		e.EndTime, err = unixField(f)
	case fExportRegion:
		e.Region, err = string(f.b), f.want(protowire.BytesType)
	case fExportBatchNum:
		e.BatchNum, err = f.int32()
	case fExportBatchSize:
		e.BatchSize, err = f.int32()
	case fExportSignatureInfos:
		var s SignatureInfo
		if s, err = parseSignatureInfo(f); err == nil {
			e.SignatureInfos = append(e.SignatureInfos, s)
		}
	case fExportKeys, fExportRevisedKeys:
		err = e.addKey(f)
	}
	return err
}

// addKey decodes and appends one key or revised key.
func (e *ExportBatch) addKey(f field) error {
	if err := f.want(protowire.BytesType); err != nil {
		return err
	}
	k, err := parseKey(f.b)
	if err != nil {
		return err
	}
	if f.num == fExportKeys {
		e.Keys = append(e.Keys, k)
	} else {
		e.RevisedKeys = append(e.RevisedKeys, k)
	}
	return nil
}

func parseSignatureInfo(f field) (SignatureInfo, error) {
	var s SignatureInfo
	if err := f.want(protowire.BytesType); err != nil {
		return s, err
	}
	err := walk(f.b, func(f field) error {
		var dst *string
		switch f.num {
		case fSigInfoKeyVersion:
			dst = &s.VerificationKeyVersion
		case fSigInfoKeyID:
			dst = &s.VerificationKeyID
		case fSigInfoAlgorithm:
			dst = &s.SignatureAlgorithm
		default:
			return nil
		}
		*dst = string(f.b)
		return f.want(protowire.BytesType)
	})
	return s, err
}

// parseKey decodes a TemporaryExposureKey and checks it as phones would: a
// 16-byte key, a start, a period of 1–144 (absent means 144), a risk of 0–8
// and a known report type.
func parseKey(b []byte) (Key, error) {
	k := Key{IntervalCount: MaxRollingPeriod}
	hasStart := false
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case fKeyData:
			k.Data, err = f.b[:len(f.b):len(f.b)], f.want(protowire.BytesType)
		case fKeyTransmissionRisk:
			k.TransmissionRisk, err = f.int32()
		case fKeyRollingStart:
			k.IntervalNumber, err = f.int32()
			hasStart = true
		case fKeyRollingPeriod:
			k.IntervalCount, err = f.int32()
		case fKeyReportType:
			var rt int32
			rt, err = f.int32()
			k.ReportType = ReportType(rt)
		case fKeyDaysSinceOnset:
			d := int32(protowire.DecodeZigZag(f.u))
			k.DaysSinceOnset, err = &d, f.want(protowire.VarintType)
		}
		return err
	})
	if err != nil {
		return Key{}, fmt.Errorf("key: %w", err)
	}
	if !hasStart {
		return Key{}, fmt.Errorf("key: no rolling_start_interval_number")
	}
	return k, checkExportKey(k)
}

// checkExportKey checks the ranges of a key in an export file.
func checkExportKey(k Key) error {
	switch {
	case len(k.Data) != KeyLength:
		return fmt.Errorf("key: %d bytes, want %d", len(k.Data), KeyLength)
	case k.IntervalNumber < 0:
		return fmt.Errorf("key: negative rolling start interval %d", k.IntervalNumber)
	case k.IntervalCount < 1 || k.IntervalCount > MaxRollingPeriod:
		return fmt.Errorf("key: rolling period %d outside 1–%d", k.IntervalCount, MaxRollingPeriod)
	case k.TransmissionRisk < 0 || k.TransmissionRisk > MaxTransmissionRisk:
		return fmt.Errorf("key: transmission risk %d outside 0–%d", k.TransmissionRisk, MaxTransmissionRisk)
	case !k.ReportType.Valid():
		return fmt.Errorf("key: unknown report type %d", k.ReportType)
	}
	return nil
}

// exportBatchNumbers reads only batch_num and batch_size from export.bin, so
// that checking a signature does not decode every key.
func exportBatchNumbers(bin []byte) (num, size int32, err error) {
	if !bytes.HasPrefix(bin, []byte(exportHeader)) {
		return 0, 0, problem.Invalidf("gaen: export.bin does not start with %q", exportHeader)
	}
	err = walk(bin[len(exportHeader):], func(f field) error {
		var err error
		switch f.num {
		case fExportBatchNum:
			num, err = f.int32()
		case fExportBatchSize:
			size, err = f.int32()
		}
		return err
	})
	if err != nil {
		return 0, 0, problem.Invalidf("gaen: export.bin: %v", err)
	}
	return num, size, nil
}

// parseSignatureList decodes export.sig.
func parseSignatureList(b []byte) ([]tekSignature, error) {
	var sigs []tekSignature
	err := walk(b, func(f field) error {
		if f.num != fSigListSignatures {
			return nil
		}
		if err := f.want(protowire.BytesType); err != nil {
			return err
		}
		s, err := parseTEKSignature(f.b)
		sigs = append(sigs, s)
		return err
	})
	if err != nil {
		return nil, problem.Invalidf("gaen: export.sig: %v", err)
	}
	return sigs, nil
}

func parseTEKSignature(b []byte) (tekSignature, error) {
	var s tekSignature
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case fSigSignatureInfo:
			s.Info, err = parseSignatureInfo(f)
		case fSigBatchNum:
			s.BatchNum, err = f.int32()
		case fSigBatchSize:
			s.BatchSize, err = f.int32()
		case fSigSignature:
			s.Signature, err = f.b, f.want(protowire.BytesType)
		}
		return err
	})
	return s, err
}
