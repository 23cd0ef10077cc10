package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/problem"
)

// HTTPRegistry talks to the population-database and social-insurance
// services over HTTP. The contract, which those services implement for
// PC-Covid:
//
//	GET {base}/v1/citizens/{cccd}            → 200 RegistryRecord | 404
//	GET {base}/v1/citizens?old_id={cmnd}     → 200 RegistryRecord | 404
//	GET {base}/v1/insurance-cards?cccd={cccd} → 200 {"cards": [InsuranceRecord…]}
//
// Every request carries "Authorization: Bearer {token}" (PC-Covid's service
// credential), "X-Purpose: {purpose}" (one of access's purposes: the
// services keep their own log of why each record was asked for) and
// "X-Request-ID". Errors are JSON {"error": code, "message": text}: 404
// not_found, 401/403 for credentials, 429 with Retry-After, 5xx for faults.
// Answers are validated like the extract ([RegistryRecord.Normalize]).
type HTTPRegistry struct {
	Base    string
	Token   string
	Purpose access.Purpose
	Client  *http.Client
}

var (
	_ Registry         = (*HTTPRegistry)(nil)
	_ InsuranceService = (*HTTPRegistry)(nil)
)

// Citizen asks the registry for the citizen with this CCCD.
func (h *HTTPRegistry) Citizen(ctx context.Context, cccd string) (RegistryRecord, error) {
	var r RegistryRecord
	err := h.get(ctx, "/v1/citizens/"+url.PathEscape(cccd), &r)
	if err != nil {
		return r, err
	}
	return r, validated(&r)
}

// CitizenByOldID asks the registry for the citizen who held this CMND.
func (h *HTTPRegistry) CitizenByOldID(ctx context.Context, cmnd string) (RegistryRecord, error) {
	var r RegistryRecord
	err := h.get(ctx, "/v1/citizens?old_id="+url.QueryEscape(cmnd), &r)
	if err != nil {
		return r, err
	}
	return r, validated(&r)
}

// Cards asks the social-insurance service for a citizen's cards.
func (h *HTTPRegistry) Cards(ctx context.Context, cccd string) ([]InsuranceRecord, error) {
	var body struct {
		Cards []InsuranceRecord `json:"cards"`
	}
	if err := h.get(ctx, "/v1/insurance-cards?cccd="+url.QueryEscape(cccd), &body); err != nil {
		return nil, err
	}
	for i := range body.Cards {
		if err := body.Cards[i].Normalize(); err != nil {
			return nil, fmt.Errorf("identity: insurance service answered a bad card: %w", err)
		}
	}
	return body.Cards, nil
}

func validated(r *RegistryRecord) error {
	if err := r.Normalize(); err != nil {
		return fmt.Errorf("identity: registry answered a bad record: %w", err)
	}
	return nil
}

func (h *HTTPRegistry) get(ctx context.Context, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(h.Base, "/")+path, nil)
	if err != nil {
		return fmt.Errorf("identity: registry request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+h.Token)
	req.Header.Set("X-Purpose", string(h.Purpose))
	req.Header.Set("Accept", "application/json")
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		req.Header.Set("X-Request-ID", id)
	}
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("identity: registry unreachable: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("identity: registry answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("identity: registry answer is not the agreed JSON: %w", err)
		}
		return nil
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("identity: registry: %w", problem.ErrNotFound)
	case resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("identity: registry is rate limiting (retry after %s): %w", resp.Header.Get("Retry-After"), problem.ErrRateLimited)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("identity: registry refused PC-Covid's credentials (%d)", resp.StatusCode)
	}
	var e struct{ Error, Message string }
	json.Unmarshal(body, &e)
	return fmt.Errorf("identity: registry error %d %s %s", resp.StatusCode, e.Error, e.Message)
}

type requestIDKey struct{}

// WithRequestID returns a context whose outgoing registry requests carry id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// Registry returns the loaded extract as a Registry: the default when no
// live service is configured.
func (s *Store) Registry() Registry { return extractRegistry{s} }

type extractRegistry struct{ s *Store }

func (e extractRegistry) Citizen(ctx context.Context, cccd string) (RegistryRecord, error) {
	return e.record(ctx, "SELECT id FROM persons WHERE id = $1 AND verified", e.s.RegistryID(cccd))
}

func (e extractRegistry) CitizenByOldID(ctx context.Context, cmnd string) (RegistryRecord, error) {
	return e.record(ctx, "SELECT id FROM persons WHERE cmnd_idx = $1 AND verified", e.s.sealer.Index(string(KindCMND), cmnd))
}

func (e extractRegistry) record(ctx context.Context, q string, key any) (RegistryRecord, error) {
	ids, err := e.s.ids(ctx, q, key)
	if err != nil {
		return RegistryRecord{}, err
	}
	if len(ids) != 1 {
		return RegistryRecord{}, fmt.Errorf("identity: registry: %w", problem.ErrNotFound)
	}
	p, err := e.s.load(ctx, ids[0])
	if err != nil {
		return RegistryRecord{}, err
	}
	return RegistryRecord{CCCD: p.CCCD, OldID: p.OldID, FullName: p.FullName, BirthDate: p.BirthDate.String(),
		Sex: p.Sex.String(), WardCode: p.WardCode, Address: p.Address, Phone: string(p.Phone)}, nil
}
