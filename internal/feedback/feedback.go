// Package feedback holds citizens' reports ("phản ánh") about a place:
// crowding, people without masks, a quarantine breach, a venue that does
// not check people in. A report goes to the authorities of the ward it is
// about; the commune officers of that ward — and only they, a rule this
// package enforces where it reads the reports — answer and close it, and
// the answer reaches the citizen's inbox.
//
// Officers see what was reported and where, never who reported it: people
// report their neighbours more readily when the neighbours cannot find out.
package feedback

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// Category is what a report is about.
type Category string

// The categories, a fixed list.
const (
	CategoryCrowding         Category = "crowding"
	CategoryNoMask           Category = "no_mask"
	CategoryQuarantineBreach Category = "quarantine_breach"
	CategoryVenueNotChecking Category = "venue_not_checking"
	CategoryOther            Category = "other"
)

// Categories returns the categories in the order a form lists them.
func Categories() []Category {
	return []Category{CategoryCrowding, CategoryNoMask, CategoryQuarantineBreach, CategoryVenueNotChecking, CategoryOther}
}

// Status is where a report stands.
type Status string

// Statuses. An answered report stays open for a further answer until an
// officer closes it.
const (
	StatusOpen     Status = "open"
	StatusAnswered Status = "answered"
	StatusClosed   Status = "closed"
)

// Report is one citizen's report.
type Report struct {
	ID         string
	Category   Category
	Ward       string
	Text       string
	Status     Status
	Answer     string
	AnsweredAt time.Time
	CreatedAt  time.Time
}

// Form is a report as a citizen fills it in.
type Form struct {
	Category string
	Ward     string // the ward the report is about
	Text     string
}

// Limits.
const (
	maxText = 2000
	minText = 10
)

// limits bound how often one account reports: enough for a real problem,
// too few to flood a ward's officers.
var limits = []access.Limit{{Max: 5, Per: time.Hour}, {Max: 20, Per: 24 * time.Hour}}

// Sealed fields.
const (
	fieldText   = "feedback.text"
	fieldAnswer = "feedback.answer"
)

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	k := []string{"id"}
	return []seal.Column{
		{Table: "feedback_reports", Key: k, Column: "text_sealed", Field: fieldText},
		{Table: "feedback_reports", Key: k, Column: "answer_sealed", Field: fieldAnswer},
	}
}

// Store holds the reports.
type Store struct {
	db      *db.DB
	sealer  *seal.Sealer
	guard   *access.Guard
	limiter *access.Limiter
	inbox   *inbox.Store
	clock   clock.Clock
}

// NewStore returns the report store. Answers are delivered through ib.
func NewStore(d *db.DB, s *seal.Sealer, g *access.Guard, l *access.Limiter, ib *inbox.Store, c clock.Clock) *Store {
	return &Store{db: d, sealer: s, guard: g, limiter: l, inbox: ib, clock: c}
}

