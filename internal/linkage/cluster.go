package linkage

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
)

// node is a record in the clustering round: a new record still open, or a
// record an earlier import gave to an unverified person.
type node struct {
	p      *Profile
	rec    int   // index in this run's records, or -1
	person int32 // the person the record is already tied to, or -1
	open   bool  // still to decide
}

// member says that a node has a blocking key. Sorted by key, the members
// are the blocks: a flat slice, where a map of blocks cost a gigabyte at a
// million persons.
type member struct {
	key  uint64
	node int32
}

// component is a group of nodes being built, with the facts that must not
// conflict inside one person.
type component struct {
	person               int32
	cccd, cmnd, passport string
	birth                []Profile // distinct full birth dates, as profiles
	sex                  string
}

type edge struct {
	a, b int
	ev   Evidence
}

// cluster groups the open records, with earlier unverified persons, into
// persons: records join when their evidence is strong, names agree, and no
// identity number, birth date or sex of the group would conflict.
func (e *Engine) cluster(recs []Record, out []Decision, done []bool) {
	nodes, members := e.clusterNodes(recs, out, done)
	edges := e.clusterEdges(nodes, members)
	parent := make([]int, len(nodes))
	for i := range nodes {
		parent[i] = i
	}
	// Most nodes meet no edge: their groups are made when one does.
	comps := make([]*component, len(nodes))
	comp := func(i int) *component {
		if comps[i] == nil {
			c := e.newComponent(nodes[i])
			comps[i] = &c
		}
		return comps[i]
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	joined := make([]*Evidence, len(nodes))
	for _, ed := range edges {
		ra, rb := find(ed.a), find(ed.b)
		if ra == rb || comp(ra).conflicts(comp(rb)) {
			continue
		}
		if rb < ra {
			ra, rb = rb, ra
		}
		parent[rb] = ra
		comp(ra).absorb(comp(rb))
		ev := ed.ev
		for _, n := range []int{ed.a, ed.b} {
			if joined[n] == nil {
				joined[n] = &ev
			}
		}
	}
	e.settleClusters(recs, out, done, nodes, find, comps, joined)
}

// clusterNodes returns every record still open, and the records already
// tied to a person — this run's and earlier imports' — that share a
// blocking key with an open one, so that an open record can join the
// person its other records found (a dose row without an id, when the next
// dose row had the CCCD). Records that no open record could join are left
// out: the round's work follows the open records, not all of them.
func (e *Engine) clusterNodes(recs []Record, out []Decision, done []bool) ([]node, []member) {
	var openKeys []uint64
	for i := range recs {
		if !done[i] && !recs[i].Thin() {
			openKeys = append(openKeys, e.nodeKeys(&recs[i].Profile)...)
		}
	}
	slices.Sort(openKeys)
	openKeys = slices.Compact(openKeys)
	var nodes []node
	var members []member
	addNode := func(n node) {
		first := len(members)
		for _, k := range e.nodeKeys(n.p) {
			if _, ok := slices.BinarySearch(openKeys, k); ok && !slices.Contains(members[first:], member{k, int32(len(nodes))}) {
				members = append(members, member{k, int32(len(nodes))})
			}
		}
		if len(members) > first {
			nodes = append(nodes, n)
		}
	}
	for _, l := range e.linked {
		if !l.rec.Thin() {
			addNode(node{p: &l.rec.Profile, rec: -1, person: l.person})
		}
	}
	for i := range recs {
		if recs[i].Thin() {
			continue
		}
		n := node{p: &recs[i].Profile, rec: i, person: -1, open: !done[i]}
		if done[i] {
			n.person = e.byID[out[i].PersonID]
		}
		addNode(n)
	}
	slices.SortFunc(members, func(a, b member) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.node, b.node)
	})
	return nodes, members
}

// maxClusterBlock bounds the pairs compared per key.
const maxClusterBlock = 300

