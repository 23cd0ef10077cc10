package gaen

import (
	"archive/zip"
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/pccovid/pccovid/internal/problem"
)

var testSigInfo = SignatureInfo{VerificationKeyVersion: "v1", VerificationKeyID: "452"}

func int32p(v int32) *int32 { return &v }

func testBatch() ExportBatch {
	keys := history()
	keys[0].ReportType, keys[0].DaysSinceOnset = ReportTypeConfirmedTest, int32p(-3)
	keys[1].ReportType, keys[1].DaysSinceOnset = ReportTypeConfirmedClinicalDiagnosis, int32p(4)
	keys[2].TransmissionRisk = 0
	revised := dayKey(-5, 7)
	revised.ReportType = ReportTypeRevoked
	return ExportBatch{
		StartTime:   testNow.Add(-time.Hour).Truncate(time.Second),
		EndTime:     testNow.Truncate(time.Second),
		Keys:        keys,
		RevisedKeys: []Key{revised},
	}
}

func writeTestExport(t testing.TB, b ExportBatch, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteExport(&buf, b, key, testSigInfo); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sortedKeys returns keys in key-byte order, as the export stores them.
func sortedKeys(keys []Key) []Key {
	out := slices.Clone(keys)
	slices.SortStableFunc(out, func(a, b Key) int { return bytes.Compare(a.Data, b.Data) })
	return out
}

func sameKeys(t *testing.T, got, want []Key) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d keys, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !bytes.Equal(g.Data, w.Data) || g.IntervalNumber != w.IntervalNumber || g.IntervalCount != w.IntervalCount ||
			g.TransmissionRisk != w.TransmissionRisk || g.ReportType != w.ReportType ||
			(g.DaysSinceOnset == nil) != (w.DaysSinceOnset == nil) || (g.DaysSinceOnset != nil && *g.DaysSinceOnset != *w.DaysSinceOnset) {
			t.Errorf("key %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	key := newP256(t)
	batch := testBatch()
	data := writeTestExport(t, batch, key)
	if err := VerifyExport(data, &key.PublicKey); err != nil {
		t.Fatalf("VerifyExport: %v", err)
	}
	got, err := ReadExport(data)
	if err != nil {
		t.Fatal(err)
	}
	if !got.StartTime.Equal(batch.StartTime) || !got.EndTime.Equal(batch.EndTime) || got.Region != "VN" ||
		got.BatchNum != 1 || got.BatchSize != 1 {
		t.Errorf("header %+v", got)
	}
	wantInfo := SignatureInfo{"v1", "452", SignatureAlgorithmP256SHA256}
	if len(got.SignatureInfos) != 1 || got.SignatureInfos[0] != wantInfo {
		t.Errorf("signature infos %+v", got.SignatureInfos)
	}
	sameKeys(t, got.Keys, sortedKeys(batch.Keys))
	sameKeys(t, got.RevisedKeys, batch.RevisedKeys)
	if batch.Keys[0].DaysSinceOnset == nil || *batch.Keys[0].DaysSinceOnset != -3 {
		t.Error("WriteExport changed its argument")
	}
}

// rezip builds a zip of the given files, in order.
func rezip(t testing.TB, files ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type zipEntry struct {
	name string
	data []byte
}

func splitExport(t testing.TB, data []byte) (bin, sig []byte) {
	t.Helper()
	bin, sig, err := openExport(data)
	if err != nil {
		t.Fatal(err)
	}
	return bin, sig
}

func TestVerifyExportRefusesTampering(t *testing.T) {
	t.Parallel()
	key := newP256(t)
	data := writeTestExport(t, testBatch(), key)
	bin, sig := splitExport(t, data)

	flipped := slices.Clone(bin)
	flipped[len(flipped)-3] ^= 1 // inside the last key
	swapped := writeTestExport(t, func() ExportBatch { b := testBatch(); b.BatchNum, b.BatchSize = 1, 2; return b }(), key)
	_, otherSig := splitExport(t, swapped)
	corrupt := slices.Clone(data)
	corrupt[len(corrupt)/3] ^= 0xff

	tests := []struct {
		name string
		data []byte
		pub  *ecdsa.PublicKey
		want error
	}{
		{"key byte flipped", rezip(t, zipEntry{"export.bin", flipped}, zipEntry{"export.sig", sig}), &key.PublicKey, ErrExportSignature},
		{"other public key", data, &newP256(t).PublicKey, ErrExportSignature},
		{"signature of another batch", rezip(t, zipEntry{"export.bin", bin}, zipEntry{"export.sig", otherSig}), &key.PublicKey, ErrExportSignature},
		{"zip bytes corrupted", corrupt, &key.PublicKey, problem.ErrInvalid},
		{"no signature file", rezip(t, zipEntry{"export.bin", bin}), &key.PublicKey, problem.ErrInvalid},
	}
	for _, tt := range tests {
		if err := VerifyExport(tt.data, tt.pub); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestReadExportRefuses(t *testing.T) {
	t.Parallel()
	data := writeTestExport(t, testBatch(), newP256(t))
	bin, sig := splitExport(t, data)
	withKey := func(k []byte) []byte { // a valid header plus one raw key message
		b := append([]byte(exportHeader), bin[len(exportHeader):len(exportHeader)+18]...) // the two timestamps: tag + 8 bytes each
		return appendBytes(b, fExportKeys, k)
	}
	goodKey := appendKey(nil, &Key{Data: make([]byte, 16), IntervalNumber: 5, IntervalCount: 144})
	tests := []struct {
		name string
		data []byte
		why  string
	}{
		{"not a zip", []byte("PK\x03\x04 nonsense"), "not a zip"},
		{"no export.bin", rezip(t, zipEntry{"export.sig", sig}), "lacks export.bin"},
		{"export.bin twice", rezip(t, zipEntry{"export.bin", bin}, zipEntry{"export.bin", bin}, zipEntry{"export.sig", sig}), "export.bin twice"},
		{"wrong header", rezip(t, zipEntry{"export.bin", append([]byte("EK Export v2    "), bin[16:]...)}, zipEntry{"export.sig", sig}), "does not start with"},
		{"truncated protobuf", rezip(t, zipEntry{"export.bin", bin[:len(bin)-5]}, zipEntry{"export.sig", sig}), "unexpected EOF"},
		{"15-byte key", rezip(t, zipEntry{"export.bin", withKey(appendKey(nil, &Key{Data: make([]byte, 15), IntervalNumber: 5, IntervalCount: 144}))}, zipEntry{"export.sig", sig}), "15 bytes"},
		{"no start interval", rezip(t, zipEntry{"export.bin", withKey(appendBytes(nil, fKeyData, make([]byte, 16)))}, zipEntry{"export.sig", sig}), "no rolling_start_interval_number"},
		{"risk as bytes", rezip(t, zipEntry{"export.bin", withKey(appendBytes(slices.Clone(goodKey), fKeyTransmissionRisk, []byte{1}))}, zipEntry{"export.sig", sig}), "field 2 has wire type 2"},
		{"report type 9", rezip(t, zipEntry{"export.bin", withKey(appendInt32(slices.Clone(goodKey), fKeyReportType, 9))}, zipEntry{"export.sig", sig}), "unknown report type 9"},
		{"period 200", rezip(t, zipEntry{"export.bin", withKey(appendInt32(slices.Clone(goodKey), fKeyRollingPeriod, 200))}, zipEntry{"export.sig", sig}), "rolling period 200"},
	}
	for _, tt := range tests {
		_, err := ReadExport(tt.data)
		if !errors.Is(err, problem.ErrInvalid) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.why)
		}
	}
	// The same raw key, well formed, reads; rolling period absent means 144.
	minimal := appendInt32(appendBytes(nil, fKeyData, make([]byte, 16)), fKeyRollingStart, 5)
	got, err := ReadExport(rezip(t, zipEntry{"export.bin", withKey(minimal)}, zipEntry{"export.sig", sig}))
	if err != nil || len(got.Keys) != 1 || got.Keys[0].IntervalCount != 144 {
		t.Errorf("minimal key: %+v, %v", got.Keys, err)
	}
}

func TestWriteExportRefuses(t *testing.T) {
	t.Parallel()
	key := newP256(t)
	edits := map[string]func(*ExportBatch, *SignatureInfo){
		"short key":        func(b *ExportBatch, _ *SignatureInfo) { b.Keys[3].Data = b.Keys[3].Data[:8] },
		"period 0":         func(b *ExportBatch, _ *SignatureInfo) { b.Keys[3].IntervalCount = 0 },
		"risk 9":           func(b *ExportBatch, _ *SignatureInfo) { b.RevisedKeys[0].TransmissionRisk = 9 },
		"report type 6":    func(b *ExportBatch, _ *SignatureInfo) { b.Keys[1].ReportType = 6 },
		"end before start": func(b *ExportBatch, _ *SignatureInfo) { b.EndTime = b.StartTime.Add(-time.Second) },
		"batch 3 of 2":     func(b *ExportBatch, _ *SignatureInfo) { b.BatchNum, b.BatchSize = 3, 2 },
		"key id with dot":  func(_ *ExportBatch, s *SignatureInfo) { s.VerificationKeyID = "452.1" },
		"other algorithm":  func(_ *ExportBatch, s *SignatureInfo) { s.SignatureAlgorithm = "1.2.840.10045.4.3.4" },
	}
	for name, edit := range edits {
		b, s := testBatch(), testSigInfo
		edit(&b, &s)
		if err := WriteExport(io.Discard, b, key, s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := WriteExport(io.Discard, testBatch(), mustP384(t), testSigInfo); err == nil {
		t.Error("P-384 signer accepted")
	}
}

// --- interoperability with the protobuf library, from a descriptor built
// here field by field after export.proto ---

type fieldProto = descriptorpb.FieldDescriptorProto

// protoField describes one field for exportDescriptor.
func protoField(name string, num int32, repeated bool, typ descriptorpb.FieldDescriptorProto_Type, typeName string) *fieldProto {
	label := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
	if repeated {
		label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED
	}
	f := &fieldProto{Name: proto.String(name), Number: proto.Int32(num), Label: label.Enum(), Type: typ.Enum()}
	if typeName != "" {
		f.TypeName = proto.String(typeName)
	}
	return f
}

const (
	tFixed64 = descriptorpb.FieldDescriptorProto_TYPE_FIXED64
	tString  = descriptorpb.FieldDescriptorProto_TYPE_STRING
	tInt32   = descriptorpb.FieldDescriptorProto_TYPE_INT32
	tSint32  = descriptorpb.FieldDescriptorProto_TYPE_SINT32
	tBytes   = descriptorpb.FieldDescriptorProto_TYPE_BYTES
	tMsg     = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
	tEnum    = descriptorpb.FieldDescriptorProto_TYPE_ENUM
)

// exportDescriptor builds export.proto's descriptor by hand, field by field
// from google/exposure-notifications-server internal/pb/export/export.proto,
// independently of the constants in exportpb.go.
func exportDescriptor(t testing.TB) protoreflect.FileDescriptor {
	t.Helper()
	msg := func(name string, fields ...*fieldProto) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{Name: proto.String(name), Field: fields}
	}
	sigInfo := msg("SignatureInfo", protoField("verification_key_version", 3, false, tString, ""),
		protoField("verification_key_id", 4, false, tString, ""), protoField("signature_algorithm", 5, false, tString, ""))
	sigInfo.ReservedRange = []*descriptorpb.DescriptorProto_ReservedRange{{Start: proto.Int32(1), End: proto.Int32(3)}}
	fdp := &descriptorpb.FileDescriptorProto{
		Name:   proto.String("export.proto"),
		Syntax: proto.String("proto2"),
		MessageType: []*descriptorpb.DescriptorProto{
			msg("TemporaryExposureKeyExport",
				protoField("start_timestamp", 1, false, tFixed64, ""), protoField("end_timestamp", 2, false, tFixed64, ""),
				protoField("region", 3, false, tString, ""), protoField("batch_num", 4, false, tInt32, ""),
				protoField("batch_size", 5, false, tInt32, ""), protoField("signature_infos", 6, true, tMsg, ".SignatureInfo"),
				protoField("keys", 7, true, tMsg, ".TemporaryExposureKey"), protoField("revised_keys", 8, true, tMsg, ".TemporaryExposureKey")),
			sigInfo,
			keyDescriptor(),
			msg("TEKSignatureList", protoField("signatures", 1, true, tMsg, ".TEKSignature")),
			msg("TEKSignature", protoField("signature_info", 1, false, tMsg, ".SignatureInfo"),
				protoField("batch_num", 2, false, tInt32, ""), protoField("batch_size", 3, false, tInt32, ""),
				protoField("signature", 4, false, tBytes, "")),
		},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// keyDescriptor describes TemporaryExposureKey with its ReportType enum.
func keyDescriptor() *descriptorpb.DescriptorProto {
	period := protoField("rolling_period", 4, false, tInt32, "")
	period.DefaultValue = proto.String("144")
	var values []*descriptorpb.EnumValueDescriptorProto
	for i, n := range []string{"UNKNOWN", "CONFIRMED_TEST", "CONFIRMED_CLINICAL_DIAGNOSIS", "SELF_REPORT", "RECURSIVE", "REVOKED"} {
		values = append(values, &descriptorpb.EnumValueDescriptorProto{Name: proto.String(n), Number: proto.Int32(int32(i))})
	}
	return &descriptorpb.DescriptorProto{
		Name: proto.String("TemporaryExposureKey"),
		Field: []*fieldProto{
			protoField("key_data", 1, false, tBytes, ""), protoField("transmission_risk_level", 2, false, tInt32, ""),
			protoField("rolling_start_interval_number", 3, false, tInt32, ""), period,
			protoField("report_type", 5, false, tEnum, ".TemporaryExposureKey.ReportType"),
			protoField("days_since_onset_of_symptoms", 6, false, tSint32, ""),
		},
		EnumType: []*descriptorpb.EnumDescriptorProto{{Name: proto.String("ReportType"), Value: values}},
	}
}

// dynamicExport builds, with the protobuf library, the message WriteExport
// should produce for b.
func dynamicExport(fd protoreflect.FileDescriptor, b ExportBatch) *dynamicpb.Message {
	md := fd.Messages().ByName("TemporaryExposureKeyExport")
	m := dynamicpb.NewMessage(md)
	set := func(m *dynamicpb.Message, name string, v protoreflect.Value) {
		m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(name)), v)
	}
	set(m, "start_timestamp", protoreflect.ValueOfUint64(uint64(b.StartTime.Unix())))
	set(m, "end_timestamp", protoreflect.ValueOfUint64(uint64(b.EndTime.Unix())))
	set(m, "region", protoreflect.ValueOfString("VN"))
	set(m, "batch_num", protoreflect.ValueOfInt32(1))
	set(m, "batch_size", protoreflect.ValueOfInt32(1))
	infos := m.Mutable(md.Fields().ByName("signature_infos")).List()
	si := dynamicpb.NewMessage(fd.Messages().ByName("SignatureInfo"))
	set(si, "verification_key_version", protoreflect.ValueOfString("v1"))
	set(si, "verification_key_id", protoreflect.ValueOfString("452"))
	set(si, "signature_algorithm", protoreflect.ValueOfString(SignatureAlgorithmP256SHA256))
	infos.Append(protoreflect.ValueOfMessage(si))
	for name, keys := range map[string][]Key{"keys": sortedKeys(b.Keys), "revised_keys": sortedKeys(b.RevisedKeys)} {
		list := m.Mutable(md.Fields().ByName(protoreflect.Name(name))).List()
		for _, k := range keys {
			km := dynamicpb.NewMessage(fd.Messages().ByName("TemporaryExposureKey"))
			set(km, "key_data", protoreflect.ValueOfBytes(k.Data))
			set(km, "transmission_risk_level", protoreflect.ValueOfInt32(k.TransmissionRisk))
			set(km, "rolling_start_interval_number", protoreflect.ValueOfInt32(k.IntervalNumber))
			set(km, "rolling_period", protoreflect.ValueOfInt32(k.IntervalCount))
			if k.ReportType != ReportTypeUnknown {
				set(km, "report_type", protoreflect.ValueOfEnum(protoreflect.EnumNumber(k.ReportType)))
			}
			if k.DaysSinceOnset != nil {
				set(km, "days_since_onset_of_symptoms", protoreflect.ValueOfInt32(*k.DaysSinceOnset))
			}
			list.Append(protoreflect.ValueOfMessage(km))
		}
	}
	return m
}

// TestExportBinMatchesProtobufLibrary checks the hand-written encoding of
// export.bin against the protobuf library's, byte for byte.
func TestExportBinMatchesProtobufLibrary(t *testing.T) {
	t.Parallel()
	fd := exportDescriptor(t)
	batch := testBatch()
	bin, _ := splitExport(t, writeTestExport(t, batch, newP256(t)))
	want, err := proto.MarshalOptions{Deterministic: true}.Marshal(dynamicExport(fd, batch))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bin[len(exportHeader):], want) {
		t.Errorf("export.bin differs from the protobuf library's encoding\n got %x\nwant %x", bin[16:], want)
	}
}

// TestExportSigReadsWithProtobufLibrary checks that the protobuf library
// reads export.sig and that its signature is over export.bin.
func TestExportSigReadsWithProtobufLibrary(t *testing.T) {
	t.Parallel()
	fd := exportDescriptor(t)
	key := newP256(t)
	bin, sig := splitExport(t, writeTestExport(t, testBatch(), key))
	list := dynamicpb.NewMessage(fd.Messages().ByName("TEKSignatureList"))
	if err := proto.Unmarshal(sig, list); err != nil {
		t.Fatal(err)
	}
	sigs := list.Get(list.Descriptor().Fields().ByName("signatures")).List()
	if sigs.Len() != 1 {
		t.Fatalf("%d signatures", sigs.Len())
	}
	get := func(m protoreflect.Message, name string) protoreflect.Value {
		return m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(name)))
	}
	s := sigs.Get(0).Message()
	info := get(s, "signature_info").Message()
	digest := sha256.Sum256(bin)
	if get(s, "batch_num").Int() != 1 || get(s, "batch_size").Int() != 1 ||
		get(info, "verification_key_id").String() != "452" || get(info, "signature_algorithm").String() != SignatureAlgorithmP256SHA256 ||
		!ecdsa.VerifyASN1(&key.PublicKey, digest[:], get(s, "signature").Bytes()) {
		t.Errorf("signature list %v", list)
	}
}

// TestReadExportOfProtobufLibrary checks that our reader reads what the
// protobuf library writes, unknown fields included.
func TestReadExportOfProtobufLibrary(t *testing.T) {
	t.Parallel()
	batch := testBatch()
	m := dynamicExport(exportDescriptor(t), batch)
	m.SetUnknown(protowireUnknown())
	lib, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseExportBin(append([]byte(exportHeader), lib...))
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, got.Keys, sortedKeys(batch.Keys))
	sameKeys(t, got.RevisedKeys, batch.RevisedKeys)
}