// Submit stores a citizen's report. The citizen must have a profile, so
// that the answer can reach them; reports are limited per account.
func (s *Store) Submit(ctx context.Context, actor access.Actor, f Form) (Report, error) {
	if actor.Kind != access.KindCitizen {
		return Report{}, fmt.Errorf("feedback: only citizens report: %w", problem.ErrForbidden)
	}
	if actor.PersonID == "" {
		return Report{}, problem.Field("text", "Hãy xác nhận bạn là ai trước khi gửi phản ánh, để nhận được trả lời",
			"confirm who you are before you report, so that the answer can reach you")
	}
	r, err := check(f)
	if err != nil {
		return Report{}, err
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	r.ID, r.Status, r.CreatedAt = db.NewID(), StatusOpen, now
	buckets := make([]access.Bucket, len(limits))
	for i, l := range limits {
		buckets[i] = access.Bucket{Key: fmt.Sprintf("feedback:%s:%s", actor.ID, l.Per), Limit: l}
	}
	err = s.db.Transact(ctx, func(tx *db.DB) error {
		if err := s.limiter.Take(ctx, tx, buckets...); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO feedback_reports (id, person_id, account_id, ward_code, category, text_sealed,
			status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			r.ID, actor.PersonID, actor.ID, r.Ward, string(r.Category), s.sealer.SealString(fieldText, r.Text),
			string(r.Status), db.Millis(now))
		return err
	})
	if err != nil {
		return Report{}, fmt.Errorf("feedback: submit: %w", err)
	}
	return r, nil
}

// check reads a form: a category of the list, a real ward, a text of
// 10–2000 characters.
func check(f Form) (Report, error) {
	var errs problem.Fields
	r := Report{Category: Category(strings.TrimSpace(f.Category)), Ward: strings.TrimSpace(f.Ward),
		Text: strings.TrimSpace(f.Text)}
	if !slices.Contains(Categories(), r.Category) {
		errs.Add(problem.Field("category", "Hãy chọn nội dung phản ánh trong danh sách", "choose what you are reporting from the list"))
	}
	if u, ok := vn.AdminUnits().Ward(r.Ward); !ok || u.Code != r.Ward {
		errs.Add(problem.Field("ward", "Hãy chọn phường, xã nơi xảy ra việc", "choose the ward or commune where it happens"))
	}
	switch n := utf8.RuneCountInString(r.Text); {
	case !utf8.ValidString(r.Text):
		errs.Add(problem.Field("text", "Nội dung có ký tự không hợp lệ", "the text has invalid characters"))
	case n < minText:
		errs.Add(problem.Field("text", fmt.Sprintf("Hãy mô tả rõ hơn (ít nhất %d ký tự)", minText),
			fmt.Sprintf("describe it in a little more detail (at least %d characters)", minText)))
	case n > maxText:
		errs.Add(problem.Field("text", fmt.Sprintf("Nội dung quá dài (tối đa %d ký tự)", maxText),
			fmt.Sprintf("too long (at most %d characters)", maxText)))
	}
	return r, errs.Err()
}

const reportColumns = `SELECT id, category, ward_code, text_sealed, status, answer_sealed, answered_at, created_at
	FROM feedback_reports `

// Mine returns the citizen's own reports, newest first, with their status
// and answer.
func (s *Store) Mine(ctx context.Context, actor access.Actor) ([]Report, error) {
	if actor.Kind != access.KindCitizen || actor.PersonID == "" {
		return nil, nil
	}
	return s.query(ctx, "WHERE person_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100", actor.PersonID)
}

// Filter selects reports in the console.
type Filter string

// Filters: the reports still to handle, the closed ones, or all.
const (
	FilterOpen   Filter = "open"
	FilterClosed Filter = "closed"
	FilterAll    Filter = "all"
)

// ForOfficer returns the newest reports about the wards of an officer's
// area. Only commune officers handle reports.
func (s *Store) ForOfficer(ctx context.Context, actor access.Actor, filter Filter) ([]Report, error) {
	if err := mayHandle(actor); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if actor.Scope != access.Country {
		w, a := actor.Scope.Filter("ward_code", 0)
		where, args = append(where, w), a
	}
	switch filter {
	case FilterOpen, "":
		where = append(where, "status <> 'closed'")
	case FilterClosed:
		where = append(where, "status = 'closed'")
	}
	q := "ORDER BY created_at DESC, id DESC LIMIT 200"
	if len(where) > 0 {
		q = "WHERE " + strings.Join(where, " AND ") + " " + q
	}
	return s.query(ctx, q, args...)
}

func mayHandle(actor access.Actor) error {
	if actor.Kind != access.KindOfficial || actor.Role != access.RoleCommuneOfficer {
		return fmt.Errorf("feedback: reports are handled by commune officers: %w", problem.ErrForbidden)
	}
	return nil
}

// Get returns one report to a commune officer whose area covers its ward.
func (s *Store) Get(ctx context.Context, actor access.Actor, id string) (Report, error) {
	if err := mayHandle(actor); err != nil {
		return Report{}, err
	}
	rs, err := s.query(ctx, "WHERE id = $1", id)
	if err != nil {
		return Report{}, err
	}
	if len(rs) == 0 {
		return Report{}, fmt.Errorf("feedback: report %s: %w", id, problem.ErrNotFound)
	}
	if !actor.Scope.Covers(rs[0].Ward) {
		return Report{}, fmt.Errorf("feedback: report %s is outside %s: %w", id, actor.Scope, problem.ErrForbidden)
	}
	return rs[0], nil
}

// Answer records a commune officer's answer to a report of their area and,
// with close, closes it. The answer reaches the reporter's inbox in the same
// transaction; the answering is recorded in the audit trail.
func (s *Store) Answer(ctx context.Context, actor access.Actor, id, answer string, close bool) (Report, error) {
	r, err := s.Get(ctx, actor, id)
	if err != nil {
		return Report{}, err
	}
	answer = strings.TrimSpace(answer)
	switch n := utf8.RuneCountInString(answer); {
	case r.Status == StatusClosed:
		return Report{}, problem.Field("answer", "Phản ánh này đã đóng", "this report is closed")
	case n == 0:
		return Report{}, problem.Field("answer", "Hãy viết câu trả lời cho người dân", "write an answer to the citizen")
	case n > maxText || !utf8.ValidString(answer):
		return Report{}, problem.Field("answer", fmt.Sprintf("Câu trả lời quá dài (tối đa %d ký tự)", maxText),
			fmt.Sprintf("the answer is too long (at most %d characters)", maxText))
	}
	status := StatusAnswered
	if close {
		status = StatusClosed
	}
	req := access.Request{Actor: actor, Purpose: access.PurposeCitizenSupport, Ref: "feedback " + id}
	if err := s.guard.Record(ctx, req, "feedback.answer", "", fmt.Sprintf("report %s, %s", id, status)); err != nil {
		return Report{}, err
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	err = s.db.Transact(ctx, func(tx *db.DB) error {
		var person string
		var n int
		err := tx.QueryRow(ctx, `UPDATE feedback_reports SET status = $1, answer_sealed = $2, answered_by = $3, answered_at = $4,
			answers = answers + 1, updated_at = $4 WHERE id = $5 AND status <> 'closed' RETURNING person_id, answers`,
			string(status), s.sealer.SealString(fieldAnswer, answer), actor.ID, db.Millis(now), id).Scan(&person, &n)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.Field("answer", "Phản ánh này đã đóng", "this report is closed")
		}
		if err != nil {
			return err
		}
		return s.inbox.WithTx(tx).Send(ctx, person, inbox.Message{
			Key: fmt.Sprintf("feedback/%s/%d", id, n), Category: inbox.CategoryFeedback, TitleKey: "feedback.inbox_title",
			Body: inbox.Text{Vi: answer}, Link: "/feedback", Sender: string(actor.Role), SenderArea: string(actor.Scope)})
	})
	if err != nil {
		return Report{}, fmt.Errorf("feedback: answer %s: %w", id, err)
	}
	r.Status, r.Answer, r.AnsweredAt = status, answer, now
	return r, nil
}

func (s *Store) query(ctx context.Context, where string, args ...any) ([]Report, error) {
	rows, err := s.db.Query(ctx, reportColumns+where, args...)
	if err != nil {
		return nil, fmt.Errorf("feedback: list: %w", err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		var r Report
		var cat, status string
		var text, answer []byte
		var answered, created int64
		if err := rows.Scan(&r.ID, &cat, &r.Ward, &text, &status, &answer, &answered, &created); err != nil {
			return nil, fmt.Errorf("feedback: list: %w", err)
		}
		r.Category, r.Status, r.AnsweredAt, r.CreatedAt = Category(cat), Status(status), db.TimeOf(answered), db.TimeOf(created)
		if r.Text, err = s.sealer.OpenString(fieldText, text); err != nil {
			return nil, err
		}
		if r.Answer, err = s.sealer.OpenString(fieldAnswer, answer); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
