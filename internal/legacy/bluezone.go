package legacy

import (
	"io"
	"strconv"
	"strings"

	"github.com/pccovid/pccovid/internal/vn"
)

// Columns of bluezone/users.csv, in the order of bluezoneCols.
const (
	bzID = iota
	bzPhone
	bzName
	bzCreated
	bzPlatform
)

var bluezoneCols = []column{
	{"bluezone_id", true}, {"phone_number", true}, {"full_name", false}, {"created_at", true}, {"platform", false},
}

// readBluezone reads bluezone/users.csv.
func readBluezone(in *input, out *batcher[Record], cache *caches) error {
	c, err := openCSV(in, ',', encUTF8, bluezoneCols)
	if err != nil {
		return err
	}
	return eachCSVRow(c, out, cache, recordParser(parseBluezone))
}

// recordParser returns parse preceded by noting where the record was read.
func recordParser(parse func(r *row, f []string, rec *Record) bool) func(r *row, f []string, rec *Record) bool {
	return func(r *row, f []string, rec *Record) bool {
		rec.File, rec.Line = r.file, r.line
		return parse(r, f, rec)
	}
}

// eachCSVRow turns every row of c into a value with parse, and hands it
// to out unless parse set the row aside.
func eachCSVRow[T any](c *csvFile, out *batcher[T], cache *caches, parse func(r *row, f []string, v *T) bool) error {
	r := &row{c: cache, file: c.in.name}
	for {
		p, err := c.next()
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		case p != nil:
			p.File = c.in.name
			out.rep.add(*p)
			continue
		}
		r.reset(c.line)
		v := out.next()
		kept := parse(r, c.fields, v)
		r.report(out.rep, kept)
		if !kept {
			out.drop()
			continue
		}
		if err := out.keep(); err != nil {
			return err
		}
	}
}

// parseBluezone reads a Bluezone registration. Bluezone knows a person
// only by the phone number, so a row without a readable one is set aside.
func parseBluezone(r *row, f []string, rec *Record) bool {
	if !r.setKey("bluezone_id", f[bzID]) {
		return false
	}
	rec.Source, rec.Key = Bluezone, r.key
	var ok bool
	if rec.At, ok = r.eventTime("created_at", vn.ParseUnixMillis, f[bzCreated]); !ok {
		return false
	}
	if f[bzPhone] == "" {
		return r.reject("phone_number", "no phone number", "")
	}
	p, err := vn.ParsePhone(f[bzPhone])
	if err != nil {
		return r.reject("phone_number", "invalid phone number", fieldDetail(err))
	}
	rec.Phone = p
	rec.FullName = r.c.name(f[bzName])
	platform := strings.ToLower(f[bzPlatform])
	switch platform {
	case "android", "ios", "":
	default:
		r.drop("platform", "unknown platform", "")
		platform = ""
	}
	rec.BluezoneApp = &BluezoneApp{ID: rec.Key, Platform: platform, CreatedAt: rec.At}
	return true
}

// Columns of bluezone/contacts.csv, in the order of contactCols.
const (
	ctID = iota
	ctContact
	ctFirst
	ctLast
	ctRSSI
)

var contactCols = []column{
	{"bluezone_id", true}, {"contact_bluezone_id", true}, {"first_seen", true}, {"last_seen", true}, {"rssi_max", true},
}

// readContacts reads bluezone/contacts.csv. Every field of a contact is
// its substance, so a contact with any value that cannot be read is set
// aside.
func readContacts(in *input, out *batcher[Contact], cache *caches) error {
	c, err := openCSV(in, ',', encUTF8, contactCols)
	if err != nil {
		return err
	}
	return eachCSVRow(c, out, cache, parseContact)
}

func parseContact(r *row, f []string, ct *Contact) bool {
	if !r.setKey("bluezone_id", f[ctID]) {
		return false
	}
	ct.BluezoneID = r.key
	if !r.setKey("contact_bluezone_id", f[ctContact]) {
		return false
	}
	ct.ContactID = r.key
	r.key = ct.BluezoneID
	var ok bool
	if ct.FirstSeen, ok = r.eventTime("first_seen", vn.ParseUnixMillis, f[ctFirst]); !ok {
		return false
	}
	if ct.LastSeen, ok = r.eventTime("last_seen", vn.ParseUnixMillis, f[ctLast]); !ok {
		return false
	}
	if ct.LastSeen.Before(ct.FirstSeen) {
		return r.reject("last_seen", "before first_seen", "")
	}
	rssi, err := strconv.Atoi(f[ctRSSI])
	if err != nil || rssi > 0 || rssi < -150 {
		return r.reject("rssi_max", "not a signal strength in dBm (a negative integer)", "")
	}
	ct.RSSIMax = rssi
	return true
}
