package quarantine

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/fonts"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// maxDecisions bounds one PDF.
const maxDecisions = 500

// Decisions prints the decisions of the orders, one A4 page each, in one
// PDF, for an official whose area covers every one of them (all or none;
// the printing is recorded for each person).
func (s *Service) Decisions(ctx context.Context, req access.Request, ids []string) ([]byte, error) {
	if err := mayFollow(req); err != nil {
		return nil, err
	}
	if len(ids) == 0 || len(ids) > maxDecisions {
		return nil, problem.Field("orders", fmt.Sprintf("Hãy chọn từ 1 đến %d quyết định", maxDecisions),
			fmt.Sprintf("choose 1 to %d decisions", maxDecisions))
	}
	in, arg := idList(s.DB, ids, 1)
	os, err := s.orders(ctx, s.DB, "WHERE id "+in+" ORDER BY number", arg)
	if err != nil {
		return nil, err
	}
	if len(os) != len(ids) {
		return nil, fmt.Errorf("quarantine: some orders do not exist: %w", problem.ErrNotFound)
	}
	return s.print(ctx, req, os)
}

// AreaDecisions prints the decisions of every order in force in an area of
// the official's scope, for handing out in one round.
func (s *Service) AreaDecisions(ctx context.Context, req access.Request, area string) ([]byte, error) {
	b, err := s.Board(ctx, req, area)
	if err != nil {
		return nil, err
	}
	if len(b.Rows) == 0 {
		return nil, problem.Field("area", "Không có quyết định nào đang có hiệu lực ở địa bàn này", "no order is in force in this area")
	}
	os := make([]Order, len(b.Rows))
	for i, r := range b.Rows {
		os[i] = r.Order
	}
	return s.print(ctx, req, os)
}

