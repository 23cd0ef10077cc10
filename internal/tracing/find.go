package tracing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/vn"
)

// Exposure is one piece of evidence that two people were in close contact:
// the rule that found it, where, each one's time there and how long their
// times overlapped.
type Exposure struct {
	Rule Rule
	// Key names the records the evidence rests on (two declarations, a
	// log line), so that finding it again finds the same; see EvidenceKey.
	Key           string
	SourcePerson  string // the case, or the F1 for an F2
	ContactPerson string
	Degree        int
	Place         string // a venue's name, "VN244 · 2021-08-10", "household"
	PlaceRef      string // a venue id, a transport number
	SourceFrom    time.Time
	SourceTo      time.Time
	ContactFrom   time.Time
	ContactTo     time.Time
	Overlap       time.Duration
	Detail        string // seats, signal strength
}

// EvidenceKey names the records the evidence rests on, unique among a
// case's evidence for one pair of persons and one rule: a venue's two
// check-in times, two declarations' ids, a log line.
func (e Exposure) EvidenceKey() string {
	if e.Key == "" && e.Rule == RuleVenue {
		return strconv.FormatInt(e.SourceFrom.UnixMilli(), 10) + "/" + strconv.FormatInt(e.ContactFrom.UnixMilli(), 10)
	}
	return e.Key
}

// Start is when the exposure began: the later of the two arrivals.
func (e Exposure) Start() time.Time {
	if e.ContactFrom.After(e.SourceFrom) {
		return e.ContactFrom
	}
	return e.SourceFrom
}

// End is when it ended: the earlier of the two departures (at least Start).
func (e Exposure) End() time.Time {
	end := e.SourceTo
	if e.ContactTo.Before(end) {
		end = e.ContactTo
	}
	if end.Before(e.Start()) {
		return e.Start()
	}
	return end
}

// Source is a person whose contacts are sought, over the window in which
// they could pass the virus on.
type Source struct {
	PersonID string
	Window   Window
}

// Contact is a person found, with every piece of evidence.
type Contact struct {
	PersonID string
	Degree   int
	Via      string // the source person of the earliest exposure
	First    time.Time
	Last     time.Time
	Evidence []Exposure
}

// Finder applies the rules to the platform's records.
type Finder struct {
	venues   VenueLog
	journeys Journeys
	persons  Persons
	logs     ContactLogs
	declared func(ctx context.Context, caseID int64) ([]Exposure, error)
}

// F1 finds the close contacts of a case.
func (f *Finder) F1(ctx context.Context, c Case, rules Rules) ([]Contact, error) {
	src := []Source{{PersonID: c.PersonID, Window: c.Window}}
	parts, err := f.find(ctx, rules, 1, src)
	if err != nil {
		return nil, err
	}
	if rules.Declared.Enabled && f.declared != nil {
		d, err := f.declared(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		parts = append(parts, d)
	}
	return group(parts, map[string]bool{c.PersonID: true}), nil
}

// F2 finds the close contacts of F1s: each F1 is a source from their first
// exposure to until (when they were found and told to stay home).
// exclude holds the case and the F1s, who are not F2s.
func (f *Finder) F2(ctx context.Context, rules Rules, f1 []Contact, until func(Contact) time.Time, exclude map[string]bool) ([]Contact, error) {
	src := make([]Source, 0, len(f1))
	for _, c := range f1 {
		if to := until(c); to.After(c.First) {
			src = append(src, Source{PersonID: c.PersonID, Window: Window{From: c.First, To: to}})
		}
	}
	parts, err := f.find(ctx, rules, 2, src)
	if err != nil {
		return nil, err
	}
	return group(parts, exclude), nil
}

// Find applies every enabled rule (but the declared contacts, which belong
// to a case) to the sources, and returns the exposures found, of degree.
func (f *Finder) Find(ctx context.Context, rules Rules, degree int, src []Source) ([]Exposure, error) {
	parts, err := f.find(ctx, rules, degree, src)
	return slices.Concat(parts...), err
}

// find is Find returning each rule's exposures (or each half's, for the
// venues) as they were collected, so that group copies them once. The
// venues are read while the other rules' records are, on another
// connection.
func (f *Finder) find(ctx context.Context, rules Rules, degree int, src []Source) ([][]Exposure, error) {
	if len(src) == 0 {
		return nil, nil
	}
	var others [][]Exposure
	var othersErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		others, othersErr = f.otherRules(ctx, rules, degree, src)
	}()
	var parts [][]Exposure
	var err error
	if rules.Venue.Enabled {
		parts, err = f.venueExposures(ctx, rules, degree, src)
	}
	<-done
	if err != nil || othersErr != nil {
		return nil, errors.Join(err, othersErr)
	}
	return append(parts, others...), nil
}

