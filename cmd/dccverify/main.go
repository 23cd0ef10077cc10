//go:build js && wasm

// Command dccverify is the checkpoint verifier's certificate check,
// compiled to WebAssembly: the verifier page hands it the QR text it
// scanned, the signer list it keeps (so it works offline) and the time,
//
//	pccovidDCC.verify(qrText, signerListJSON, unixMillis) → answer JSON
//
// and shows the answer: certificate.AnswerOf of certificate.Verifier, the
// same code `pccovid dcc verify` and the server run, so the three give the
// same answer. Nothing leaves the phone.
//
// It also decodes camera frames, with the same API and code as
// cmd/qrscan (pccovidQR.decode(imageData) → text): the page then loads
// one WebAssembly module, one Go runtime, instead of two.
//
// Build it with go generate in internal/web (see verifier_dccverify.go there).
package main

import (
	"encoding/json"
	"syscall/js"
	"time"

	"github.com/pccovid/pccovid/internal/certificate"
	"github.com/pccovid/pccovid/internal/qrscan"
)

func main() {
	validator, err := certificate.NewValidator()
	if err != nil {
		panic(err)
	}
	var lastList string
	var verifier *certificate.Verifier
	var listErr error
	verify := js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 3 {
			return answerJSON(certificate.Answer{Code: "usage", MessageEn: "verify(qr, signerList, unixMillis)"})
		}
		if list := args[1].String(); list != lastList || verifier == nil && listErr == nil {
			lastList, verifier, listErr = list, nil, nil
			dscs, err := certificate.ParseSignerList([]byte(list))
			if err != nil {
				listErr = err
			} else {
				verifier = certificate.NewVerifier(validator, dscs...)
			}
		}
		if listErr != nil {
			return answerJSON(certificate.Answer{Code: "signer_list", Detail: listErr.Error(),
				MessageVi: "Chưa có danh sách khóa ký hợp lệ: hãy kết nối mạng để tải.",
				MessageEn: "No valid signer list yet: connect to download it."})
		}
		at := time.UnixMilli(int64(args[2].Float()))
		return answerJSON(certificate.AnswerOf(verifier.Verify(args[0].String(), at)))
	})
	js.Global().Set("pccovidDCC", js.ValueOf(map[string]any{"verify": verify}))
	js.Global().Set("pccovidQR", js.ValueOf(map[string]any{"decode": js.FuncOf(qrscan.DecodeFrame())}))
	select {} // keep the functions alive
}

func answerJSON(a certificate.Answer) string {
	b, _ := json.Marshal(a)
	return string(b)
}
