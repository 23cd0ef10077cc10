package legacy

import (
	"github.com/pccovid/pccovid/internal/vn"
)

// Vaccine products, as codes of the EU value set vaccine-medicinal-product.
const (
	ProductVaxzevria = "EU/1/21/1529" // AstraZeneca
	ProductComirnaty = "EU/1/20/1528" // Pfizer-BioNTech
	ProductSpikevax  = "EU/1/20/1507" // Moderna
	ProductSinopharm = "BBIBP-CorV"
	ProductSputnikV  = "Sputnik-V"
	ProductAbdala    = "CIGB-66"
	ProductHayatVax  = "Hayat-Vax"
)

// vaccineSpellings maps every spelling of FORMATS.md, and the product
// codes themselves, to its product, by vocabKey.
var vaccineSpellings = vocab(map[string][]string{
	ProductVaxzevria: {"AstraZeneca", "Astra Zeneca", "AZD1222", "Vaxzevria", "Covishield"},
	ProductComirnaty: {"Pfizer", "Pfizer-BioNTech", "Comirnaty"},
	ProductSpikevax:  {"Moderna", "Spikevax"},
	ProductSinopharm: {"Sinopharm", "Vero Cell", "Verocell"},
	ProductSputnikV:  {"Sputnik V", "Gam-COVID-Vac"},
	ProductAbdala:    {"Abdala"},
	ProductHayatVax:  {"Hayat Vax"},
})

// Test types of TestResult.
const (
	TestPCR = "PCR"
	TestRAT = "RAT"
)

// testTypes maps the spellings of test types to TestPCR or TestRAT.
var testTypes = vocab(map[string][]string{
	TestPCR: {"RT-PCR", "PCR", "realtime RT-PCR"},
	TestRAT: {"RAT", "Test nhanh kháng nguyên", "Test nhanh", "Xét nghiệm nhanh", "Kháng nguyên", "Rapid antigen", "Rapid antigen test", "Antigen"},
})

// testResults maps the spellings of results to "P" or "N".
var testResults = vocab(map[string][]string{
	"P": {"Dương tính", "POS", "Positive"},
	"N": {"Âm tính", "NEG", "Negative"},
})

// vocab indexes spellings by vocabKey; each value is also its own spelling.
func vocab(m map[string][]string) map[string]string {
	out := make(map[string]string)
	for v, spellings := range m {
		out[vocabKey(v)] = v
		for _, s := range spellings {
			out[vocabKey(s)] = v
		}
	}
	return out
}

// vocabKey folds a spelling for lookup: no diacritics, no case, and
// nothing but letters and digits, so "Pfizer-BioNTech", "pfizer biontech"
// and "PFIZER BIONTECH" are one key.
func vocabKey(s string) string {
	var buf [64]byte
	return string(compactFold(buf[:0], s))
}

func compactFold(dst []byte, s string) []byte {
	dst = vn.AppendFold(dst, s)
	out := dst[:0]
	for _, c := range dst {
		if c != ' ' {
			out = append(out, c)
		}
	}
	return out
}

// lookup finds s in a vocabulary without allocating.
func lookup(m map[string]string, s string) (string, bool) {
	if len(s) > 200 {
		return "", false
	}
	var buf [256]byte
	v, ok := m[string(compactFold(buf[:0], s))]
	return v, ok
}