// otherRules applies the rules but the venues'.
func (f *Finder) otherRules(ctx context.Context, rules Rules, degree int, src []Source) ([][]Exposure, error) {
	var parts [][]Exposure
	steps := []struct {
		on  bool
		run func(context.Context, Rules, int, []Source) ([]Exposure, error)
	}{
		{rules.Transport.Enabled, f.transportExposures},
		{rules.Household.Enabled, f.householdExposures},
		{rules.Bluetooth.Enabled, f.bluetoothExposures},
	}
	for _, st := range steps {
		if !st.on {
			continue
		}
		ex, err := st.run(ctx, rules, degree, src)
		if err != nil {
			return nil, err
		}
		parts = append(parts, ex)
	}
	return parts, nil
}

// venueExposures: check-ins at the same venue within the rule's distance.
// Each presence is taken to last that long after its scan, so two scans t
// apart overlapped for the distance minus t. Many windows (F2: a hundred
// F1s) are read in two concurrent halves, on two connections and cores,
// each half's exposures made as its rows arrive.
func (f *Finder) venueExposures(ctx context.Context, rules Rules, degree int, src []Source) ([][]Exposure, error) {
	ws := make([]checkin.Window, len(src))
	for i, s := range src {
		ws[i] = checkin.Window{PersonID: s.PersonID, From: s.Window.From, To: s.Window.To}
	}
	if len(ws) < parallelFrom {
		return f.venueHalf(ctx, rules, degree, ws)
	}
	half := len(ws) / 2
	var other [][]Exposure
	var otherErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		other, otherErr = f.venueHalf(ctx, rules, degree, ws[half:])
	}()
	ex, err := f.venueHalf(ctx, rules, degree, ws[:half])
	<-done
	if err != nil || otherErr != nil {
		return nil, errors.Join(err, otherErr)
	}
	return append(ex, other...), nil
}

// chunk is how many exposures are collected per slice: tens of thousands
// are kept in chunks, never copied to grow one slice.
const chunk = 4096

// parallelFrom is how many windows make it worth reading in two halves.
const parallelFrom = 32

func (f *Finder) venueHalf(ctx context.Context, rules Rules, degree int, ws []checkin.Window) ([][]Exposure, error) {
	within := rules.VenueWithin()
	var venues []string
	var chunks [][]Exposure
	var out []Exposure       // grows to chunk, then a new chunk starts
	also := map[[2]int]int{} // evidence (chunk, index) → other sources near the same check-in
	err := f.venues.EachCoVisit(ctx, ws, within, func(v checkin.CoVisit) {
		if n := len(venues); n == 0 || venues[n-1] != v.VenueID { // co-visits come venue by venue
			venues = append(venues, v.VenueID)
		}
		overlap := within - v.OtherAt.Sub(v.At).Abs()
		// One piece of evidence per check-in of the contact: when several
		// sources (F1s at a crowded place) were near the same check-in,
		// it names the closest and counts the others. The co-visits of
		// one check-in come one after another.
		if n := len(out) - 1; n >= 0 && out[n].ContactPerson == v.Other && out[n].ContactFrom.Equal(v.OtherAt) && out[n].PlaceRef == v.VenueID {
			also[[2]int{len(chunks), n}]++
			if overlap > out[n].Overlap || overlap == out[n].Overlap && v.PersonID < out[n].SourcePerson {
				out[n].SourcePerson, out[n].SourceFrom, out[n].SourceTo, out[n].Overlap = v.PersonID, v.At, v.At.Add(within), overlap
			}
			return
		}
		if len(out) == chunk {
			chunks, out = append(chunks, out), make([]Exposure, 0, chunk)
		}
		// The key (the two check-in times) is made when the evidence is
		// stored (EvidenceKey): most found are never stored (F2 on demand).
		out = append(out, Exposure{Rule: RuleVenue, SourcePerson: v.PersonID, ContactPerson: v.Other, Degree: degree,
			PlaceRef: v.VenueID, SourceFrom: v.At, SourceTo: v.At.Add(within), ContactFrom: v.OtherAt, ContactTo: v.OtherAt.Add(within),
			Overlap: overlap})
	})
	if err != nil {
		return nil, err
	}
	chunks = append(chunks, out)
	for at, n := range also {
		chunks[at[0]][at[1]].Detail = "+" + strconv.Itoa(n)
	}
	slices.Sort(venues)
	names, err := f.venues.VenueNames(ctx, slices.Compact(venues))
	if err != nil {
		return nil, err
	}
	for _, c := range chunks {
		for i := range c {
			c[i].Place = names[c[i].PlaceRef]
		}
	}
	return chunks, nil
}

