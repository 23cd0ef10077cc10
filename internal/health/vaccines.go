package health

import (
	"strings"

	"github.com/pccovid/pccovid/internal/vn"
)

// Vaccine is a COVID-19 vaccine product used in Vietnam, with the codes of
// the EU DCC value sets that a vaccination certificate needs.
type Vaccine struct {
	// Product, Manufacturer and Prophylaxis are the EU value-set codes for
	// a certificate (mp, ma, vp); Product is also what a dose stores.
	Product, Manufacturer, Prophylaxis string
	Name                               string
	// Series is the number of doses of the primary series (sd).
	Series    int
	spellings []string
}

// vaccines are the products of the vaccination portal (FORMATS.md), with
// every spelling seen there.
var vaccines = []Vaccine{
	{Product: "EU/1/21/1529", Manufacturer: "ORG-100001699", Prophylaxis: "29061000087103",
		Name: "Vaxzevria (AstraZeneca)", Series: 2, spellings: []string{"AstraZeneca", "Astra Zeneca", "AZD1222", "Vaxzevria", "Covishield"}},
	{Product: "EU/1/20/1528", Manufacturer: "ORG-100030215", Prophylaxis: "1119349007",
		Name: "Comirnaty (Pfizer-BioNTech)", Series: 2, spellings: []string{"Pfizer", "Pfizer-BioNTech", "Comirnaty"}},
	{Product: "EU/1/20/1507", Manufacturer: "ORG-100031184", Prophylaxis: "1119349007",
		Name: "Spikevax (Moderna)", Series: 2, spellings: []string{"Moderna", "Spikevax"}},
	{Product: "BBIBP-CorV", Manufacturer: "ORG-100020693", Prophylaxis: "1157024006",
		Name: "BBIBP-CorV (Sinopharm)", Series: 2, spellings: []string{"Sinopharm", "Vero Cell", "Verocell"}},
	{Product: "Sputnik-V", Manufacturer: "Gamaleya-Research-Institute", Prophylaxis: "29061000087103",
		Name: "Sputnik V", Series: 2, spellings: []string{"Sputnik V", "Gam-COVID-Vac", "SputnikV"}},
	// The portal's CIGB-66 (as the takeover stores it) is the EU value
	// set's Abdala.
	{Product: "Abdala", Manufacturer: "CIGB", Prophylaxis: "1162643001",
		Name: "Abdala (CIGB-66)", Series: 3, spellings: []string{"Abdala", "CIGB-66"}},
	{Product: "Hayat-Vax", Manufacturer: "ORG-100023050", Prophylaxis: "1157024006",
		Name: "Hayat-Vax", Series: 2, spellings: []string{"Hayat-Vax", "Hayat Vax"}},
}

// vaccineKey folds a spelling: no diacritics, case, spaces or punctuation.
func vaccineKey(s string) string {
	var b strings.Builder
	for _, r := range vn.FoldName(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LookupVaccine finds a product by its EU code, the code a dose taken over
// from the portal has, or any usual spelling ("Pfizer", "astra zeneca",
// "EU/1/20/1528", "CIGB-66").
func LookupVaccine(s string) (Vaccine, bool) {
	k := vaccineKey(s)
	if k == "" {
		return Vaccine{}, false
	}
	for _, v := range vaccines {
		if vaccineKey(v.Product) == k {
			return v, true
		}
		for _, sp := range v.spellings {
			if vaccineKey(sp) == k {
				return v, true
			}
		}
	}
	return Vaccine{}, false
}
