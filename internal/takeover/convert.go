package takeover

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/legacy"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/vn"
)

// item is one legacy record as the import keeps it between reading and
// writing: its identity evidence for linkage, and only the payload the
// domain tables need. Millions are held at once, so it stays small.
type item struct {
	at        time.Time
	fullName  string
	phone     vn.Phone
	portalID  string
	decl      *legacy.Declaration
	doses     []legacy.Dose
	tests     []legacy.TestResult
	app       *legacy.BluezoneApp
	conds     []string
	ward      string
	declAddr  string
	declNatnl string
}

// converter turns records read from a dump into items, remembering where
// each vaccination site is.
type converter struct {
	sites map[[2]string]vn.Place
}

func newConverter() *converter { return &converter{sites: map[[2]string]vn.Place{}} }

// item converts a record read from a dump into its payload and its
// identity evidence (kept apart: linkage takes the evidence of millions of
// records as one slice).
func (c *converter) item(r *legacy.Record) (item, linkage.Record) {
	it := item{at: r.At, fullName: r.FullName, phone: r.Phone, portalID: r.PortalID, decl: r.Declaration,
		doses: r.Doses, tests: r.Tests, app: r.BluezoneApp, conds: r.Conditions, ward: r.Ward}
	lk := linkage.Record{Source: string(r.Source), Key: r.Key, ManagedBy: r.ManagedBy, Profile: c.profileOf(r)}
	if r.Declaration != nil {
		it.declAddr, it.declNatnl = r.Address, r.Nationality
	}
	return it, lk
}

func (c *converter) profileOf(r *legacy.Record) linkage.Profile {
	var p linkage.Profile
	p.SetName(r.FullName)
	p.Birth, p.Sex = r.BirthDate, r.Sex
	p.CCCD, p.CMND, p.Passport, p.Card = r.CCCD, r.CMND, r.Passport, r.InsuranceCard
	if r.Phone != "" {
		p.Phones = []string{string(r.Phone)}
	}
	p.Ward, p.District, p.Province = r.Ward, r.District, r.Province
	if p.Province == "" && len(r.Doses) > 0 && r.Source == legacy.Vaccination {
		site := c.sitePlace(r.Doses[0].Facility, r.Doses[0].Province)
		p.Ward, p.District, p.Province = site.WardCode, site.DistrictCode, site.ProvinceCode
	}
	p.Nationality = r.Nationality
	p.Portal = r.PortalID
	return p
}

// facilityWords are the words vaccination sites are named with, before the
// place they serve: "Trạm Y tế Liên Đầm", "TTYT Huyện Phú Riềng".
var facilityWords = []string{"trạm y tế", "trung tâm y tế", "điểm tiêm lưu động", "điểm tiêm", "bệnh viện đa khoa",
	"bệnh viện", "bvđk", "ttyt", "tyt", "cdc", "bv"}

// sitePlace is where a vaccination site is, read from its name within the
// site's province: people are mostly vaccinated near home, so it is evidence
// of where they live. Sites are few, so the answers are cached.
func (c *converter) sitePlace(facility, province string) vn.Place {
	if province == "" {
		return vn.Place{}
	}
	k := [2]string{facility, province}
	if p, ok := c.sites[k]; ok {
		return p
	}
	name := strings.TrimSpace(facility)
	lower := strings.ToLower(name)
	for _, w := range facilityWords {
		if strings.HasPrefix(lower, w+" ") {
			name = strings.TrimSpace(name[len(w):])
			break
		}
	}
	p := vn.AdminUnits().ResolveAddressWithin(name, province)
	if p.ProvinceCode == "" {
		p.ProvinceCode = province
	}
	c.sites[k] = p
	return p
}

// storedProfile is the identity evidence kept (sealed) with each taken-over
// record: what a later import needs to link its new records with this one,
// and what an official sees when reviewing.
type storedProfile struct {
	Name        string   `json:"n,omitempty"`
	Birth       string   `json:"b,omitempty"`
	Sex         string   `json:"s,omitempty"`
	CCCD        string   `json:"c,omitempty"`
	CMND        string   `json:"m,omitempty"`
	Passport    string   `json:"p,omitempty"`
	Card        string   `json:"i,omitempty"`
	Phones      []string `json:"t,omitempty"`
	Ward        string   `json:"w,omitempty"`
	District    string   `json:"d,omitempty"`
	Province    string   `json:"v,omitempty"`
	Nationality string   `json:"x,omitempty"`
	ManagedBy   string   `json:"g,omitempty"`
	Portal      string   `json:"o,omitempty"`
}

func (it *item) stored(lk *linkage.Record) ([]byte, error) {
	p := &lk.Profile
	sp := storedProfile{Name: it.fullName, Sex: p.Sex.String(), CCCD: p.CCCD, CMND: p.CMND, Passport: p.Passport,
		Card: p.Card, Phones: p.Phones, Ward: p.Ward, District: p.District, Province: p.Province,
		Nationality: p.Nationality, ManagedBy: lk.ManagedBy, Portal: p.Portal}
	if !p.Birth.IsZero() {
		sp.Birth = p.Birth.String()
	}
	return json.Marshal(sp)
}

// linkageRecord rebuilds a stored record for a later import.
func (sp storedProfile) linkageRecord(source, key string) linkage.Record {
	var p linkage.Profile
	p.SetName(sp.Name)
	p.Birth, _ = vn.ParseDate(sp.Birth)
	p.Sex, _ = vn.ParseSex(sp.Sex)
	p.CCCD, p.CMND, p.Passport, p.Card = sp.CCCD, sp.CMND, sp.Passport, sp.Card
	p.Phones = sp.Phones
	p.Ward, p.District, p.Province, p.Nationality = sp.Ward, sp.District, sp.Province, sp.Nationality
	p.Portal = sp.Portal
	return linkage.Record{Source: source, Key: key, ManagedBy: sp.ManagedBy, Profile: p}
}
