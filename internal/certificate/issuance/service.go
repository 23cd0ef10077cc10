// Package issuance issues PC-Covid's COVID-19 certificates in the EU DCC
// format to the people the platform knows, from their doses, tests and
// confirmed recoveries, and keeps Vietnam's signing keys: the country
// signing CA and the document signers, sealed at rest, rotated, and
// published as a signer list for verifiers.
//
// The certificate format itself — payload, schema, UVCI, CWT, COSE,
// Base45, verification — is package certificate, which holds no database
// code so that the checkpoint verifier can run it in the browser.
package issuance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/certificate"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// IssuerName is the is field of Vietnam's certificates.
const IssuerName = "Ministry of Health of Viet Nam"

// fieldQR is the sealed field of a certificate's QR text.
const fieldQR = "dcc_certificate.qr"

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "dcc_keys", Key: []string{"kid"}, Column: "private_sealed", Field: fieldKey},
		{Table: "dcc_certificates", Key: []string{"id"}, Column: "qr_sealed", Field: fieldQR},
	}
}

// Certificate is a certificate issued to a person.
type Certificate struct {
	ID       string
	PersonID string
	Type     certificate.Type
	RecordID string // the dose, test or treatment it certifies
	UVCI     string
	KID      string
	IssuedAt time.Time
	Expires  time.Time
	QR       string // "HC1:…"
	// What it says, read back from the QR.
	Answer certificate.Answer
}

// Service issues certificates.
type Service struct {
	db         *db.DB
	sealer     *seal.Sealer
	guard      *access.Guard
	persons    *identity.Store
	health     *health.Store
	treatments *health.Treatments
	keys       *Keys
	clock      clock.Clock
}

// NewService returns the certificate service.
func NewService(d *db.DB, s *seal.Sealer, g *access.Guard, persons *identity.Store, h *health.Store,
	t *health.Treatments, keys *Keys, c clock.Clock) *Service {
	return &Service{db: d, sealer: s, guard: g, persons: persons, health: h, treatments: t, keys: keys, clock: c}
}

// Keys returns the signing keys.
func (s *Service) Keys() *Keys { return s.keys }

// Option is a record a person may get a certificate for.
type Option struct {
	Type     certificate.Type
	RecordID string
	Date     string // the dose's day, the sample time, the first positive day
	Detail   string // product and dose number, test type and result
	Issued   *Certificate
}

// checkRead lets a citizen (or their family) or an official for
// vaccination, testing or treatment act on a person's certificates.
func (s *Service) checkRead(ctx context.Context, req access.Request, action, personID string) (access.Subject, error) {
	if req.Actor.Kind != access.KindCitizen && !slices.Contains([]access.Purpose{access.PurposeVaccination,
		access.PurposeTesting, access.PurposeTreatment}, req.Purpose) {
		return access.Subject{}, fmt.Errorf("certificate: a certificate is for vaccination, testing or treatment: %w", problem.ErrForbidden)
	}
	sub, err := s.persons.Subject(ctx, personID)
	if err != nil {
		return sub, err
	}
	return sub, s.guard.Read(ctx, req, action, sub)
}

// Options lists what the person may get a certificate for — every dose,
// every test, the latest confirmed recovery — with the certificate already
// issued for it, if any. Newest first within each type.
func (s *Service) Options(ctx context.Context, req access.Request, personID string) ([]Option, error) {
	sub, err := s.checkRead(ctx, req, "certificate.options", personID)
	if err != nil {
		return nil, err
	}
	recs, err := s.health.ForPerson(ctx, req, sub)
	if err != nil {
		return nil, err
	}
	issued, err := s.issued(ctx, personID)
	if err != nil {
		return nil, err
	}
	var out []Option
	for _, d := range slices.Backward(recs.Doses) {
		out = append(out, Option{Type: certificate.TypeVaccination, RecordID: d.ID, Date: d.Date.String(),
			Detail: fmt.Sprintf("%d · %s", d.Number, productName(d))})
	}
	for _, t := range slices.Backward(recs.Tests) {
		out = append(out, Option{Type: certificate.TypeTest, RecordID: t.ID, Date: t.SampledAt.In(vn.Location()).Format("2006-01-02 15:04"),
			Detail: t.Type + " · " + map[bool]string{true: "positive", false: "negative"}[t.Positive]})
	}
	if tr, err := s.treatments.LatestRecovered(ctx, personID); err != nil {
		return nil, err
	} else if tr != nil && !tr.FirstPositive.IsZero() {
		out = append(out, Option{Type: certificate.TypeRecovery, RecordID: tr.ID, Date: dayOf(tr.FirstPositive)})
	}
	for i := range out {
		for j := range issued {
			if issued[j].Type == out[i].Type && issued[j].RecordID == out[i].RecordID {
				out[i].Issued = &issued[j]
			}
		}
	}
	return out, nil
}

func productName(d health.Dose) string {
	if v, ok := health.LookupVaccine(d.Product); ok {
		return v.Name
	}
	return d.ProductName
}

func dayOf(t time.Time) string { return t.In(vn.Location()).Format("2006-01-02") }

