// Package inbox holds the messages that reach a citizen in the app: the one
// place where exposure warnings, quarantine orders, test results, answers to
// their reports and notices from officials arrive. Other packages send with
// [Store.Send], idempotently by a key of their choosing, so that nothing is
// notified twice however often a job runs.
//
// A message to one person is a row of its own. A notice to everyone in an
// area is stored once and shown to every resident of the area, each with
// their own read flag. What a message says is sealed at rest.
package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// Text is a text in Vietnamese and, when the sender has it, English.
type Text struct {
	Vi string `json:"vi,omitempty"`
	En string `json:"en,omitempty"`
}

// In returns the text in lang ("vi" or "en"), the Vietnamese one when there
// is no English.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" {
		return t.En
	}
	return t.Vi
}

// Category says what a message is about; the app shows it with an icon and
// a label.
type Category string

// The categories.
const (
	CategoryNotice      Category = "notice"      // from an official
	CategoryExposure    Category = "exposure"    // a possible contact with a case
	CategoryQuarantine  Category = "quarantine"  // quarantine and isolation orders
	CategoryResult      Category = "result"      // test results, certificates
	CategoryDeclaration Category = "declaration" // health declarations
	CategoryFeedback    Category = "feedback"    // answers to a citizen's report
)

// Categories returns the categories, in the order the app lists them.
func Categories() []Category {
	return []Category{CategoryNotice, CategoryExposure, CategoryQuarantine, CategoryResult, CategoryDeclaration, CategoryFeedback}
}

// Message is what a sender gives the inbox.
type Message struct {
	// Key makes sending idempotent: a message with a key already delivered
	// to the person (or area) is not delivered again. Choose it from what
	// the message is about: "exposure/2021-09-10/<case id>".
	Key      string
	Category Category
	// The title and body are either texts, or message keys of the app's
	// catalog that the app renders in the reader's language with Params
	// (TitleKey, BodyKey). A key wins over a text.
	Title, Body       Text
	TitleKey, BodyKey string
	Params            []string
	// Link is an optional path in the app where there is more ("/feedback").
	Link string
	// Sender is who sent it: an official's role ("commune_officer") and
	// area, or empty for the platform itself.
	Sender     string
	SenderArea string
}

// Item is a message as it sits in a person's inbox.
type Item struct {
	ID string
	Message
	// Area is, for a notice to everyone in an area, the area it went to.
	Area string
	At   time.Time
	Read bool
}

// content is the sealed part of a message.
type content struct {
	Title      Text     `json:"title"`
	Body       Text     `json:"body"`
	TitleKey   string   `json:"title_key,omitempty"`
	BodyKey    string   `json:"body_key,omitempty"`
	Params     []string `json:"params,omitempty"`
	Link       string   `json:"link,omitempty"`
	SenderArea string   `json:"sender_area,omitempty"`
}

// Sealed fields.
const (
	fieldMessage = "inbox.message"
	fieldNotice  = "inbox.notice"
)

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "inbox_messages", Key: []string{"id"}, Column: "content_sealed", Field: fieldMessage},
		{Table: "inbox_notices", Key: []string{"id"}, Column: "content_sealed", Field: fieldNotice},
	}
}

// Persons tells the inbox what access rules need to know of a person: their
// area and who manages their profile. identity.Store is one.
type Persons interface {
	Subject(ctx context.Context, personID string) (access.Subject, error)
}

// Store holds the inboxes.
type Store struct {
	db      *db.DB
	sealer  *seal.Sealer
	guard   *access.Guard
	persons Persons
	clock   clock.Clock
}

// NewStore returns the inbox store.
func NewStore(d *db.DB, s *seal.Sealer, g *access.Guard, persons Persons, c clock.Clock) *Store {
	return &Store{db: d, sealer: s, guard: g, persons: persons, clock: c}
}

// WithTx returns the store working inside the transaction tx, so that a
// sender can deliver a message in the same transaction as the change it
// announces: both happen, or neither.
func (s *Store) WithTx(tx *db.DB) *Store {
	c := *s
	c.db = tx
	return &c
}