// protowireUnknown is an unknown field 99 (a string), which readers skip.
func protowireUnknown() protoreflect.RawFields {
	return protoreflect.RawFields(appendBytes(nil, 99, []byte("future")))
}

// BenchmarkWriteExport1M cuts and signs an export of 1,000,000 keys: sort,
// protobuf encoding, SHA-256, ECDSA, zip.
func BenchmarkWriteExport1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys := make([]Key, 1_000_000)
	data := make([]byte, KeyLength*len(keys))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for i := range keys {
		keys[i] = Key{Data: data[i*KeyLength : (i+1)*KeyLength], IntervalNumber: dayStart(-rng.IntN(14)),
			IntervalCount: MaxRollingPeriod, TransmissionRisk: 2, ReportType: ReportTypeConfirmedTest, DaysSinceOnset: int32p(int32(rng.IntN(10)))}
	}
	batch := ExportBatch{StartTime: testNow.Add(-24 * time.Hour), EndTime: testNow, Keys: keys}
	signer := newP256(b)
	var size int64
	for b.Loop() {
		cw := &countingWriter{}
		if err := WriteExport(cw, batch, signer, testSigInfo); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB/export")
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func TestByKeyBytes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	var keys []Key
	for i := range 500 {
		d := make([]byte, KeyLength)
		for j := range d {
			d[j] = byte(rng.IntN(3)) // few values: many shared prefixes and duplicates
		}
		keys = append(keys, Key{Data: d, IntervalNumber: int32(i)})
	}
	keys = append(keys, Key{Data: []byte{0}, IntervalNumber: -1}, Key{Data: nil, IntervalNumber: -2})
	got := byKeyBytes(keys)
	want := sortedKeys(keys) // stable: duplicates keep input order
	for i, idx := range got {
		if keys[idx].IntervalNumber != want[i].IntervalNumber {
			t.Fatalf("position %d: key %d, want %d", i, keys[idx].IntervalNumber, want[i].IntervalNumber)
		}
	}
}