// Issue issues (or returns, when it was issued before) the certificate of
// one record: a dose, a test, or a treatment with a confirmed recovery.
func (s *Service) Issue(ctx context.Context, req access.Request, personID string, typ certificate.Type, recordID string) (Certificate, error) {
	sub, err := s.checkRead(ctx, req, "certificate.issue", personID)
	if err != nil {
		return Certificate{}, err
	}
	if c, err := s.find(ctx, personID, typ, recordID); err == nil || !errors.Is(err, problem.ErrNotFound) {
		return c, err
	}
	p, err := s.persons.Get(ctx, req, personID)
	if err != nil {
		return Certificate{}, err
	}
	d, err := s.payload(ctx, req, sub, p, typ, recordID)
	if err != nil {
		return Certificate{}, err
	}
	is, kid, err := s.keys.Issuer(ctx)
	if err != nil {
		return Certificate{}, err
	}
	signed, err := is.Issue(d)
	if err != nil {
		return Certificate{}, err
	}
	c := Certificate{ID: db.NewID(), PersonID: personID, Type: typ, RecordID: recordID, UVCI: signed.UVCI, KID: kid,
		IssuedAt: signed.IssuedAt, Expires: signed.Expires, QR: signed.QR}
	if err := s.store(ctx, c); err != nil {
		return Certificate{}, err
	}
	return s.find(ctx, personID, typ, recordID)
}

func (s *Service) store(ctx context.Context, c Certificate) error {
	_, err := s.db.Exec(ctx, `INSERT INTO dcc_certificates (id, person_id, kind, record_id, uvci, kid, issued_at, expires_at, qr_sealed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (person_id, kind, record_id) DO NOTHING`,
		c.ID, c.PersonID, string(c.Type), c.RecordID, c.UVCI, c.KID, db.Millis(c.IssuedAt), db.Millis(c.Expires),
		s.sealer.SealString(fieldQR, c.QR))
	if err != nil {
		return fmt.Errorf("certificate: store: %w", err)
	}
	return nil
}

// payload builds the DCC of one record of person p.
func (s *Service) payload(ctx context.Context, req access.Request, sub access.Subject, p identity.Person,
	typ certificate.Type, recordID string) (certificate.DCC, error) {
	d := certificate.DCC{Name: nameOf(p.FullName), DateOfBirth: dobOf(p.BirthDate)}
	recs, err := s.health.ForPerson(ctx, req, sub)
	if err != nil {
		return d, err
	}
	switch typ {
	case certificate.TypeVaccination:
		i := slices.IndexFunc(recs.Doses, func(x health.Dose) bool { return x.ID == recordID })
		if i < 0 {
			return d, notFound("dose")
		}
		v, err := vaccination(recs.Doses[i])
		d.Vaccinations = []certificate.Vaccination{v}
		return d, err
	case certificate.TypeTest:
		i := slices.IndexFunc(recs.Tests, func(x health.Test) bool { return x.ID == recordID })
		if i < 0 {
			return d, notFound("test")
		}
		d.Tests = []certificate.Test{test(recs.Tests[i])}
		return d, nil
	case certificate.TypeRecovery:
		r, err := s.recovery(ctx, p.ID, recordID)
		d.Recoveries = []certificate.Recovery{r}
		return d, err
	}
	return d, problem.Field("type", "Loại chứng nhận không hợp lệ", "the certificate type is v, t or r")
}

func notFound(what string) error {
	return fmt.Errorf("certificate: no such %s of this person: %w", what, problem.ErrNotFound)
}

// nameOf splits a Vietnamese full name, family name first, into the
// DCC's family and given names.
func nameOf(full string) certificate.Name {
	family, middle, given := vn.NameParts(full)
	return certificate.Name{FamilyName: family, GivenName: strings.TrimSpace(middle + " " + given)}
}

