package identity

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// LoadReport says what a registry load did.
type LoadReport struct {
	fresh     bool // the registry was empty: plain inserts
	People    int  // rows of people.csv
	Insurance int  // rows of insurance.csv
	// Contradictions counts people whose CCCD encodes another sex or birth
	// year than the record says: loaded, but a signal for linkage.
	Contradictions int
	Duration       time.Duration
}

// Progress is told how many rows have been loaded so far.
type Progress func(rows int)

const loadBatch = 2000

var personInsertColumns = []string{"id", "verified", "profile_sealed", "cmnd_idx", "sex", "ward_code",
	"province_code", "phone_idx", "household_idx", "nationality", "source", "source_key", "row_mac", "created_at",
	"updated_at", "name_year_idx", "full_name_idx"}

// personUpsert updates a registry person only when the registry row changed,
// so loading the same extract twice changes nothing, not even updated_at.
var personUpsert = "ON CONFLICT (id) DO UPDATE SET " + updateSet(personInsertColumns, "id", "created_at") +
	" WHERE persons.row_mac IS DISTINCT FROM excluded.row_mac"

var cardInsertColumns = []string{"person_id", "card_idx", "card_sealed", "bhxh_idx", "bhxh_sealed", "valid_to",
	"source", "row_mac", "updated_at"}

var cardUpsert = "ON CONFLICT (person_id, card_idx) DO UPDATE SET " + updateSet(cardInsertColumns, "person_id", "card_idx") +
	" WHERE insurance_cards.row_mac IS DISTINCT FROM excluded.row_mac"

// updateSet lists "col = excluded.col" for every column but the skipped ones.
func updateSet(cols []string, skip ...string) string {
	var parts []string
	for _, c := range cols {
		if !slices.Contains(skip, c) {
			parts = append(parts, c+" = excluded."+c)
		}
	}
	return strings.Join(parts, ", ")
}

// LoadExtract loads a population-database extract: dir holds people.csv and
// insurance.csv in the format of the legacy contract. The whole load is one
// transaction: a bad row stops it with the file, line and column, and
// nothing of it is kept. Loading the same extract again changes nothing;
// loading a newer one updates the rows that changed.
func (s *Store) LoadExtract(ctx context.Context, dir string, progress Progress) (rep LoadReport, err error) {
	// Into an empty registry, the secondary indexes are built once at the end.
	restore, err := s.db.DeferIndexes(ctx, "persons", "insurance_cards")
	if err != nil {
		return rep, err
	}
	defer func() {
		if rerr := restore(context.WithoutCancel(ctx)); rerr != nil && err == nil {
			err = rerr
		}
	}()
	err = s.db.Transact(ctx, func(tx *db.DB) error {
		var err error
		rep, err = s.readExtract(ctx, tx, dir, progress)
		return err
	})
	return rep, err
}

// CheckExtract reads and validates an extract like LoadExtract, but seals
// and writes nothing: the parse-only baseline of the load's speed, and a
// dry run for operators.
func (s *Store) CheckExtract(ctx context.Context, dir string, progress Progress) (LoadReport, error) {
	return s.readExtract(ctx, nil, dir, progress)
}

func (s *Store) readExtract(ctx context.Context, tx *db.DB, dir string, progress Progress) (LoadReport, error) {
	start := time.Now()
	var rep LoadReport
	if tx != nil {
		// Into an empty registry nothing can conflict: rows go straight in
		// (COPY on PostgreSQL) instead of through an upsert.
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM persons LIMIT 1) p").Scan(&n); err != nil {
			return rep, err
		}
		rep.fresh = n == 0
	}
	people, err := os.Open(filepath.Join(dir, "people.csv"))
	if err != nil {
		return rep, fmt.Errorf("identity: registry extract: %w", err)
	}
	defer people.Close()
	known := make(map[string]int)
	if err := s.loadPeople(ctx, tx, people, known, &rep, progress); err != nil {
		return rep, err
	}
	insurance, err := os.Open(filepath.Join(dir, "insurance.csv"))
	if errors.Is(err, os.ErrNotExist) {
		rep.Duration = time.Since(start)
		return rep, nil
	}
	if err != nil {
		return rep, fmt.Errorf("identity: registry extract: %w", err)
	}
	defer insurance.Close()
	err = s.loadInsurance(ctx, tx, insurance, known, &rep, progress)
	rep.Duration = time.Since(start)
	return rep, err
}

// csvRows reads a CSV file with a header, checks the header has the wanted
// columns, and calls fn with each row as a column→value lookup and its line.
func csvRows(r io.Reader, name string, want []string, fn func(line int, get func(string) string) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", name, problem.ErrInvalid)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, w := range want {
		if _, ok := col[w]; !ok {
			return problem.Field(name+":1", "Thiếu cột "+w, "missing column "+w)
		}
	}
	cr.FieldsPerRecord = len(header)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return problem.Field(fmt.Sprintf("%s:%d", name, pe.StartLine), "Dòng không đúng định dạng CSV", pe.Err.Error())
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string { return rec[col[c]] }
		if err := fn(line, get); err != nil {
			return err
		}
	}
}