// clusterEdges compares, within each block, every open record with the
// others, and keeps the pairs strong enough to be one person. Blocks are
// compared on every core, each independently: a pair that shares several
// keys is compared in the block of the first of them only, so no list of
// the pairs seen is kept (at a million persons it was gigabytes).
func (e *Engine) clusterEdges(nodes []node, members []member) []edge {
	// The blocks compared, and each node's keys among them, sorted.
	type block struct{ lo, hi int }
	var blocks []block
	start := make([]int32, len(nodes)+1)
	for lo := 0; lo < len(members); {
		hi := lo + 1
		for hi < len(members) && members[hi].key == members[lo].key {
			hi++
		}
		if n := hi - lo; n >= 2 && n <= maxClusterBlock {
			blocks = append(blocks, block{lo, hi})
			for _, m := range members[lo:hi] {
				start[m.node+1]++
			}
		}
		lo = hi
	}
	for i := range nodes {
		start[i+1] += start[i]
	}
	keys := make([]uint64, start[len(nodes)])
	fill := slices.Clone(start[:len(nodes)])
	for _, b := range blocks {
		for _, m := range members[b.lo:b.hi] {
			keys[fill[m.node]] = m.key
			fill[m.node]++
		}
	}
	keysOf := func(n int32) []uint64 { return keys[start[n]:start[n+1]] }

	found := make([][]edge, len(blocks))
	parallel(len(blocks), func(bi int) {
		b := members[blocks[bi].lo:blocks[bi].hi]
		for x := range b {
			for y := x + 1; y < len(b); y++ {
				nx, ny := &nodes[b[x].node], &nodes[b[y].node]
				if !nx.open && !ny.open {
					continue // both decided: persons are never merged, ids do not change
				}
				if firstShared(keysOf(b[x].node), keysOf(b[y].node)) != b[x].key {
					continue // compared in an earlier block
				}
				res := compare(nx.p, ny.p, e)
				if round1(res.score) < ClusterThreshold {
					continue
				}
				if ev := res.evidence(); corroborated(ev) && !twinLike(nx.p, ny.p, ev) {
					// A block lists its nodes in increasing order.
					found[bi] = append(found[bi], edge{a: int(b[x].node), b: int(b[y].node), ev: ev})
				}
			}
		}
	})
	edges := slices.Concat(found...)
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].ev.Score != edges[j].ev.Score {
			return edges[i].ev.Score > edges[j].ev.Score
		}
		if edges[i].a != edges[j].a {
			return edges[i].a < edges[j].a
		}
		return edges[i].b < edges[j].b
	})
	return edges
}

// firstShared returns the smallest key in both sorted lists, or 0.
func firstShared(a, b []uint64) uint64 {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			return a[i]
		}
	}
	return 0
}

// twinLike: the names differ by a letter, and nothing but what a family
// shares (family name, birth date, phone, place) says it is one person.
// Twins look exactly like that — Minh and Linh, born the same day, on the
// same phone — so without an identity number in common the records stay
// apart.
func twinLike(a, b *Profile, ev Evidence) bool {
	if compareNames(a, b) != NameTypo {
		return false
	}
	for _, c := range ev.Comparisons {
		switch c.Field {
		case FieldCCCD, FieldCMND, FieldPassport, FieldCard:
			if c.Weight > 0 {
				return false
			}
		}
	}
	return true
}

// nodeKeys: identity numbers, phones and name keys.
func (e *Engine) nodeKeys(p *Profile) []uint64 {
	ks := e.nameKeys(p, true)
	for _, id := range []struct{ kind, v string }{{"cccd", p.CCCD}, {"cmnd", p.CMND}, {"card", p.Card}, {"passport", p.Passport}} {
		if id.v != "" {
			ks = append(ks, e.hash(id.kind, id.v))
		}
	}
	for _, ph := range p.Phones {
		ks = append(ks, e.hash("phone", ph))
	}
	if p.Portal != "" {
		ks = append(ks, e.hash("portal", p.Portal))
	}
	return ks
}

// newComponent starts a group with one node; a node already tied to a
// person brings that person's own facts, so that nothing contradicting
// them can join.
func (e *Engine) newComponent(n node) component {
	c := component{person: n.person}
	facts := [2]*Profile{n.p}
	if n.person >= 0 {
		facts[1] = &e.persons[n.person].Profile
	}
	for _, p := range facts {
		if p == nil {
			continue
		}
		c.cccd, c.cmnd, c.passport = cmp.Or(p.CCCD, c.cccd), cmp.Or(p.CMND, c.cmnd), cmp.Or(p.Passport, c.passport)
		if p.Birth.Month != 0 {
			c.birth = append(c.birth, Profile{Birth: p.Birth})
		}
		if c.sex == "" {
			c.sex = p.Sex.String()
		}
	}
	return c
}

// conflicts: the two groups cannot be one person.
func (c *component) conflicts(o *component) bool {
	if c.person >= 0 && o.person >= 0 && c.person != o.person {
		return true
	}
	differ := func(a, b string) bool { return a != "" && b != "" && a != b }
	if differ(c.cccd, o.cccd) || differ(c.cmnd, o.cmnd) || differ(c.passport, o.passport) {
		return true
	}
	if c.sex != "" && o.sex != "" && c.sex != o.sex && c.sex != "O" && o.sex != "O" {
		return true
	}
	for _, a := range c.birth {
		for _, b := range o.birth {
			if l := compareBirth(a.Birth, b.Birth); l != BirthSame && l != BirthSwapped {
				return true
			}
		}
	}
	return false
}

// absorb merges o into c; they do not conflict, so a number either has
// the same value in both or is missing from one.
func (c *component) absorb(o *component) {
	if c.person < 0 {
		c.person = o.person
	}
	c.cccd, c.cmnd, c.passport = cmp.Or(c.cccd, o.cccd), cmp.Or(c.cmnd, o.cmnd), cmp.Or(c.passport, o.passport)
	if c.sex == "" {
		c.sex = o.sex
	}
	c.birth = append(c.birth, o.birth...)
}

