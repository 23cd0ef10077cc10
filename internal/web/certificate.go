package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/certificate"
	"github.com/pccovid/pccovid/internal/certificate/issuance"
	"github.com/pccovid/pccovid/internal/problem"
)

// Citizens' EU DCC certificates: issued on request from the health page,
// shown as a large QR code, downloaded as a bilingual PDF.
func (s *Server) certificateRoutes() {
	if s.Certificates == nil {
		return
	}
	m := s.mux
	m.HandleFunc("POST /certificates", s.serve(s.certificateIssue))
	m.HandleFunc("GET /certificates/{id}", s.serve(s.certificatePage))
	m.HandleFunc("GET /certificates/{id}/qr.png", s.serve(s.certificateQR))
	m.HandleFunc("GET /certificates/{id}/pdf", s.serve(s.certificatePDF))
	s.verifierRoutes()
	s.apiCertificateRoutes()
}

// ownCertificates is the request of a citizen acting for the profile in use.
func ownCertificates(r *http.Request) (access.Request, string, error) {
	a, err := citizen(r)
	if err != nil {
		return access.Request{}, "", err
	}
	id := profile(r)
	if id == "" {
		return access.Request{}, "", problem.Field("person", "Tài khoản chưa gắn với hồ sơ nào", "the account has no profile yet")
	}
	return access.Request{Actor: a, Purpose: access.PurposeOwn}, id, nil
}

func (s *Server) certificateIssue(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	req, person, err := ownCertificates(r)
	if err != nil {
		return err
	}
	c, err := s.Certificates.Issue(r.Context(), req, person, certificate.Type(r.PostFormValue("type")), r.PostFormValue("record"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/certificates/"+c.ID, http.StatusSeeOther)
	return nil
}

// certificateData is the certificate page.
type certificateData struct {
	C     issuance.Certificate
	Title string
}

func (s *Server) certificateOf(r *http.Request) (issuance.Certificate, error) {
	a, err := citizen(r)
	if err != nil {
		return issuance.Certificate{}, err
	}
	return s.Certificates.Get(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, r.PathValue("id"))
}

func (s *Server) certificatePage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.certificateOf(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "citizen/certificate", "cert.title", certificateData{C: c, Title: "cert.type." + string(c.Type)})
}

func (s *Server) certificateQR(w http.ResponseWriter, r *http.Request) error {
	c, err := s.certificateOf(r)
	if err != nil {
		return err
	}
	png, err := issuance.QRPNG(c.QR, 8)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(png)
	return err
}

func (s *Server) certificatePDF(w http.ResponseWriter, r *http.Request) error {
	c, err := s.certificateOf(r)
	if err != nil {
		return err
	}
	pdf, err := issuance.PDF(c, s.Clock.Now())
	if err != nil {
		return err
	}
	name := "chung-nhan-covid-19-" + strings.ToLower(string(c.Type)) + ".pdf"
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(pdf)
	return err
}

// The certificate API for the citizen's app.
type (
	certificateJSON struct {
		ID       string             `json:"id"`
		Type     string             `json:"type" doc:"v vaccination, t test, r recovery"`
		UVCI     string             `json:"uvci"`
		IssuedAt string             `json:"issued_at"`
		Expires  string             `json:"expires"`
		QR       string             `json:"qr" doc:"the QR text, HC1:…"`
		Answer   certificate.Answer `json:"answer"`
	}
	issueRequest struct {
		Type   string `json:"type" doc:"v, t or r"`
		Record string `json:"record" doc:"the dose, test or treatment id (see GET /api/v1/me/certificates/options)"`
	}
	optionJSON struct {
		Type     string `json:"type"`
		RecordID string `json:"record_id"`
		Date     string `json:"date"`
		Detail   string `json:"detail,omitempty"`
		IssuedID string `json:"issued_id,omitempty"`
	}
	dccVerifyRequest struct {
		QR string `json:"qr" doc:"the text of the scanned QR code"`
		At string `json:"at,omitempty" doc:"RFC 3339; default now"`
	}
)

func toCertificateJSON(c issuance.Certificate) certificateJSON {
	return certificateJSON{ID: c.ID, Type: string(c.Type), UVCI: c.UVCI, IssuedAt: c.IssuedAt.Format(time.RFC3339),
		Expires: c.Expires.Format(time.RFC3339), QR: c.QR, Answer: c.Answer}
}

func (s *Server) apiCertificateRoutes() {
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/certificates", Tag: "certificate", Auth: "citizen",
		Summary: "Your certificates", Response: []certificateJSON{}}, s.apiMyCertificates)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/certificates/options", Tag: "certificate", Auth: "citizen",
		Summary: "What you can get a certificate for", Response: []optionJSON{}}, s.apiCertificateOptions)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/certificates", Tag: "certificate", Auth: "citizen",
		Summary: "Get the EU DCC certificate of a dose, test or recovery (again: the same one)", Request: issueRequest{},
		Response: certificateJSON{}}, s.apiIssueCertificate)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/dcc/signers", Tag: "certificate",
		Summary: "The document signers verifiers trust (the country signing CA and every DSC)", Response: certificate.SignerList{}}, s.apiSigners)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/dcc/verify", Tag: "certificate",
		Summary: "Verify a certificate's QR text: valid or not, and why (the verifier page does it offline)",
		Request: dccVerifyRequest{}, Response: certificate.Answer{}}, s.apiVerifyCertificate)
}

func (s *Server) apiMyCertificates(w http.ResponseWriter, r *http.Request) error {
	req, person, err := ownCertificates(r)
	if err != nil {
		return err
	}
	cs, err := s.Certificates.List(r.Context(), req, person)
	if err != nil {
		return err
	}
	out := make([]certificateJSON, len(cs))
	for i, c := range cs {
		out[i] = toCertificateJSON(c)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiCertificateOptions(w http.ResponseWriter, r *http.Request) error {
	req, person, err := ownCertificates(r)
	if err != nil {
		return err
	}
	opts, err := s.Certificates.Options(r.Context(), req, person)
	if err != nil {
		return err
	}
	out := make([]optionJSON, len(opts))
	for i, o := range opts {
		out[i] = optionJSON{Type: string(o.Type), RecordID: o.RecordID, Date: o.Date, Detail: o.Detail}
		if o.Issued != nil {
			out[i].IssuedID = o.Issued.ID
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiIssueCertificate(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	req, person, err := ownCertificates(r)
	if err != nil {
		return err
	}
	var in issueRequest
	if err := readJSON(r, &in); err != nil {
		return err
	}
	c, err := s.Certificates.Issue(r.Context(), req, person, certificate.Type(in.Type), in.Record)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCertificateJSON(c))
	return nil
}