func dobOf(d vn.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func vaccination(x health.Dose) (certificate.Vaccination, error) {
	v, ok := health.LookupVaccine(x.Product)
	if !ok {
		return certificate.Vaccination{}, problem.Field("record", "Loại vắc xin này chưa có mã EU để cấp chứng nhận",
			"this vaccine has no EU code to certify it with")
	}
	if x.Date.Day == 0 {
		return certificate.Vaccination{}, problem.Field("record", "Mũi tiêm thiếu ngày tiêm", "the dose has no full date")
	}
	return certificate.Vaccination{Target: "840539006", Prophylaxis: v.Prophylaxis, Product: v.Product,
		Manufacturer: v.Manufacturer, DoseNumber: x.Number, TotalDoses: max(v.Series, x.Number), Date: x.Date.String(),
		Country: certificate.Country, Issuer: IssuerName}, nil
}

func test(x health.Test) certificate.Test {
	t := certificate.Test{Target: "840539006", Type: "LP6464-4", SampleTime: x.SampledAt.UTC().Format(time.RFC3339),
		Result: "260415000", Centre: clip(x.Lab, 80), Country: certificate.Country, Issuer: IssuerName}
	if x.Type == "RAT" {
		t.Type = "LP217198-3"
	}
	if x.Positive {
		t.Result = "260373001"
	}
	return t
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// Recovery certificates are valid from the 11th day after the first
// positive test until the 180th (EU rules, HCERT value sets).
const (
	recoveryFrom  = 11
	recoveryUntil = 180
)

func (s *Service) recovery(ctx context.Context, personID, treatmentID string) (certificate.Recovery, error) {
	tr, err := s.treatments.LatestRecovered(ctx, personID)
	if err != nil {
		return certificate.Recovery{}, err
	}
	if tr == nil || tr.ID != treatmentID || tr.FirstPositive.IsZero() {
		return certificate.Recovery{}, notFound("confirmed recovery")
	}
	fr := tr.FirstPositive.In(vn.Location())
	first := time.Date(fr.Year(), fr.Month(), fr.Day(), 0, 0, 0, 0, time.UTC)
	until := first.AddDate(0, 0, recoveryUntil)
	if s.clock.Now().After(until.Add(24 * time.Hour)) {
		return certificate.Recovery{}, problem.Field("record", "Đã quá 180 ngày kể từ lần xét nghiệm dương tính đầu tiên",
			"more than 180 days have passed since the first positive test")
	}
	return certificate.Recovery{Target: "840539006", FirstPositive: first.Format("2006-01-02"), Country: certificate.Country,
		Issuer: IssuerName, ValidFrom: first.AddDate(0, 0, recoveryFrom).Format("2006-01-02"),
		ValidUntil: until.Format("2006-01-02")}, nil
}

// List returns the certificates issued to a person, newest first.
func (s *Service) List(ctx context.Context, req access.Request, personID string) ([]Certificate, error) {
	if _, err := s.checkRead(ctx, req, "certificate.list", personID); err != nil {
		return nil, err
	}
	return s.issued(ctx, personID)
}

// Get returns one certificate, for its holder (or family) or an official.
func (s *Service) Get(ctx context.Context, req access.Request, id string) (Certificate, error) {
	var person string
	err := s.db.QueryRow(ctx, "SELECT person_id FROM dcc_certificates WHERE id = $1", id).Scan(&person)
	if errors.Is(err, sql.ErrNoRows) {
		return Certificate{}, fmt.Errorf("certificate %s: %w", id, problem.ErrNotFound)
	}
	if err != nil {
		return Certificate{}, err
	}
	if _, err := s.checkRead(ctx, req, "certificate.view", person); err != nil {
		return Certificate{}, err
	}
	cs, err := s.query(ctx, "c.id = $1", id)
	if err != nil || len(cs) == 0 {
		return Certificate{}, errors.Join(err, problem.ErrNotFound)
	}
	return cs[0], nil
}

func (s *Service) find(ctx context.Context, personID string, typ certificate.Type, recordID string) (Certificate, error) {
	cs, err := s.query(ctx, "c.person_id = $1 AND c.kind = $2 AND c.record_id = $3", personID, string(typ), recordID)
	if err != nil {
		return Certificate{}, err
	}
	if len(cs) == 0 {
		return Certificate{}, fmt.Errorf("certificate: %w", problem.ErrNotFound)
	}
	return cs[0], nil
}

func (s *Service) issued(ctx context.Context, personID string) ([]Certificate, error) {
	return s.query(ctx, "c.person_id = $1", personID)
}

// query reads certificates and what they say (read back from the QR with
// the published signers, at the time of issue).
func (s *Service) query(ctx context.Context, where string, args ...any) ([]Certificate, error) {
	rows, err := s.db.Query(ctx, `SELECT c.id, c.person_id, c.kind, c.record_id, c.uvci, c.kid, c.issued_at, c.expires_at,
		c.qr_sealed FROM dcc_certificates c WHERE `+where+` AND c.revoked_at = 0 ORDER BY c.issued_at DESC, c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("certificate: issued: %w", err)
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		var c Certificate
		var kind string
		var issued, expires int64
		var sealed []byte
		if err := rows.Scan(&c.ID, &c.PersonID, &kind, &c.RecordID, &c.UVCI, &c.KID, &issued, &expires, &sealed); err != nil {
			return nil, err
		}
		c.Type, c.IssuedAt, c.Expires = certificate.Type(kind), db.TimeOf(issued), db.TimeOf(expires)
		if c.QR, err = s.sealer.OpenString(fieldQR, sealed); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.readBack(ctx, out)
}

func (s *Service) readBack(ctx context.Context, cs []Certificate) error {
	if len(cs) == 0 {
		return nil
	}
	v, err := s.keys.Verifier(ctx)
	if err != nil {
		return err
	}
	for i := range cs {
		cs[i].Answer = certificate.AnswerOf(v.Verify(cs[i].QR, cs[i].IssuedAt))
	}
	return nil
}

// Verify checks QR text against the published signers at time at: the
// server-side twin of the verifier page.
func (s *Service) Verify(ctx context.Context, qr string, at time.Time) (certificate.Answer, error) {
	v, err := s.keys.Verifier(ctx)
	if err != nil {
		return certificate.Answer{}, err
	}
	return certificate.AnswerOf(v.Verify(strings.TrimSpace(qr), at)), nil
}