func (s *Service) print(ctx context.Context, req access.Request, os []Order) ([]byte, error) {
	subjects := make([]access.Subject, len(os))
	for i, o := range os {
		subjects[i] = access.Subject{PersonID: o.PersonID, Area: o.Ward}
	}
	req.Ref = fmt.Sprintf("decisions %d", len(os))
	people, err := s.Persons.GetMany(ctx, req, "quarantine.decision.print", subjects)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Quyết định cách ly y tế", true)
	pdf.SetCreator("PC-Covid", true)
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.AddUTF8FontFromBytes("dejavu", "", fonts.DejaVuSans())
	pdf.SetMargins(20, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	for i, o := range os {
		tests, err := s.testsOf(ctx, s.DB, o.ID)
		if err != nil {
			return nil, err
		}
		policy, err := s.policies.Get(ctx, o.Policy)
		if err != nil {
			return nil, err
		}
		decisionPage(pdf, o, people[i], policy, tests)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("quarantine: decision PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// decisionPage lays out one decision in the form of a commune People's
// Committee decision.
func decisionPage(pdf *fpdf.Fpdf, o Order, p identity.Person, policy Policy, tests []Test) {
	units := vn.AdminUnits()
	prov, dist, ward, _ := units.WardPath(o.Ward)
	pdf.AddPage()
	pdf.SetFont("dejavu", "", 10)
	y := pdf.GetY()
	pdf.MultiCell(80, 5, "ỦY BAN NHÂN DÂN\n"+strings.ToUpper(ward.FullName)+"\n\nSố: "+fmt.Sprint(o.Number)+"/QĐ-UBND", "", "C", false)
	pdf.SetXY(95, y)
	pdf.MultiCell(100, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"+
		fmt.Sprintf("%s, ngày %02d tháng %02d năm %d", dist.Name, o.IssuedAtLocal().Day(), int(o.IssuedAtLocal().Month()), o.IssuedAtLocal().Year()),
		"", "C", false)
	pdf.Ln(8)
	pdf.SetFont("dejavu", "", 15)
	pdf.CellFormat(0, 8, "QUYẾT ĐỊNH", "", 1, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 11)
	what := map[Kind]string{KindIsolation: "Về việc cách ly y tế người mắc COVID-19 (F0)", KindQuarantine: "Về việc cách ly y tế phòng, chống dịch COVID-19"}[o.Kind]
	pdf.CellFormat(0, 6, what, "", 1, "C", false, 0, "")
	pdf.Ln(4)
	pdf.CellFormat(0, 6, "CHỦ TỊCH ỦY BAN NHÂN DÂN "+strings.ToUpper(ward.FullName), "", 1, "C", false, 0, "")
	pdf.Ln(3)
	para := func(s string) { pdf.MultiCell(0, 5.5, s, "", "J", false) }
	para("Căn cứ Luật Phòng, chống bệnh truyền nhiễm ngày 21 tháng 11 năm 2007;")
	para(fmt.Sprintf("Căn cứ hướng dẫn của Bộ Y tế: %s (%s), áp dụng: %s;", policy.TitleVi, policy.Code, o.Rule))
	para("Xét " + reasonVi(o) + ",")
	pdf.Ln(2)
	pdf.CellFormat(0, 6, "QUYẾT ĐỊNH:", "", 1, "C", false, 0, "")
	place := map[string]string{PlaceHome: "tại nơi cư trú", PlaceFacility: "tại cơ sở cách ly tập trung"}[o.Place]
	kind := map[Kind]string{KindIsolation: "Cách ly y tế (điều trị)", KindQuarantine: "Cách ly y tế"}[o.Kind]
	para(fmt.Sprintf("Điều 1. %s %s đối với:", kind, place))
	sex := map[string]string{"M": "Nam", "F": "Nữ"}[p.Sex.String()]
	para(fmt.Sprintf("   Ông/Bà: %s    Ngày sinh: %s    Giới tính: %s", p.FullName, birth(p.BirthDate), sex))
	if p.CCCD != "" {
		para("   Số định danh cá nhân (CCCD): " + p.CCCD)
	}
	para(fmt.Sprintf("   Nơi ở: %s%s, %s, %s", comma(p.Address), ward.FullName, dist.FullName, prov.FullName))
	para(fmt.Sprintf("   Thời gian cách ly: từ ngày %s đến hết ngày %s.", displayDate(o.Start), displayDate(o.PlannedEnd)))
	if o.MonitorUntil != o.PlannedEnd {
		para(fmt.Sprintf("   Sau đó tự theo dõi sức khỏe tại nhà đến hết ngày %s.", displayDate(o.MonitorUntil)))
	}
	para("Điều 2. Người được cách ly khai báo y tế hằng ngày trên ứng dụng PC-Covid và xét nghiệm theo lịch: " + testPlan(tests) + ".")
	para("Điều 3. Trạm Y tế và Công an " + ward.FullName + ", người được cách ly và các cá nhân liên quan chịu trách nhiệm thi hành Quyết định này.")
	pdf.Ln(10)
	pdf.SetX(120)
	pdf.MultiCell(70, 5.5, "CHỦ TỊCH\n(Ký, ghi rõ họ tên, đóng dấu)", "", "C", false)
	pdf.SetY(-20)
	pdf.SetFont("dejavu", "", 8)
	pdf.CellFormat(0, 4, fmt.Sprintf("PC-Covid · quyết định số %d · %s", o.Number, o.ID), "", 1, "L", false, 0, "")
}

// IssuedAtLocal is when the order was issued, in Vietnam.
func (o Order) IssuedAtLocal() time.Time { return o.IssuedAt.In(vn.Location()) }

func reasonVi(o Order) string {
	switch o.Reason {
	case ReasonF0:
		return "người có kết quả xét nghiệm dương tính với SARS-CoV-2 (ca bệnh F0), lấy mẫu ngày " + displayDate(o.Start)
	case ReasonEntry:
		return "người nhập cảnh vào Việt Nam ngày " + displayDate(o.Start)
	}
	return "người tiếp xúc gần (F1) với ca bệnh COVID-19, lần tiếp xúc cuối ngày " + displayDate(o.Start)
}

func testPlan(tests []Test) string {
	if len(tests) == 0 {
		return "theo hướng dẫn của Trạm Y tế"
	}
	parts := make([]string, len(tests))
	for i, t := range tests {
		kind := map[string]string{TestPCR: "RT-PCR", TestRAT: "test nhanh kháng nguyên"}[t.Type]
		parts[i] = fmt.Sprintf("ngày thứ %d (%s, %s)", t.Day, displayDate(t.Due), kind)
	}
	return strings.Join(parts, "; ")
}

func birth(d vn.Date) string {
	switch {
	case d.Year == 0:
		return ""
	case d.Month == 0:
		return fmt.Sprint(d.Year)
	}
	return displayDate(d)
}

func comma(s string) string {
	if s == "" {
		return ""
	}
	return s + ", "
}
