package exposure

import (
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
)

// Config tunes the service. [DefaultConfig] gives the production values.
type Config struct {
	// Issuer and Audience are the verification certificate's "iss" and
	// "aud": this platform's verification server and key server.
	Issuer, Audience string
	// TokenAudience is the verification token's "aud": the verification
	// server itself, so a token is never mistaken for a certificate.
	TokenAudience string
	// HealthAuthorityIDs are the apps (Android package names, iOS bundle
	// ids) whose uploads are accepted, as sent in healthAuthorityID.
	HealthAuthorityIDs []string

	// ShortCodeValidity and LongCodeValidity bound how long a code may be
	// used: the short one is read out or typed, the long one travels in a
	// message link.
	ShortCodeValidity, LongCodeValidity time.Duration
	// TokenValidity bounds the wait between /api/verify and /api/certificate
	// (the person confirms sharing on the phone in between).
	TokenValidity time.Duration
	// CertificateValidity bounds the wait between /api/certificate and the
	// upload.
	CertificateValidity time.Duration
	// ClockSkew is allowed on the expiry of tokens and certificates.
	ClockSkew time.Duration
	// IssueLimit caps the codes one official issues; VerifyLimit caps the
	// code checks from one network address (against guessing short codes).
	IssueLimit, VerifyLimit access.Limit
	// MaxCodeDateAge is how far back a symptom onset or test date may lie.
	MaxCodeDateAge time.Duration

	// UploadWindow is the precision to which the time of an upload, and
	// the time a code or token is used, are kept; an upload is held back
	// until its window has passed. Whoever reads the database cannot then
	// line an upload up with the code used just before it (and, through the
	// audit trail, with the case the code was issued for): every upload of
	// the same hour looks alike.
	UploadWindow time.Duration

	// ExportPeriod is how often the housekeeping job cuts a batch.
	ExportPeriod time.Duration
	// ExportDelay keeps a batch's window this far behind the clock, so that
	// an upload still committing (or a server whose clock is slightly
	// behind) is not left out of the window it belongs to.
	ExportDelay time.Duration
	// ExportLease is how long a server may take to build a batch before
	// another server takes the batch over.
	ExportLease time.Duration
	// MaxKeysPerFile splits a large batch into several files.
	MaxKeysPerFile int
	// MinKeysPerBatch pads a small batch with random keys, so that the size
	// of a file does not tell how many people reported.
	MinKeysPerBatch int
	// Retention is how long keys and export files are kept: phones match 14
	// days of keys.
	Retention time.Duration
	// Region is the export files' region; ExportKeyID their
	// verification_key_id (Viet Nam's mobile country code, as Apple and
	// Google ask); ExportPrefix the folder of the files and index.txt.
	Region, ExportKeyID, ExportPrefix string
}

// DefaultConfig returns the production configuration.
func DefaultConfig() Config {
	return Config{
		Issuer:              "verify.pccovid.gov.vn",
		Audience:            "exposure.pccovid.gov.vn",
		TokenAudience:       "verify.pccovid.gov.vn/token",
		HealthAuthorityIDs:  []string{"vn.gov.pccovid", "vn.gov.pccovid.ios"},
		ShortCodeValidity:   time.Hour,
		LongCodeValidity:    24 * time.Hour,
		TokenValidity:       time.Hour,
		CertificateValidity: 15 * time.Minute,
		ClockSkew:           time.Minute,
		IssueLimit:          access.Limit{Max: 100, Per: time.Hour},
		VerifyLimit:         access.Limit{Max: 60, Per: time.Hour},
		MaxCodeDateAge:      28 * 24 * time.Hour,
		UploadWindow:        time.Hour,
		ExportPeriod:        time.Hour,
		ExportDelay:         time.Minute,
		ExportLease:         10 * time.Minute,
		MaxKeysPerFile:      30000,
		MinKeysPerBatch:     500,
		Retention:           14 * 24 * time.Hour,
		Region:              gaen.RegionVN,
		ExportKeyID:         "452",
		ExportPrefix:        "exposureKeyExport-" + gaen.RegionVN,
	}
}

// Exportable returns when keys uploaded at t (of days already over) can
// first be cut into an export: the end of their upload window, plus the
// export delay. Keys still valid at t wait for their expiry instead.
func (c Config) Exportable(t time.Time) time.Time {
	if c.UploadWindow > 0 {
		t = t.UTC().Truncate(c.UploadWindow).Add(c.UploadWindow)
	}
	return t.Add(c.ExportDelay)
}
