package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/vn"
)

//go:embed templates
var templateFiles embed.FS

// views holds one parsed template set per page: the layout plus the page.
type views struct {
	pages map[string]*template.Template
}

// catalogs are the message tables of each part of the site, merged into one
// at start-up. Each entry is {Vietnamese, English}.
var catalogs = []map[string][2]string{coreMessages, exposureMessages, checkinMessages,
	declarationMessages, inboxMessages, feedbackMessages, walletMessages, familyMessages, riskMessages,
	reviewMessages, healthMessages, certificateMessages, tracingMessages, quarantineMessages}

func loadViews(as *assets) (*views, error) {
	msgs := map[string][2]string{}
	for _, c := range catalogs {
		for k, v := range c {
			if _, dup := msgs[k]; dup {
				return nil, fmt.Errorf("web: message %q defined twice", k)
			}
			msgs[k] = v
		}
	}
	funcs := template.FuncMap{
		"asset":     as.URL,
		"vntime":    formatTime,
		"vndate":    func(t time.Time) string { return t.In(vn.Location()).Format("02/01/2006") },
		"maskid":    vn.MaskID,
		"birth":     birthDate,
		"maskphone": func(p any) string { return vn.MaskPhone(vn.Phone(fmt.Sprint(p))) },
		"purpose":   func(p access.Purpose, lang string) string { return p.Label(lang) },
		"role":      func(r access.Role, lang string) string { return roleLabel(r, lang) },
		"t":         func(lang, key string, args ...any) string { return translate(msgs, lang, key, args...) },
	}
	layouts, err := fs.Glob(templateFiles, "templates/layout/*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(templateFiles, "templates/*/*.html")
	if err != nil {
		return nil, err
	}
	vs := &views{pages: map[string]*template.Template{}}
	for _, p := range pages {
		if strings.HasPrefix(p, "templates/layout/") {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, append(layouts, p)...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		vs.pages[name] = t
	}
	return vs, nil
}

func translate(msgs map[string][2]string, lang, key string, args ...any) string {
	m, ok := msgs[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == "en" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// birthDate shows a birth date the Vietnamese way: 01/02/1985, or the year
// alone when only the year is known.
func birthDate(d vn.Date) string {
	switch {
	case d.Year == 0:
		return ""
	case d.Month == 0:
		return fmt.Sprint(d.Year)
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(vn.Location()).Format("15:04 02/01/2006")
}

// view is what every page template gets.
type view struct {
	Lang   string
	CSRF   string
	Actor  access.Actor
	Path   string
	Title  string
	Demo   bool
	Flash  string
	Errors map[string]string // field → message, for forms
	Data   any
	Unread int // unread messages, for the badge in the citizen's menu
	// Profile is the profile in use, named at the top of citizen pages
	// (family.go).
	Profile *profileInUse
}

// render writes a page with the layout of its part of the site.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) error {
	t, ok := s.views.pages[page]
	if !ok {
		return fmt.Errorf("web: no page %s", page)
	}
	st := stateOf(r)
	v := view{Lang: st.lang, CSRF: st.csrf, Actor: st.actor, Path: r.URL.Path, Title: title, Demo: s.opts.Demo, Data: data}
	if fe, ok := data.(formErrors); ok {
		v.Errors = fe.fieldErrors(st.lang)
	}
	if !strings.HasPrefix(page, "console/") {
		v.Unread = s.unreadCount(r)
		v.Profile = s.profileBanner(r)
	}
	var buf bytes.Buffer
	layout := "citizen"
	if strings.HasPrefix(page, "console/") {
		layout = "console"
	}
	if err := t.ExecuteTemplate(&buf, layout, v); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// formErrors is implemented by page data that carries field errors.
type formErrors interface {
	fieldErrors(lang string) map[string]string
}

func roleLabel(r access.Role, lang string) string {
	names := map[access.Role][2]string{
		access.RoleHealthOfficial: {"Cán bộ y tế", "Health official"},
		access.RoleCommuneOfficer: {"Cán bộ xã/phường", "Commune officer"},
		access.RolePoliceOfficer:  {"Công an", "Police officer"},
		access.RoleVenueOperator:  {"Chủ địa điểm", "Venue operator"},
		access.RoleAdmin:          {"Quản trị", "Administrator"},
		access.RoleCitizen:        {"Người thân", "Family member"},
		access.RoleSystem:         {"Hệ thống", "The system"},
		access.RoleIntegrator:     {"Cơ sở y tế kết nối", "Connected health facility"},
	}
	n, ok := names[r]
	if !ok {
		return string(r)
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}
