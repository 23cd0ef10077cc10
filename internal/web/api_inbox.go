package web

import (
	"net/http"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
)

// Inbox API bodies.
type (
	textJSON struct {
		Vi string `json:"vi"`
		En string `json:"en"`
	}
	messageJSON struct {
		ID       string    `json:"id"`
		Category string    `json:"category" doc:"notice, exposure, quarantine, result, declaration or feedback"`
		Title    textJSON  `json:"title"`
		Body     textJSON  `json:"body"`
		Link     string    `json:"link,omitempty" doc:"a path in the app with more"`
		From     textJSON  `json:"from"`
		Area     string    `json:"area,omitempty" doc:"for a notice to everyone in an area: the area's code"`
		At       time.Time `json:"at"`
		Read     bool      `json:"read"`
	}
	inboxJSON struct {
		Unread   int           `json:"unread"`
		Messages []messageJSON `json:"messages" doc:"the newest 100, newest first"`
	}
	noticeRequest struct {
		Purpose  string   `json:"purpose" doc:"why you write: one of the fixed purposes your role serves"`
		Ref      string   `json:"ref,omitempty"`
		PersonID string   `json:"person_id,omitempty" doc:"one person (found with /api/v1/console/persons/search); or"`
		Ward     string   `json:"ward,omitempty" doc:"everyone living in this ward of your area"`
		Key      string   `json:"key,omitempty" doc:"idempotency key: the same key sends once"`
		Title    textJSON `json:"title" doc:"vi required, en optional"`
		Body     textJSON `json:"body"`
	}
)

func toMessageJSON(it inbox.Item) messageJSON {
	both := func(f func(lang string) string) textJSON { return textJSON{Vi: f("vi"), En: f("en")} }
	return messageJSON{ID: it.ID, Category: string(it.Category), Link: it.Link, Area: it.Area, At: it.At, Read: it.Read,
		Title: both(func(l string) string { return inboxText(l, it.TitleKey, it.Params, it.Title) }),
		Body:  both(func(l string) string { return inboxText(l, it.BodyKey, it.Params, it.Body) }),
		From:  both(func(l string) string { return senderName(l, it.Sender, it.SenderArea) })}
}

func (s *Server) inboxAPIRoutes() {
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/inbox", Tag: "inbox", Auth: "citizen",
		Summary: "The active profile's messages and how many are unread", Response: inboxJSON{}}, s.apiInbox)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/inbox/{id}/read", Tag: "inbox", Auth: "citizen",
		Summary: "Mark a message read", Status: http.StatusNoContent}, s.apiInboxRead)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/inbox/read-all", Tag: "inbox", Auth: "citizen",
		Summary: "Mark every message read", Status: http.StatusNoContent}, s.apiInboxReadAll)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/notices", Tag: "inbox", Auth: "official",
		Summary: "Send a notice to one person or to everyone in a ward of your area, for a purpose (audited)",
		Request: noticeRequest{}, Status: http.StatusNoContent}, s.apiNotice)
}

func (s *Server) apiInbox(w http.ResponseWriter, r *http.Request) error {
	a, id, err := activeProfile(r)
	if err != nil {
		return err
	}
	items, err := s.Inbox.List(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, id)
	if err != nil {
		return err
	}
	out := inboxJSON{Messages: []messageJSON{}}
	for _, it := range items {
		out.Messages = append(out.Messages, toMessageJSON(it))
		if !it.Read {
			out.Unread++
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiInboxRead(w http.ResponseWriter, r *http.Request) error {
	a, id, err := activeProfile(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	if err := s.Inbox.MarkRead(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, id, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiInboxReadAll(w http.ResponseWriter, r *http.Request) error {
	a, id, err := activeProfile(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	if err := s.Inbox.MarkAllRead(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiNotice(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var body noticeRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	req, err := officialRequest(r, a, body.Purpose, body.Ref)
	if err != nil {
		return err
	}
	n := inbox.Notice{Key: body.Key, Title: inbox.Text(body.Title), Body: inbox.Text(body.Body)}
	switch {
	case body.PersonID != "" && body.Ward == "":
		err = s.Inbox.NotifyPerson(r.Context(), req, body.PersonID, n)
	case body.Ward != "" && body.PersonID == "":
		err = s.Inbox.NotifyWard(r.Context(), req, body.Ward, n)
	default:
		err = problem.Field("person_id", "Gửi cho một người (person_id) hoặc một phường, xã (ward)", "send to one person (person_id) or one ward (ward)")
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