// Send delivers a message to a person's inbox. Sending again with the same
// Key changes nothing.
func (s *Store) Send(ctx context.Context, personID string, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	b, err := m.seal()
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO inbox_messages (id, person_id, dedup_key, category, sender, content_sealed, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id, dedup_key) DO NOTHING`,
		db.NewID(), personID, m.Key, string(m.Category), m.Sender, s.sealer.Seal(fieldMessage, b), db.Millis(s.clock.Now()))
	if err != nil {
		return fmt.Errorf("inbox: send to %s: %w", personID, err)
	}
	return nil
}

// SendArea delivers a message to everyone whose residence lies in an area:
// a ward, district or province code, or "VN" for the whole country.
// Sending again with the same Key changes nothing.
func (s *Store) SendArea(ctx context.Context, area string, m Message) error {
	if _, ok := vn.AdminUnits().Lookup(area); !ok && area != string(access.Country) {
		return problem.Field("ward", "Địa bàn không có trong danh mục hành chính", "that area is not a known ward, district or province")
	}
	if err := m.check(); err != nil {
		return err
	}
	b, err := m.seal()
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO inbox_notices (id, area, dedup_key, category, sender, content_sealed, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (area, dedup_key) DO NOTHING`,
		db.NewID(), area, m.Key, string(m.Category), m.Sender, s.sealer.Seal(fieldNotice, b), db.Millis(s.clock.Now()))
	if err != nil {
		return fmt.Errorf("inbox: send to area %s: %w", area, err)
	}
	return nil
}

// check refuses a message a sender got wrong: a programming error, so the
// words are for developers.
func (m Message) check() error {
	switch {
	case m.Key == "" || utf8.RuneCountInString(m.Key) > 200:
		return problem.Invalidf("inbox: a message needs a key of 1–200 characters")
	case !slices.Contains(Categories(), m.Category):
		return problem.Invalidf("inbox: unknown category %q", m.Category)
	case m.Title.Vi == "" && m.TitleKey == "":
		return problem.Invalidf("inbox: a message needs a title")
	case m.Link != "" && (!strings.HasPrefix(m.Link, "/") || strings.HasPrefix(m.Link, "//")):
		return problem.Invalidf("inbox: a link must be a path in the app")
	}
	return nil
}

func (m Message) seal() ([]byte, error) {
	b, err := json.Marshal(content{Title: m.Title, Body: m.Body, TitleKey: m.TitleKey, BodyKey: m.BodyKey,
		Params: m.Params, Link: m.Link, SenderArea: m.SenderArea})
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return b, nil
}

// listLimit bounds an inbox page: the newest messages matter.
const listLimit = 100

