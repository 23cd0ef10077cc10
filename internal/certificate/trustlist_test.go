package certificate

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"testing"

	"github.com/pccovid/pccovid/internal/problem"
)

func TestSignerListRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	list := NewSignerList(issueTime, []*x509.Certificate{f.csca.Cert}, []*x509.Certificate{f.dsc.Cert}, nil)
	b, _ := json.Marshal(list)
	dscs, err := ParseSignerList(b)
	if err != nil || len(dscs) != 1 || !dscs[0].Equal(f.dsc.Cert) {
		t.Fatalf("%v %v", dscs, err)
	}
	if got := list.Signers[0].Types; len(got) != 3 {
		t.Fatalf("types %v", got)
	}
	issued, _ := f.issuer.Issue(vaccination())
	a := AnswerOf(NewVerifier(testValidator(t), dscs...).Verify(issued.QR, issueTime))
	if !a.Valid || a.Code != CodeOK || a.UVCI != issued.UVCI || a.Name == "" || a.MessageVi == "" {
		t.Fatalf("answer %+v", a)
	}
	other := newFixture(t)
	list.CSCA = []string{list.CSCA[0]}
	list.Signers[0].KID = "AAAAAAAAAAA="
	b, _ = json.Marshal(list)
	if _, err := ParseSignerList(b); !errors.Is(err, problem.ErrInvalid) {
		t.Fatalf("a signer listed with another kid: %v", err)
	}
	wrongCA := NewSignerList(issueTime, []*x509.Certificate{other.csca.Cert}, []*x509.Certificate{f.dsc.Cert}, nil)
	b, _ = json.Marshal(wrongCA)
	if _, err := ParseSignerList(b); !errors.Is(err, problem.ErrInvalid) {
		t.Fatalf("a signer of another CA: %v", err)
	}
}

func TestAnswerOfRefusalShowsNothingUnsigned(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	issued, _ := f.issuer.Issue(vaccination())
	other := newFixture(t)
	a := AnswerOf(other.verifier.Verify(issued.QR, issueTime))
	if a.Valid || a.Code != CodeUnknownKid || a.Name != "" || a.DateOfBirth != "" {
		t.Fatalf("answer %+v", a)
	}
	if a := AnswerOf(f.verifier.Verify("hello", issueTime)); a.Code != CodeBadPrefix || a.MessageEn == "" {
		t.Fatalf("answer %+v", a)
	}
}

func FuzzParseSignerList(f *testing.F) {
	f.Add([]byte(`{"country":"VN","csca":[],"signers":[]}`))
	f.Add([]byte(`{"csca":["!!"],"signers":[{"kid":"x","certificate":"AAAA"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dscs, err := ParseSignerList(b)
		if err == nil && len(dscs) == 0 {
			t.Fatal("no error and no signer")
		}
		if err != nil && !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("not a field error: %v", err)
		}
	})
}
