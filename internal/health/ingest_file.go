package health

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/legacy"
	"github.com/pccovid/pccovid/internal/problem"
)

// FileFormat is the format of an uploaded batch file (FORMATS.md).
type FileFormat string

// The two formats officials upload.
const (
	FormatLabList FileFormat = "labtests"    // a lab line list (labtests/<lab_code>.csv)
	FormatPortal  FileFormat = "vaccination" // a vaccination-portal export (vaccination/doses.csv)
)

// MaxUploadBytes bounds an uploaded file.
const MaxUploadBytes = 64 << 20

// maxUploadProblems is how many problems a refused upload lists.
const maxUploadProblems = 20

// Upload is what an uploaded file did.
type Upload struct {
	Batch  string
	Rows   int
	Result Result
	// Warnings are values left out of rows that were taken (a phone that
	// is not a phone): the rows went in without them. They name the line
	// and column, never the value.
	Warnings []string
}

// UploadFile takes in a batch file an official uploaded for facility f: a
// lab line list or a vaccination-portal export, read with the takeover's
// readers (package legacy). The file is read and checked whole before
// anything is stored: a row that breaks the format, or a file that cannot
// be read to its end, refuses the upload with the lines at fault. The
// records then go in like the API's, in batches of MaxBatch; uploading the
// same file again changes nothing, so an upload cut short is finished by
// uploading it again.
func (in *Ingest) UploadFile(ctx context.Context, by access.Actor, f facility.Facility, format FileFormat, r io.Reader) (Upload, error) {
	if err := canUpload(by, f, format); err != nil {
		return Upload{}, err
	}
	recs, warnings, err := in.readUpload(ctx, f, format, r)
	if err != nil {
		return Upload{}, err
	}
	up := Upload{Batch: db.NewID(), Rows: len(recs), Warnings: warnings}
	for start := 0; start < len(recs); start += MaxBatch {
		res, err := in.submit(ctx, f, ViaUpload, up.Batch, recs[start:min(start+MaxBatch, len(recs))])
		if err != nil {
			return up, fmt.Errorf("health: upload, rows %d–%d: %w", start+1, min(start+MaxBatch, len(recs)), err)
		}
		up.Result.Outcomes = append(up.Result.Outcomes, res.Outcomes...)
		up.Result.Linked += res.Linked
		up.Result.Review += res.Review
		up.Result.Duplicate += res.Duplicate
	}
	up.Result.Batch = up.Batch
	in.Log.InfoContext(ctx, "health upload", "facility", f.Code, "format", format, "rows", up.Rows,
		"linked", up.Result.Linked, "review", up.Result.Review, "duplicate", up.Result.Duplicate)
	return up, nil
}

func canUpload(by access.Actor, f facility.Facility, format FileFormat) error {
	if by.Kind != access.KindOfficial || (by.Role != access.RoleHealthOfficial && by.Role != access.RoleAdmin) {
		return fmt.Errorf("health: only health officials upload results: %w", problem.ErrForbidden)
	}
	switch {
	case format == FormatLabList && !f.Kind.SendsTests():
		return problem.Field("facility", "Cơ sở này không phải phòng xét nghiệm", "this facility is not a laboratory")
	case format == FormatPortal && !f.Kind.SendsDoses():
		return problem.Field("facility", "Cơ sở này không phải nơi tiêm chủng", "this facility is not a vaccination site")
	case format != FormatLabList && format != FormatPortal:
		return problem.Field("format", "Hãy chọn loại tệp", "choose the kind of file")
	}
	return nil
}