// List returns the newest messages in a person's inbox, newest first, for
// req: the citizen themselves or a family member who manages the profile.
func (s *Store) List(ctx context.Context, req access.Request, personID string) ([]Item, error) {
	sub, err := s.persons.Subject(ctx, personID)
	if err != nil {
		return nil, err
	}
	if err := s.guard.Read(ctx, req, "inbox.list", sub); err != nil {
		return nil, err
	}
	own, err := s.items(ctx, fieldMessage, `SELECT id, '', dedup_key, category, sender, content_sealed, created_at, read_at > 0
		FROM inbox_messages WHERE person_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, personID, listLimit)
	if err != nil {
		return nil, err
	}
	areas := areasOf(sub.Area)
	notices, err := s.items(ctx, fieldNotice, `SELECT n.id, n.area, n.dedup_key, n.category, n.sender, n.content_sealed, n.created_at,
		r.notice_id IS NOT NULL FROM inbox_notices n
		LEFT JOIN inbox_notice_reads r ON r.notice_id = n.id AND r.person_id = $1
		WHERE n.area IN ($2, $3, $4, $5) ORDER BY n.created_at DESC, n.id DESC LIMIT $6`,
		personID, areas[0], areas[1], areas[2], areas[3], listLimit)
	if err != nil {
		return nil, err
	}
	all := append(own, notices...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.After(all[j].At) })
	return all[:min(len(all), listLimit)], nil
}

// items reads messages or notices.
func (s *Store) items(ctx context.Context, field, query string, args ...any) ([]Item, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("inbox: list: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var cat string
		var sealed []byte
		var at int64
		if err := rows.Scan(&it.ID, &it.Area, &it.Key, &cat, &it.Sender, &sealed, &at, &it.Read); err != nil {
			return nil, fmt.Errorf("inbox: list: %w", err)
		}
		it.Category, it.At = Category(cat), db.TimeOf(at)
		b, err := s.sealer.Open(field, sealed)
		if err != nil {
			return nil, err
		}
		var c content
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("inbox: message %s: %w", it.ID, err)
		}
		it.Title, it.Body, it.TitleKey, it.BodyKey, it.Params, it.Link, it.SenderArea =
			c.Title, c.Body, c.TitleKey, c.BodyKey, c.Params, c.Link, c.SenderArea
		out = append(out, it)
	}
	return out, rows.Err()
}

// areasOf returns the areas whose notices reach a resident of area: the
// ward, its district, its province and the whole country. Unknown levels
// are left empty, which matches no notice.
func areasOf(area string) [4]string {
	out := [4]string{3: string(access.Country)}
	units := vn.AdminUnits()
	u, ok := units.Lookup(area)
	for ok {
		out[u.Level-1] = u.Code
		u, ok = units.Parent(u.Code)
	}
	return out
}

// Unread counts the unread messages in a person's inbox, for the badge in
// the app's menu. It checks req may see the inbox but records nothing: the
// count is shown on every page and says nothing of what the messages say.
func (s *Store) Unread(ctx context.Context, req access.Request, personID string) (int, error) {
	sub, err := s.persons.Subject(ctx, personID)
	if err != nil {
		return 0, err
	}
	if err := req.Check(sub); err != nil {
		return 0, err
	}
	areas := areasOf(sub.Area)
	var own, notices int
	err = s.db.QueryRow(ctx, "SELECT count(*) FROM inbox_messages WHERE person_id = $1 AND read_at = 0", personID).Scan(&own)
	if err != nil {
		return 0, fmt.Errorf("inbox: unread: %w", err)
	}
	err = s.db.QueryRow(ctx, `SELECT count(*) FROM inbox_notices n WHERE n.area IN ($2, $3, $4, $5)
		AND NOT EXISTS (SELECT 1 FROM inbox_notice_reads r WHERE r.notice_id = n.id AND r.person_id = $1)`,
		personID, areas[0], areas[1], areas[2], areas[3]).Scan(&notices)
	if err != nil {
		return 0, fmt.Errorf("inbox: unread: %w", err)
	}
	return own + notices, nil
}

// MarkRead marks one message of a person's inbox read. Marking it again
// changes nothing.
func (s *Store) MarkRead(ctx context.Context, req access.Request, personID, id string) error {
	sub, err := s.persons.Subject(ctx, personID)
	if err != nil {
		return err
	}
	if err := req.Check(sub); err != nil {
		return err
	}
	now := db.Millis(s.clock.Now())
	res, err := s.db.Exec(ctx, "UPDATE inbox_messages SET read_at = $1 WHERE id = $2 AND person_id = $3 AND read_at = 0",
		now, id, personID)
	if err != nil {
		return fmt.Errorf("inbox: mark read: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	areas := areasOf(sub.Area)
	res, err = s.db.Exec(ctx, `INSERT INTO inbox_notice_reads (notice_id, person_id, read_at)
		SELECT id, $2, $3 FROM inbox_notices WHERE id = $1 AND area IN ($4, $5, $6, $7)
		ON CONFLICT (notice_id, person_id) DO NOTHING`, id, personID, now, areas[0], areas[1], areas[2], areas[3])
	if err != nil {
		return fmt.Errorf("inbox: mark read: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var exists bool
	err = s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inbox_messages WHERE id = $1 AND person_id = $2)
		OR EXISTS (SELECT 1 FROM inbox_notice_reads WHERE notice_id = $1 AND person_id = $2)`, id, personID).Scan(&exists)
	if err != nil {
		return fmt.Errorf("inbox: mark read: %w", err)
	}
	if !exists {
		return fmt.Errorf("inbox: message %s: %w", id, problem.ErrNotFound)
	}
	return nil
}

// MarkAllRead marks every message in a person's inbox read.
func (s *Store) MarkAllRead(ctx context.Context, req access.Request, personID string) error {
	sub, err := s.persons.Subject(ctx, personID)
	if err != nil {
		return err
	}
	if err := req.Check(sub); err != nil {
		return err
	}
	now := db.Millis(s.clock.Now())
	areas := areasOf(sub.Area)
	return s.db.Transact(ctx, func(tx *db.DB) error {
		if _, err := tx.Exec(ctx, "UPDATE inbox_messages SET read_at = $1 WHERE person_id = $2 AND read_at = 0", now, personID); err != nil {
			return fmt.Errorf("inbox: mark all read: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO inbox_notice_reads (notice_id, person_id, read_at)
			SELECT id, $1, $2 FROM inbox_notices WHERE area IN ($3, $4, $5, $6)
			ON CONFLICT (notice_id, person_id) DO NOTHING`, personID, now, areas[0], areas[1], areas[2], areas[3])
		if err != nil {
			return fmt.Errorf("inbox: mark all read: %w", err)
		}
		return nil
	})
}