// transportExposures: the same vehicle on a day of the window, near enough
// by seat.
func (f *Finder) transportExposures(ctx context.Context, rules Rules, degree int, src []Source) ([]Exposure, error) {
	var out []Exposure
	byPerson := map[string]Window{}
	ids := make([]string, 0, len(src))
	lo, hi := vn.Date{}, vn.Date{}
	for _, s := range src {
		byPerson[s.PersonID] = s.Window
		ids = append(ids, s.PersonID)
		first, last := s.Window.Days()
		if lo.IsZero() || first.String() < lo.String() {
			lo = first
		}
		if last.String() > hi.String() {
			hi = last
		}
	}
	legs, err := f.journeys.Journeys(ctx, ids, lo, hi)
	if err != nil {
		return nil, err
	}
	for _, leg := range legs {
		first, last := byPerson[leg.PersonID].Days()
		day := leg.Departure.String()
		if day < first.String() || day > last.String() {
			continue
		}
		others, err := f.journeys.Travellers(ctx, leg.TransportNo, leg.Departure)
		if err != nil {
			return nil, err
		}
		for _, o := range others {
			if o.PersonID == leg.PersonID {
				continue
			}
			near, detail := seatsNear(rules, leg, o)
			if !near {
				continue
			}
			from := leg.Departure.Time()
			out = append(out, Exposure{Rule: RuleTransport, Key: leg.DeclarationID + "/" + o.DeclarationID, SourcePerson: leg.PersonID,
				ContactPerson: o.PersonID, Degree: degree, Place: leg.TransportNo + " · " + day, PlaceRef: leg.Transport + ":" + leg.TransportNo,
				SourceFrom: from, SourceTo: from.Add(24 * time.Hour), ContactFrom: from, ContactTo: from.Add(24 * time.Hour), Detail: detail})
		}
	}
	return out, nil
}

// seatsNear applies the seat rule to two travellers of one vehicle.
func seatsNear(rules Rules, a, b declaration.Journey) (bool, string) {
	detail := seatLabel(a.Seat) + " ↔ " + seatLabel(b.Seat)
	switch strings.ToUpper(a.Transport) {
	case "FLIGHT":
		ra, okA := flightRow(a.Seat)
		rb, okB := flightRow(b.Seat)
		if !okA || !okB {
			return rules.Transport.UnknownSeat, detail
		}
		d := ra - rb
		if d < 0 {
			d = -d
		}
		return d <= rules.Transport.FlightRows, detail + fmt.Sprintf(" (%d)", d)
	case "TRAIN":
		if !rules.Transport.TrainSameCar {
			return true, detail
		}
		ca, okA := trainCar(a.Seat)
		cb, okB := trainCar(b.Seat)
		if !okA || !okB {
			return rules.Transport.UnknownSeat, detail
		}
		return ca == cb, detail
	}
	return true, detail // a bus, a boat, a car: one space
}