// batcher turns parsed records into sealed rows on all cores and hands the
// batches, in any order, to one writer.
type batcher[T any] struct {
	in   chan []T
	out  chan [][]any
	wg   sync.WaitGroup
	cur  []T
	size int
}

func newBatcher[T any](size int, build func(T) []any) *batcher[T] {
	b := &batcher[T]{in: make(chan []T, 4), out: make(chan [][]any, 4), size: size}
	for range max(1, runtime.GOMAXPROCS(0)) {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			for batch := range b.in {
				rows := make([][]any, len(batch))
				for i, r := range batch {
					rows[i] = build(r)
				}
				b.out <- rows
			}
		}()
	}
	go func() { b.wg.Wait(); close(b.out) }()
	return b
}

// add queues a record, sending a full batch to the workers.
func (b *batcher[T]) add(r T) {
	b.cur = append(b.cur, r)
	if len(b.cur) >= b.size {
		b.in <- b.cur
		b.cur = make([]T, 0, b.size)
	}
}

func (b *batcher[T]) close() {
	if len(b.cur) > 0 {
		b.in <- b.cur
	}
	close(b.in)
}

// pipe runs produce (parsing, calling add) while write consumes sealed
// batches; it returns the first error of either and always drains.
func pipe[T any](b *batcher[T], produce func() error, write func([][]any) error) error {
	perr := make(chan error, 1)
	go func() {
		defer b.close()
		perr <- produce()
	}()
	var werr error
	for rows := range b.out {
		if werr == nil {
			werr = write(rows)
		}
	}
	return errors.Join(<-perr, werr)
}

func (s *Store) loadPeople(ctx context.Context, tx *db.DB, f io.Reader, known map[string]int, rep *LoadReport, progress Progress) error {
	now := db.Millis(s.clock.Now())
	b := newBatcher(loadBatch, func(r RegistryRecord) []any {
		if tx == nil {
			return nil
		}
		return s.personRow(r, now)
	})
	lines := known
	produce := func() error {
		return csvRows(f, "people.csv", []string{"cccd", "old_id", "full_name", "birth_date", "sex", "ward_code",
			"address", "household_id", "phone"}, func(line int, get func(string) string) error {
			r := RegistryRecord{CCCD: get("cccd"), OldID: get("old_id"), FullName: get("full_name"),
				BirthDate: get("birth_date"), Sex: get("sex"), WardCode: get("ward_code"), Address: get("address"),
				HouseholdID: get("household_id"), Phone: get("phone")}
			where := fmt.Sprintf("people.csv:%d", line)
			if err := r.Normalize(); err != nil {
				return atLine(err, where)
			}
			if first, dup := lines[r.CCCD]; dup {
				return problem.Field(where+":cccd", fmt.Sprintf("Số CCCD trùng với dòng %d", first), fmt.Sprintf("CCCD repeats line %d", first))
			}
			lines[r.CCCD] = line
			if contradicts(r) {
				rep.Contradictions++
			}
			rep.People++
			b.add(r)
			return nil
		})
	}
	done := 0
	err := pipe(b, produce, func(rows [][]any) error {
		if tx == nil {
			done += len(rows)
			return nil
		}
		upsert := personUpsert
		if rep.fresh {
			upsert = ""
		}
		if err := tx.InsertRows(ctx, "persons", personInsertColumns, rows, upsert); err != nil {
			return fmt.Errorf("identity: load people: %w", err)
		}
		done += len(rows)
		if progress != nil {
			progress(done)
		}
		return nil
	})
	return err
}

func contradicts(r RegistryRecord) bool {
	c := vn.CCCD(r.CCCD)
	d, _ := vn.ParseDate(r.BirthDate)
	sex, _ := vn.ParseSex(r.Sex)
	return len(c.Contradicts(sex, d.Year)) > 0
}

func atLine(err error, where string) error {
	var fe *problem.FieldError
	if errors.As(err, &fe) {
		return fe.At(where)
	}
	var fs problem.Fields
	if errors.As(err, &fs) {
		out := make(problem.Fields, len(fs))
		for i, f := range fs {
			out[i] = f.At(where)
		}
		return out
	}
	return fmt.Errorf("%s: %w", where, err)
}