// settleClusters turns components into decisions.
func (e *Engine) settleClusters(recs []Record, out []Decision, done []bool, nodes []node, find func(int) int, comps []*component, joined []*Evidence) {
	size := make([]int32, len(nodes)) // by root
	first := make([]int, len(nodes))  // root → smallest open record index
	for i := range first {
		first[i] = -1
	}
	for i, n := range nodes {
		r := find(i)
		size[r]++
		if n.open && (first[r] < 0 || n.rec < first[r]) {
			first[r] = n.rec
		}
	}
	for i, n := range nodes {
		if !n.open {
			continue
		}
		r := find(i)
		d := Decision{Group: -1, Evidence: Evidence{Method: MethodSingle}}
		if joined[i] != nil && size[r] > 1 {
			d.Evidence = *joined[i]
			d.Evidence.Method = MethodCluster
		}
		p := nodes[r].person
		if c := comps[r]; c != nil {
			p = c.person
		}
		if p >= 0 && e.persons[p].Verified && e.hasDouble(&recs[n.rec], p) {
			// The group is this person's, but the record itself names
			// someone the registry holds twice: it may be the other's.
			d = Decision{Group: n.rec, Evidence: Evidence{Method: MethodReview},
				Review: &Review{PersonID: e.persons[p].ID, Evidence: d.Evidence}}
		} else if p >= 0 {
			d.PersonID, d.Verified = e.persons[p].ID, e.persons[p].Verified
		} else {
			d.Group = first[r]
		}
		out[n.rec], done[n.rec] = d, true
	}
}

// hasDouble: another registry person has the record's name and birth as
// closely as p does — two namesakes born the same day. A record joined to p
// only through its group's other records cannot tell them apart, so it
// goes to review instead. Twins (names a letter apart) are not doubles.
func (e *Engine) hasDouble(r *Record, p int32) bool {
	me := &e.persons[p].Profile
	name, birth := compareNames(&r.Profile, me), compareBirth(r.Birth, me.Birth)
	for _, c := range e.candidates(r, nil) {
		if c == p || !e.persons[c].Verified {
			continue
		}
		o := &e.persons[c].Profile
		if compareNames(&r.Profile, o) == name && compareBirth(r.Birth, o.Birth) == birth {
			return true
		}
	}
	return false
}

// owner is someone a phone is known for: a person, or a new group of this
// run.
type owner struct {
	person   string
	verified bool
	group    int
}

// thin settles the records that have only a phone: they go to the one
// person known with it, or stay apart — a phone is not a person.
func (e *Engine) thin(recs []Record, out []Decision, done []bool) {
	groupsByPhone := map[string][]owner{}
	for i := range recs {
		if !done[i] || out[i].PersonID != "" {
			continue // persons' phones are in e.phones already
		}
		for _, ph := range recs[i].Phones {
			groupsByPhone[ph] = appendUnique(groupsByPhone[ph], owner{group: out[i].Group})
		}
	}
	for i := range recs {
		if done[i] {
			continue
		}
		owners := e.phoneOwners(recs[i].Phones, groupsByPhone)
		d := Decision{Group: i, Evidence: Evidence{Method: MethodSingle}}
		switch len(owners) {
		case 0:
			d.Evidence.Note = "no one else is known with this phone"
		case 1:
			if owners[0].verified {
				// A citizen's phone is often the family's: a registration
				// with nothing but the phone may be a child's or a parent's.
				// It waits for its owner to log in and say who they are.
				d.Evidence.Note = "a citizen's phone, possibly used by their family: kept apart until its owner says who they are"
				break
			}
			d.Evidence = Evidence{Method: MethodPhoneOnly, Note: "the only person known with this phone",
				Comparisons: []Comparison{{Field: FieldPhone, Level: PhoneSame}}}
			if o := owners[0]; o.person != "" {
				d.PersonID, d.Verified, d.Group = o.person, e.persons[e.byID[o.person]].Verified, -1
			} else {
				d.Group = o.group
			}
		default:
			d.Evidence.Note = fmt.Sprintf("phone shared by %d people: kept apart until its owner says who they are", len(owners))
		}
		out[i], done[i] = d, true
	}
}

// phoneOwners lists everyone known with any of the phones: persons and
// this run's new groups.
func (e *Engine) phoneOwners(phones []string, groups map[string][]owner) []owner {
	var owners []owner
	for _, ph := range phones {
		for _, i := range e.phones[ph] {
			owners = appendUnique(owners, owner{person: e.persons[i].ID, verified: e.persons[i].Verified})
		}
		for _, g := range groups[ph] {
			owners = appendUnique(owners, g)
		}
	}
	return owners
}

func appendUnique[T comparable](s []T, v T) []T {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
