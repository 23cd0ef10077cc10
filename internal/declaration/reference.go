package declaration

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pccovid/pccovid/internal/vn"
)

// Transports are the ways of travelling a declaration names, VHD's codes.
var transports = []string{"FLIGHT", "TRAIN", "BUS", "CAR", "SHIP", "OTHER"}

// Transports returns the transport codes, in the order a form lists them.
func Transports() []string { return slices.Clone(transports) }

// symptoms are VHD's symptom codes, in the order a form lists them.
var symptoms = []string{"fever", "cough", "breath", "sore_throat", "taste_loss"}

// Symptoms returns the symptom codes a declaration may name.
func Symptoms() []string { return slices.Clone(symptoms) }

// Country is a country a traveller comes from or holds the nationality of.
type Country struct {
	Code   string // ISO 3166-1 alpha-3: VNM
	Alpha2 string // ISO 3166-1 alpha-2: VN
	NameVi string
	NameEn string
}

// Name returns the country's name in lang ("vi" or "en").
func (c Country) Name(lang string) string {
	if lang == "en" {
		return c.NameEn
	}
	return c.NameVi
}

//go:embed countries.tsv
var countriesTSV string

type countryTable struct {
	byCode map[string]Country
	vi, en []Country // sorted by name, Việt Nam first
}

var countries = sync.OnceValue(func() countryTable {
	t := countryTable{byCode: map[string]Country{}}
	for _, f := range tsvRows(countriesTSV, 4) {
		c := Country{Code: f[0], Alpha2: f[1], NameVi: f[2], NameEn: f[3]}
		t.byCode[c.Code] = c
		t.vi, t.en = append(t.vi, c), append(t.en, c)
	}
	// Vietnamese names sort by their letters without diacritics: close
	// enough to Vietnamese alphabetical order for a list people scroll.
	sortBy := func(cs []Country, key func(Country) string) {
		slices.SortFunc(cs, func(a, b Country) int {
			if a.Code == "VNM" || b.Code == "VNM" {
				return boolCmp(b.Code == "VNM", a.Code == "VNM")
			}
			return strings.Compare(key(a), key(b))
		})
	}
	sortBy(t.vi, func(c Country) string { return vn.FoldName(c.NameVi) })
	sortBy(t.en, func(c Country) string { return strings.ToLower(c.NameEn) })
	return t
})

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Countries returns every country, Việt Nam first and the others by their
// name in lang, for a select list.
func Countries(lang string) []Country {
	if lang == "en" {
		return slices.Clone(countries().en)
	}
	return slices.Clone(countries().vi)
}

// CountryByCode returns the country with an ISO 3166-1 alpha-3 code.
func CountryByCode(code string) (Country, bool) {
	c, ok := countries().byCode[code]
	return c, ok
}

// GateKind is the kind of a border gate: it decides how a traveller can
// arrive through it.
type GateKind string

// Kinds of border gate.
const (
	GateAir  GateKind = "air"
	GateLand GateKind = "land"
	GateRail GateKind = "rail"
	GateSea  GateKind = "sea"
)

// BorderGate is one of Vietnam's international border gates: an airport
// (by its IATA code), a land, railway or sea gate.
type BorderGate struct {
	Code      string
	Kind      GateKind
	Province  string // GSO province code
	NameVi    string
	NameEn    string
	Neighbour string // alpha-3 of the country across a land or rail gate
}

// Name returns the gate's name in lang ("vi" or "en").
func (g BorderGate) Name(lang string) string {
	if lang == "en" {
		return g.NameEn
	}
	return g.NameVi
}

// Allows reports whether a traveller can arrive through the gate by the
// transport: a flight at an airport, a train at a railway station, a ship
// at a seaport; by road (or river boat) at a land gate.
func (g BorderGate) Allows(transport string) bool {
	switch g.Kind {
	case GateAir:
		return transport == "FLIGHT"
	case GateRail:
		return transport == "TRAIN"
	case GateSea:
		return transport == "SHIP"
	}
	return transport != "FLIGHT" && transport != "TRAIN" && transport != ""
}

// defaultTransport is the transport a gate implies, to pre-fill the form.
func (g BorderGate) defaultTransport() string {
	switch g.Kind {
	case GateAir:
		return "FLIGHT"
	case GateRail:
		return "TRAIN"
	case GateSea:
		return "SHIP"
	}
	return "CAR"
}

//go:embed border_gates.tsv
var borderGatesTSV string

var borderGates = sync.OnceValue(func() []BorderGate {
	var out []BorderGate
	for _, f := range tsvRows(borderGatesTSV, 6) {
		out = append(out, BorderGate{Code: f[0], Kind: GateKind(f[1]), Province: f[2], NameVi: f[3], NameEn: f[4], Neighbour: f[5]})
	}
	return out
})

// BorderGates returns Vietnam's international border gates: airports
// first, then land, railway and sea gates, north to south.
func BorderGates() []BorderGate { return slices.Clone(borderGates()) }

// GateByCode returns the border gate with the code.
func GateByCode(code string) (BorderGate, bool) {
	i := slices.IndexFunc(borderGates(), func(g BorderGate) bool { return g.Code == code })
	if i < 0 {
		return BorderGate{}, false
	}
	return borderGates()[i], true
}

// tsvRows splits embedded tab-separated reference data into rows of n
// fields, skipping # comments. The data is compiled in, so a malformed row
// is a programming error.
func tsvRows(data string, n int) [][]string {
	var out [][]string
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != n {
			panic(fmt.Sprintf("declaration: embedded reference data line %d has %d fields, want %d", i+1, len(f), n))
		}
		out = append(out, f)
	}
	return out
}