// readUpload saves the upload where the legacy reader expects it, reads
// it whole, and returns its records, or the problems that refuse it.
func (in *Ingest) readUpload(ctx context.Context, f facility.Facility, format FileFormat, r io.Reader) ([]incoming, []string, error) {
	dir, err := os.MkdirTemp("", "pccovid-upload-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	name := "vaccination/doses.csv"
	if format == FormatLabList {
		name = "labtests/" + f.Code + ".csv"
	}
	if err := saveUpload(filepath.Join(dir, filepath.FromSlash(name)), r); err != nil {
		return nil, nil, err
	}
	dump, err := legacy.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	var recs []incoming
	var errs problem.Fields
	now := in.clock.Now()
	rep, err := dump.Read(ctx, 1000, func(batch []legacy.Record) error {
		for i := range batch {
			rec, err := fromLegacy(&batch[i], now)
			if err != nil {
				errs.Add(problem.Field(name+":"+strconv.Itoa(batch[i].Line), err.Error(), err.Error()))
			}
			recs = append(recs, rec)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := uploadProblems(name, rep, errs); err != nil {
		return nil, nil, err
	}
	return recs, uploadWarnings(rep), nil
}

func saveUpload(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(r, MaxUploadBytes+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return fmt.Errorf("health: upload: %w", err)
	case n > MaxUploadBytes:
		return problem.Field("file", fmt.Sprintf("Tệp lớn hơn %d MB: hãy chia nhỏ", MaxUploadBytes>>20),
			fmt.Sprintf("the file is larger than %d MB: split it", MaxUploadBytes>>20))
	case n == 0:
		return problem.Field("file", "Tệp rỗng", "the file is empty")
	}
	return nil
}

// uploadProblems refuses an upload with rows set aside, a file not read to
// its end, or records outside what the API accepts.
func uploadProblems(name string, rep *legacy.Report, errs problem.Fields) error {
	for _, fr := range rep.Files {
		if fr.Fatal != nil {
			errs = append(problem.Fields{problem.Field(problemWhere(*fr.Fatal),
				"Không đọc được tệp đến hết: "+fr.Fatal.Reason, "the file cannot be read to its end: "+fr.Fatal.Reason)}, errs...)
		}
		for _, p := range fr.Problems {
			if p.SetAside && (fr.Fatal == nil || p != *fr.Fatal) {
				errs = append(errs, problem.Field(problemWhere(p), "Dòng không đúng định dạng: "+p.Reason, "the row does not follow the format: "+p.Reason))
			}
		}
	}
	if rep.Read == 0 && len(errs) == 0 {
		errs = append(errs, problem.Field(name, "Tệp không có dòng dữ liệu nào", "the file has no rows"))
	}
	if len(errs) > maxUploadProblems {
		more := len(errs) - maxUploadProblems
		errs = append(errs[:maxUploadProblems], problem.Field(name, fmt.Sprintf("… và %d lỗi khác", more), fmt.Sprintf("… and %d more", more)))
	}
	return errs.Err()
}

func problemWhere(p legacy.Problem) string {
	if p.Line > 0 {
		return p.File + ":" + strconv.Itoa(p.Line)
	}
	return p.File
}

func uploadWarnings(rep *legacy.Report) []string {
	var out []string
	for _, fr := range rep.Files {
		for _, p := range fr.Problems {
			if !p.SetAside && len(out) < maxUploadProblems {
				out = append(out, problemWhere(p)+": "+p.Kind)
			}
		}
	}
	return out
}

// fromLegacy turns a record read from a line list or portal export into an
// incoming record, checked as the API checks one.
func fromLegacy(r *legacy.Record, now time.Time) (incoming, error) {
	s := subject{FullName: r.FullName, BirthDate: r.BirthDate, Sex: r.Sex.String(), CCCD: r.CCCD, CMND: r.CMND,
		Passport: r.Passport, Nationality: strings.TrimSuffix(r.Nationality, "VNM"), Phone: r.Phone, Card: r.InsuranceCard,
		Address: r.Address, Ward: r.Ward, District: r.District, Province: r.Province}
	switch {
	case len(r.Tests) == 1:
		t := r.Tests[0]
		in := incoming{Kind: KindTest, ExternalID: t.SampleID, Subject: s, TestType: t.Type, Positive: t.Positive,
			SampledAt: t.SampledAt.UTC().Truncate(time.Second), ResultAt: t.ResultAt.UTC().Truncate(time.Second)}
		if t.ResultAt.IsZero() {
			in.ResultAt = time.Time{}
		}
		_, err := checkExternalID("ma_mau", t.SampleID)
		if err == nil && t.SampledAt.After(now.Add(ingestSlack)) {
			err = errors.New("ngay_lay_mau: after now")
		}
		return in, err
	case len(r.Doses) == 1:
		d := r.Doses[0]
		v, _ := LookupVaccine(d.Product)
		in := incoming{Kind: KindDose, ExternalID: r.Key, Subject: s, DoseNumber: d.Number, Product: v.Product,
			ProductName: d.ProductName, Lot: d.Lot, Date: d.Date, Site: d.Facility}
		_, err := checkExternalID("ma_mui", r.Key)
		if err == nil && d.Date.Time().After(now.Add(24*time.Hour)) {
			err = errors.New("ngay_tiem: after today")
		}
		return in, err
	}
	return incoming{}, fmt.Errorf("not a test or dose row")
}
