package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// inboxRoutes mounts the citizen's inbox, the console's notice form, and
// their JSON API (api_inbox.go).
func (s *Server) inboxRoutes() {
	if s.Inbox == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /inbox", s.serve(s.inboxPage))
	m.HandleFunc("POST /inbox/read-all", s.serve(s.inboxReadAll))
	m.HandleFunc("POST /inbox/{id}/read", s.serve(s.inboxRead))
	m.HandleFunc("GET /console/notices", s.serve(s.noticePage))
	m.HandleFunc("POST /console/notices/find", s.serve(s.noticeFind))
	m.HandleFunc("POST /console/notices", s.serve(s.noticeSend))
	s.inboxAPIRoutes()
}

// unreadCount is the number shown beside "Messages" in the citizen's menu;
// the menu is drawn on every page, so a failure is logged, not shown.
func (s *Server) unreadCount(r *http.Request) int {
	a := stateOf(r).actor
	id := profile(r)
	if s.Inbox == nil || a.Kind != access.KindCitizen || id == "" {
		return 0
	}
	n, err := s.Inbox.Unread(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, id)
	if err != nil {
		s.Log.WarnContext(r.Context(), "unread count", "err", err)
	}
	return n
}

// messageView is an inbox message in the reader's language.
type messageView struct {
	ID, Category, Title, Body, Link, From, Area string
	At                                          time.Time
	Read                                        bool
}

func messageViews(lang string, items []inbox.Item) []messageView {
	out := make([]messageView, len(items))
	for i, it := range items {
		out[i] = messageView{ID: it.ID, Category: string(it.Category), Link: it.Link, At: it.At, Read: it.Read,
			Title: inboxText(lang, it.TitleKey, it.Params, it.Title), Body: inboxText(lang, it.BodyKey, it.Params, it.Body),
			From: senderName(lang, it.Sender, it.SenderArea), Area: areaName(it.Area)}
	}
	return out
}

// inboxText renders a message's title or body: the catalog's words for a
// key, else the text the sender wrote.
func inboxText(lang, key string, params []string, text inbox.Text) string {
	if key == "" {
		return text.In(lang)
	}
	args := make([]any, len(params))
	for i, p := range params {
		args[i] = p
	}
	return translateKey(lang, key, args...)
}

func senderName(lang, role, area string) string {
	if role == "" {
		return translateKey(lang, "inbox.from_platform")
	}
	name := roleLabel(access.Role(role), lang)
	if a := areaName(area); a != "" {
		name += " — " + a
	}
	return name
}

// areaName spells an area code (or "VN") for a reader.
func areaName(code string) string {
	if code == string(access.Country) {
		return "Việt Nam"
	}
	if u, ok := vn.AdminUnits().Lookup(code); ok {
		return u.FullName
	}
	return ""
}

type inboxView struct {
	Messages []messageView
	Unread   int
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	var v inboxView
	if id := profile(r); id != "" {
		items, err := s.Inbox.List(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, id)
		if err != nil {
			return err
		}
		v.Messages = messageViews(stateOf(r).lang, items)
		for _, m := range v.Messages {
			if !m.Read {
				v.Unread++
			}
		}
	}
	return s.render(w, r, http.StatusOK, "citizen/inbox", "inbox.title", v)
}

func (s *Server) inboxRead(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.Inbox.MarkRead(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, profile(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox#m-"+id, http.StatusSeeOther)
	return nil
}

func (s *Server) inboxReadAll(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	if err := s.Inbox.MarkAllRead(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, profile(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	return nil
}

// noticeView is the console's notice form: to one person found by the
// audited person search, or to everyone in a ward of the official's area.
type noticeView struct {
	Purposes        []access.Purpose
	Purpose, Ref    string
	Query           string
	Found           []identity.Person
	PersonID        string
	Searched        bool
	Ward            placePicker
	Key             string // makes the form idempotent: submitted twice, sent once
	TitleVi, BodyVi string
	TitleEn, BodyEn string
	Sent            string
	Err             error
}

func (v noticeView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

// newNoticeView reads what the form carries over between its steps.
func newNoticeView(r *http.Request, a access.Actor) noticeView {
	v := noticeView{Purposes: access.PurposesFor(a.Role), Purpose: r.PostFormValue("purpose"), Ref: r.PostFormValue("ref"),
		Query: r.PostFormValue("q"), PersonID: r.PostFormValue("person"), Key: r.PostFormValue("key"),
		TitleVi: r.PostFormValue("title_vi"), BodyVi: r.PostFormValue("body_vi"),
		TitleEn: r.PostFormValue("title_en"), BodyEn: r.PostFormValue("body_en")}
	if v.Key == "" {
		v.Key = db.NewID()
	}
	ward := placeFromForm(r, "ward")
	if ward == "" && len(a.Scope) == 5 {
		ward = string(a.Scope) // a ward's officer writes to their ward
	}
	v.Ward = newPlacePicker(stateOf(r).lang, "ward", "notice.ward", ward)
	return v
}

func (s *Server) noticePage(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/notices", "notice.title", newNoticeView(r, a))
}

// noticeFind runs the audited person search of the console for the
// notice's recipient.
func (s *Server) noticeFind(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	v := newNoticeView(r, a)
	v.Found, err = s.searchPersons(r, a, v.Purpose, v.Ref, v.Query)
	if errors.Is(err, problem.ErrInvalid) {
		v.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/notices", "notice.title", v)
	}
	if err != nil {
		return err
	}
	v.Searched = true
	if len(v.Found) == 1 {
		v.PersonID = v.Found[0].ID
	}
	return s.render(w, r, http.StatusOK, "console/notices", "notice.title", v)
}

// noticeSend sends the notice to the person chosen or to the ward.
func (s *Server) noticeSend(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	v := newNoticeView(r, a)
	if r.PostFormValue("next") != "" {
		return s.render(w, r, http.StatusOK, "console/notices", "notice.title", v)
	}
	lang := stateOf(r).lang
	n := inbox.Notice{Key: v.Key, Title: inbox.Text{Vi: v.TitleVi, En: v.TitleEn}, Body: inbox.Text{Vi: v.BodyVi, En: v.BodyEn}}
	req, err := officialRequest(r, a, v.Purpose, v.Ref)
	if err == nil {
		switch r.PostFormValue("target") {
		case "ward":
			ward := placeFromForm(r, "ward")
			if err = s.Inbox.NotifyWard(r.Context(), req, ward, n); err == nil {
				v.Sent = translateKey(lang, "notice.sent_ward", areaName(ward))
			}
		default:
			if v.PersonID == "" {
				err = problem.Field("person", "Hãy tìm và chọn người nhận", "find and choose the recipient")
			} else if err = s.Inbox.NotifyPerson(r.Context(), req, v.PersonID, n); err == nil {
				v.Sent = translateKey(lang, "notice.sent_person")
			}
		}
	}
	switch {
	case err == nil:
		fresh := noticeView{Purposes: v.Purposes, Purpose: v.Purpose, Ref: v.Ref, Ward: v.Ward, Key: db.NewID(), Sent: v.Sent}
		return s.render(w, r, http.StatusOK, "console/notices", "notice.title", fresh)
	case errors.Is(err, problem.ErrInvalid):
		v.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/notices", "notice.title", v)
	case errors.Is(err, problem.ErrForbidden):
		v.Err = problem.Field("target", "Người nhận hoặc phường, xã này ngoài địa bàn của bạn, hoặc mục đích không phù hợp",
			"that recipient or ward is outside your area, or the purpose does not fit your role")
		return s.render(w, r, http.StatusForbidden, "console/notices", "notice.title", v)
	}
	return err
}