func seatLabel(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// flightRow reads the row of a flight seat ("12A", "12 A", "012A").
func flightRow(seat string) (int, bool) {
	s := strings.TrimSpace(seat)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(s[:i])
	return n, err == nil && n > 0
}

// trainCar reads the car of a train seat ("3-24").
func trainCar(seat string) (int, bool) {
	car, _, ok := strings.Cut(strings.TrimSpace(seat), "-")
	n, err := strconv.Atoi(strings.TrimSpace(car))
	return n, ok && err == nil && n > 0
}

// householdExposures: everyone in a source's registry household, over the
// source's whole window.
func (f *Finder) householdExposures(ctx context.Context, _ Rules, degree int, src []Source) ([]Exposure, error) {
	ids := make([]string, len(src))
	for i, s := range src {
		ids[i] = s.PersonID
	}
	homes, err := f.persons.Households(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Exposure
	for _, s := range src {
		for _, m := range homes[s.PersonID] {
			if m == s.PersonID {
				continue
			}
			out = append(out, Exposure{Rule: RuleHousehold, Key: "household", SourcePerson: s.PersonID, ContactPerson: m,
				Degree: degree, Place: "household", SourceFrom: s.Window.From, SourceTo: s.Window.To,
				ContactFrom: s.Window.From, ContactTo: s.Window.To, Overlap: s.Window.To.Sub(s.Window.From)})
		}
	}
	return out, nil
}

// bluetoothExposures: contact-log lines of a source's phone within the
// window, long and strong enough.
func (f *Finder) bluetoothExposures(ctx context.Context, rules Rules, degree int, src []Source) ([]Exposure, error) {
	ids := make([]string, len(src))
	byPerson := map[string]Window{}
	for i, s := range src {
		ids[i], byPerson[s.PersonID] = s.PersonID, s.Window
	}
	apps, err := f.logs.AppsOf(ctx, ids)
	if err != nil || len(apps) == 0 {
		return nil, err
	}
	var out []Exposure
	minDur := time.Duration(rules.Bluetooth.MinMinutes) * time.Minute
	for bz, person := range apps {
		w := byPerson[person]
		seen, err := f.logs.Sightings(ctx, []string{bz}, w.From, w.To)
		if err != nil {
			return nil, err
		}
		var keep []bluetoothLine
		others := []string{}
		for _, x := range seen {
			if x.RSSIMax < rules.Bluetooth.MinRSSI || x.LastSeen.Sub(x.FirstSeen) < minDur {
				continue
			}
			keep = append(keep, bluetoothLine{x.Other, x.FirstSeen, x.LastSeen, x.RSSIMax})
			others = append(others, x.Other)
		}
		owners, err := f.logs.PersonsOf(ctx, others)
		if err != nil {
			return nil, err
		}
		for _, l := range keep {
			other, ok := owners[l.other]
			if !ok || other == person {
				continue
			}
			out = append(out, Exposure{Rule: RuleBluetooth, Key: bz + "/" + l.other + "/" + strconv.FormatInt(l.first.UnixMilli(), 10),
				SourcePerson: person, ContactPerson: other, Degree: degree, Place: "bluetooth", PlaceRef: bz,
				SourceFrom: l.first, SourceTo: l.last, ContactFrom: l.first, ContactTo: l.last, Overlap: l.last.Sub(l.first),
				Detail: fmt.Sprintf("%d dBm", l.rssi)})
		}
	}
	return out, nil
}

type bluetoothLine struct {
	other       string
	first, last time.Time
	rssi        int
}

// Group gathers exposures into one contact per person, leaving out the
// excluded persons, ordered by first exposure then person; each contact's
// evidence is ordered by time. It sorts by counting — one pass to count
// each person's exposures, one to place them in one array — so that tens
// of thousands of F2 exposures cost two allocations, not one per person.
func Group(ex []Exposure, exclude map[string]bool) []Contact {
	return group([][]Exposure{ex}, exclude)
}

// group is Group over exposures collected in parts, copied once.
func group(parts [][]Exposure, exclude map[string]bool) []Contact {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	at := make(map[string]int32, n/2)
	var counts []int32
	keep := func(e *Exposure) bool { return !exclude[e.ContactPerson] && e.ContactPerson != e.SourcePerson }
	for _, ex := range parts {
		for i := range ex {
			if !keep(&ex[i]) {
				continue
			}
			k, ok := at[ex[i].ContactPerson]
			if !ok {
				k = int32(len(counts))
				at[ex[i].ContactPerson] = k
				counts = append(counts, 0)
			}
			counts[k]++
		}
	}
	next := make([]int32, len(counts)+1)
	for k, n := range counts {
		next[k+1] = next[k] + n
	}
	start := slices.Clone(next)
	buf := make([]Exposure, next[len(counts)])
	for _, ex := range parts {
		for i := range ex {
			if keep(&ex[i]) {
				k := at[ex[i].ContactPerson]
				buf[next[k]] = ex[i]
				next[k]++
			}
		}
	}
	// Order the contacts by first exposure, then person: sort small keys,
	// then place the contacts once.
	type key struct {
		first int64
		id    string
		k     int32
	}
	keys := make([]key, len(counts))
	contacts := make([]Contact, len(counts))
	for k := range counts {
		contacts[k] = contactOf(buf[start[k]:start[k+1]:start[k+1]])
		keys[k] = key{contacts[k].First.UnixNano(), contacts[k].PersonID, int32(k)}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.id, b.id)) })
	out := make([]Contact, len(keys))
	for i, k := range keys {
		out[i] = contacts[k.k]
	}
	return out
}

// contactOf makes a contact of one person's exposures.
func contactOf(ev []Exposure) Contact {
	if len(ev) > 1 {
		slices.SortFunc(ev, func(a, b Exposure) int {
			return cmp.Or(a.Start().Compare(b.Start()), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.SourcePerson, b.SourcePerson),
				a.ContactFrom.Compare(b.ContactFrom), cmp.Compare(a.Key, b.Key))
		})
	}
	c := Contact{PersonID: ev[0].ContactPerson, Degree: ev[0].Degree, Via: ev[0].SourcePerson, First: ev[0].Start(), Last: ev[0].End(), Evidence: ev}
	for _, e := range ev[1:] {
		c.Degree = min(c.Degree, e.Degree)
		if end := e.End(); end.After(c.Last) {
			c.Last = end
		}
	}
	return c
}
