package certificate

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"
)

// Answer is what a checkpoint is told about a certificate: valid or not,
// why in both languages, and, once the signature is verified, what it
// certifies. The verifier page (in the browser, compiled to WebAssembly),
// the JSON API and `pccovid dcc verify` all build it with [AnswerOf], so
// they give the same answer for the same QR text, signer list and time.
type Answer struct {
	Valid     bool      `json:"valid"`
	Code      Code      `json:"code"`
	MessageVi string    `json:"message_vi"`
	MessageEn string    `json:"message_en"`
	Detail    string    `json:"detail,omitempty"` // English, for operators; no personal data
	Kid       string    `json:"kid,omitempty"`
	Issuer    string    `json:"issuer,omitempty"`
	IssuedAt  time.Time `json:"issued_at,omitzero"`
	Expires   time.Time `json:"expires,omitzero"`
	Type      Type      `json:"type,omitempty"`
	// The holder and the entry, from the signed payload only.
	Name        string `json:"name,omitempty"`        // family then given name, as written
	NameStd     string `json:"name_std,omitempty"`    // FNT<<GNT
	DateOfBirth string `json:"dob,omitempty"`         // as in the payload
	UVCI        string `json:"uvci,omitempty"`        //
	Entry       string `json:"entry,omitempty"`       // one line: dose 2/2 of …, test …, recovery …
	EntryDate   string `json:"entry_date,omitempty"`  // vaccination date, sample time, first positive
	ValidFrom   string `json:"valid_from,omitempty"`  // recovery
	ValidUntil  string `json:"valid_until,omitempty"` // recovery
}

// AnswerOf turns the outcome of [Verifier.Verify] into an Answer.
func AnswerOf(res Result, err error) Answer {
	a := Answer{Valid: err == nil && res.Valid, Code: res.Code, Detail: res.Message}
	if a.Code == "" {
		a.Code = CodeBadPrefix
	}
	a.MessageVi, a.MessageEn = a.Code.Text("vi"), a.Code.Text("en")
	if len(res.Kid) > 0 {
		a.Kid = base64.StdEncoding.EncodeToString(res.Kid)
	}
	if res.Signer == nil || res.DCC == nil {
		return a // nothing unsigned is shown
	}
	a.Issuer, a.IssuedAt, a.Expires, a.Type = res.Issuer, res.IssuedAt, res.Expires, res.Type
	d := res.DCC
	a.Name = strings.TrimSpace(d.Name.FamilyName + " " + d.Name.GivenName)
	a.NameStd = d.Name.FamilyNameStd + "<<" + d.Name.GivenNameStd
	a.DateOfBirth, a.UVCI = d.DateOfBirth, d.ID()
	switch {
	case len(d.Vaccinations) > 0:
		v := d.Vaccinations[0]
		a.Entry, a.EntryDate = fmt.Sprintf("dose %d/%d · %s · %s", v.DoseNumber, v.TotalDoses, v.Product, v.Country), v.Date
	case len(d.Tests) > 0:
		x := d.Tests[0]
		a.Entry, a.EntryDate = fmt.Sprintf("%s · %s · %s", testTypeName(x.Type), testResultName(x.Result), x.Country), x.SampleTime
	case len(d.Recoveries) > 0:
		r := d.Recoveries[0]
		a.Entry, a.EntryDate = "recovery · "+r.Country, r.FirstPositive
		a.ValidFrom, a.ValidUntil = r.ValidFrom, r.ValidUntil
	}
	return a
}

func testTypeName(code string) string {
	switch code {
	case "LP6464-4":
		return "NAAT (PCR)"
	case "LP217198-3":
		return "rapid antigen"
	}
	return code
}

func testResultName(code string) string {
	switch code {
	case "260415000":
		return "not detected"
	case "260373001":
		return "detected"
	}
	return code
}

// WriteText writes the answer for a terminal: the verdict and its code on
// the first line, then what the certificate says.
func (a Answer) WriteText(w io.Writer) {
	if a.Valid {
		fmt.Fprintf(w, "VALID (%s): %s\n", a.Code, a.MessageEn)
	} else {
		fmt.Fprintf(w, "NOT VALID (%s): %s\n", a.Code, a.MessageEn)
	}
	if a.Detail != "" && !a.Valid {
		fmt.Fprintf(w, "  why: %s\n", a.Detail)
	}
	if a.Name == "" {
		return
	}
	fmt.Fprintf(w, "  holder: %s (%s), born %s\n", a.Name, a.NameStd, a.DateOfBirth)
	fmt.Fprintf(w, "  %s: %s, %s\n", typeName(a.Type), a.Entry, a.EntryDate)
	if a.ValidUntil != "" {
		fmt.Fprintf(w, "  recovery valid from %s until %s\n", a.ValidFrom, a.ValidUntil)
	}
	fmt.Fprintf(w, "  certificate %s, issued by %s at %s, expires %s (kid %s)\n", a.UVCI, a.Issuer,
		a.IssuedAt.Format(time.RFC3339), a.Expires.Format(time.RFC3339), a.Kid)
}

func typeName(t Type) string {
	switch t {
	case TypeVaccination:
		return "vaccination"
	case TypeTest:
		return "test"
	case TypeRecovery:
		return "recovery"
	}
	return "certificate"
}
