package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/risk"
	"github.com/pccovid/pccovid/internal/vn"
)

func (s *Server) walletRoutes() {
	m := s.mux
	m.HandleFunc("GET /more", s.serve(s.morePage))
	if s.Risk == nil {
		return
	}
	m.HandleFunc("GET /wallet", s.serve(s.walletPage))
	s.walletConsoleRoutes()
	s.walletAPIRoutes()
	s.riskRoutes()
}

// wt translates a wallet message: status cards are put into words here, in
// Go, because their sentences take dates.
func wt(lang, key string, args ...any) string { return translate(walletMessages, lang, key, args...) }

// statusView is the status card in the reader's language.
type statusView struct {
	Level  string // green, yellow, red, case, quarantine: the card's colour
	Title  string
	Reason string
	Until  string
	Next   string
	Rule   string
}

// newStatusView puts a card into words.
func newStatusView(lang string, st risk.Status) statusView {
	v := statusView{Level: string(st.Level), Title: wt(lang, "status."+string(st.Level)), Reason: reasonText(lang, st)}
	if !st.Until.IsZero() {
		v.Until = wt(lang, "status.until", formatTime(st.Until))
	}
	if st.Next != "" {
		v.Next = wt(lang, "status.next", strings.ToLower(wt(lang, "status."+string(st.Next))), vnDay(st.NextAt))
	}
	r := st.Rules
	v.Rule = wt(lang, "status.rule", r.Name, scopeName(lang, r.Scope), vnDay(r.EffectiveFrom))
	return v
}

func reasonText(lang string, st risk.Status) string {
	key := "reason." + string(st.Reason)
	switch st.Reason {
	case risk.ReasonFullCourse, risk.ReasonOneDose:
		return wt(lang, key, st.Doses, vnDay(st.Since))
	case risk.ReasonRecovered:
		return wt(lang, key, vnDay(st.Since))
	case risk.ReasonNegativeTest, risk.ReasonPositiveTest, risk.ReasonCase, risk.ReasonQuarantine:
		return wt(lang, key, formatTime(st.Since))
	case risk.ReasonWaiting:
		return wt(lang, key, st.Doses, st.Rules.DaysAfterDose)
	}
	return wt(lang, key)
}

// vnDay is a day as Vietnamese write it: 15/11/2021.
func vnDay(t time.Time) string { return t.In(vn.Location()).Format("02/01/2006") }

// scopeName names a rules scope: the whole country or a province.
func scopeName(lang, scope string) string {
	if scope == risk.Country {
		return wt(lang, "status.country")
	}
	if p, ok := vn.AdminUnits().Province(scope); ok {
		return p.FullName
	}
	return scope
}

// doseView and testView are the wallet's lines.
type doseView struct {
	Number        int
	Product, Date string
	Site, Lot     string
	Source        string
}

type testView struct {
	Type, Result      string
	Positive          bool
	Sampled, Resulted string
	Lab               string
	Source            string
}

// walletView is the health wallet: the card and the records it came from.
type walletView struct {
	Lang   string
	Status statusView
	Doses  []doseView
	Tests  []testView
}

func newWalletView(lang string, a risk.Assessment) walletView {
	v := walletView{Lang: lang, Status: newStatusView(lang, a.Status)}
	doses, tests := health.Distinct(a.Records)
	for _, d := range doses {
		v.Doses = append(v.Doses, doseView{Number: d.Number, Product: productName(d.Dose), Date: birthDate(d.Date),
			Site: siteName(d.Dose), Lot: d.Lot, Source: sourceNames(lang, d.Sources)})
	}
	for _, t := range tests {
		result := "negative"
		if t.Positive {
			result = "positive"
		}
		v.Tests = append(v.Tests, testView{Type: wt(lang, "test."+t.Type), Result: wt(lang, "test."+result), Positive: t.Positive,
			Sampled: formatTime(t.SampledAt), Resulted: formatTime(t.ResultAt), Lab: t.Lab, Source: sourceNames(lang, t.Sources)})
	}
	return v
}

// productName names a vaccine by the EU value set, else as the old app
// named it.
func productName(d health.Dose) string {
	if n := health.VaccineProductName(d.Product); n != "" {
		return n
	}
	if d.ProductName != "" {
		return d.ProductName
	}
	return d.Product
}

func siteName(d health.Dose) string {
	if p, ok := vn.AdminUnits().Province(d.Province); ok {
		if d.Facility == "" {
			return p.FullName
		}
		return d.Facility + ", " + p.FullName
	}
	return d.Facility
}

// sourceNames names where records came from: an old app, an official, or a
// facility (whose sources are their ids).
func sourceNames(lang string, sources []string) string {
	out := make([]string, 0, len(sources))
	for _, src := range sources {
		key := "source." + src
		if _, ok := walletMessages[key]; !ok {
			key = "source.facility"
		}
		if n := wt(lang, key); !containsString(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// walletPage is the health wallet of the profile in use.
type walletPage struct {
	Wallet  *walletView
	Profile string
}

func (s *Server) walletPage(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	var page walletPage
	if id := profile(r); id != "" {
		as, err := s.Risk.Assess(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, id)
		if err != nil {
			return err
		}
		v := newWalletView(stateOf(r).lang, as)
		page.Wallet = &v
	}
	return s.render(w, r, http.StatusOK, "citizen/wallet", "wallet.title", page)
}

// homeStatus is the status card on the home page of the profile in use;
// nil when the risk service is not mounted.
func (s *Server) homeStatus(r *http.Request, a access.Actor, personID string) (*statusView, error) {
	if s.Risk == nil || personID == "" {
		return nil, nil
	}
	as, err := s.Risk.Assess(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, personID)
	if err != nil {
		return nil, err
	}
	v := newStatusView(stateOf(r).lang, as.Status)
	return &v, nil
}

// moreLink is one line of the "More" page.
type moreLink struct {
	ID, Href, Label string
	Badge           int
}

func (s *Server) morePage(w http.ResponseWriter, r *http.Request) error {
	if _, err := citizen(r); err != nil {
		return err
	}
	lang := stateOf(r).lang
	var links []moreLink
	add := func(id, href, key string, on bool) {
		if on {
			links = append(links, moreLink{ID: id, Href: href, Label: wt(lang, key)})
		}
	}
	add("more-wallet", "/wallet", "more.wallet", s.Risk != nil)
	add("more-family", "/family", "more.family", s.Family != nil)
	add("more-qr", "/checkin/qr", "more.qr", s.Checkins != nil)
	add("more-household", "/household", "more.household", true)
	add("more-access", "/access-log", "more.access", true)
	add("more-feedback", "/feedback", "more.feedback", s.Feedback != nil)
	add("more-venues", "/venues", "more.venues", s.Checkins != nil)
	other := "en"
	if lang == "en" {
		other = "vi"
	}
	add("more-lang", "/lang/"+other+"?next=/more", "more.lang", true)
	return s.render(w, r, http.StatusOK, "citizen/more", "more.title", links)
}

// dayOfTime is a time's day in Vietnam, for forms' date fields.
func dayOfTime(t time.Time) string { return t.In(vn.Location()).Format("2006-01-02") }