// personRow seals a registry record into a persons row.
func (s *Store) personRow(r RegistryRecord, now int64) []any {
	province := ""
	if u, ok := vn.AdminUnits().Ward(r.WardCode); ok {
		province = wardProvince(u.Code)
	}
	nameYear, fullName := s.nameKeyIndexes(r.FullName, r.BirthDate)
	mac := s.rowMAC("registry-row", r.CCCD, r.OldID, r.FullName, r.BirthDate, r.Sex, r.WardCode, r.Address,
		r.HouseholdID, r.Phone)
	sealed := s.sealProfile(profile{CCCD: r.CCCD, CMND: r.OldID, FullName: r.FullName, BirthDate: r.BirthDate,
		Address: r.Address, Phone: r.Phone})
	// No blind index of the CCCD: the id is one (RegistryID).
	return []any{
		s.RegistryID(r.CCCD), true, sealed, s.sealer.Index(string(KindCMND), r.OldID), r.Sex, r.WardCode, province,
		s.sealer.Index(string(KindPhone), r.Phone), s.sealer.Index("household", r.HouseholdID), "VNM", "registry", "",
		mac, now, now, nameYear, fullName,
	}
}

// rowMAC is a keyed digest of a registry row's values: a reload compares it
// to leave unchanged rows alone. Sixteen bytes tell changed from unchanged
// as surely as thirty-two, and the registry stores one for every person.
func (s *Store) rowMAC(label string, values ...string) []byte {
	parts := make([][]byte, len(values))
	for i, v := range values {
		parts[i] = []byte(v)
	}
	return s.sealer.MAC(label, parts...)[:16]
}

func wardProvince(ward string) string {
	p, _, _, ok := vn.AdminUnits().WardPath(ward)
	if !ok {
		return ""
	}
	return p.Code
}

func (s *Store) loadInsurance(ctx context.Context, tx *db.DB, f io.Reader, known map[string]int, rep *LoadReport, progress Progress) error {
	now := db.Millis(s.clock.Now())
	b := newBatcher(loadBatch, func(r InsuranceRecord) []any {
		if tx == nil {
			return nil
		}
		return s.cardRow(r, now)
	})
	seen := make(map[[2]string]int)
	produce := func() error {
		return csvRows(f, "insurance.csv", []string{"cccd", "bhxh_code", "card_number", "valid_to"},
			func(line int, get func(string) string) error {
				r := InsuranceRecord{CCCD: get("cccd"), BHXHCode: get("bhxh_code"), CardNumber: get("card_number"), ValidTo: get("valid_to")}
				where := fmt.Sprintf("insurance.csv:%d", line)
				if err := r.Normalize(); err != nil {
					return atLine(err, where)
				}
				q := tx
				if q == nil {
					q = s.db // a dry run still checks earlier loads
				}
				if err := s.checkKnown(ctx, q, known, r.CCCD); err != nil {
					return atLine(err, where+":cccd")
				}
				key := [2]string{r.CCCD, r.CardNumber}
				if first, dup := seen[key]; dup {
					return problem.Field(where+":card_number", fmt.Sprintf("Thẻ trùng với dòng %d", first), fmt.Sprintf("card repeats line %d", first))
				}
				seen[key] = line
				rep.Insurance++
				b.add(r)
				return nil
			})
	}
	done := rep.People
	return pipe(b, produce, func(rows [][]any) error {
		if tx == nil {
			done += len(rows)
			return nil
		}
		upsert := cardUpsert
		if rep.fresh {
			upsert = ""
		}
		if err := tx.InsertRows(ctx, "insurance_cards", cardInsertColumns, rows, upsert); err != nil {
			return fmt.Errorf("identity: load insurance: %w", err)
		}
		done += len(rows)
		if progress != nil {
			progress(done)
		}
		return nil
	})
}

// checkKnown makes sure an insurance row's CCCD is a registry person, from
// this load or an earlier one.
func (s *Store) checkKnown(ctx context.Context, tx *db.DB, known map[string]int, cccd string) error {
	if _, ok := known[cccd]; ok {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM persons WHERE id = $1 AND verified", s.RegistryID(cccd)).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return problem.Field("", "Số CCCD không có trong cơ sở dữ liệu dân cư", "CCCD is not in the population registry")
	}
	known[cccd] = 0
	return nil
}

const (
	fieldCard = "insurance.card_number"
	fieldBHXH = "insurance.bhxh_code"
)

func (s *Store) cardRow(r InsuranceRecord, now int64) []any {
	mac := s.rowMAC("insurance-row", r.CCCD, r.BHXHCode, r.CardNumber, r.ValidTo)
	return []any{
		s.RegistryID(r.CCCD),
		s.sealer.Index(string(KindInsurance), r.CardNumber), s.sealer.SealString(fieldCard, r.CardNumber),
		s.sealer.Index(string(KindBHXH), r.BHXHCode), s.sealer.SealString(fieldBHXH, r.BHXHCode),
		r.ValidTo, "insurance", mac, now,
	}
}
