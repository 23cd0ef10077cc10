package tracing

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Node is a person in a transmission chain.
type Node struct {
	PersonID string
	CaseID   int64 // the person's case, when they are one
	// Level is the column the node is drawn in: 0 for the case traced (or
	// the first cases of a cluster), 1 for F1s (or those infected by
	// them), and so on.
	Level   int
	Label   string // initials within the official's scope; the province otherwise
	InScope bool
	Date    time.Time // a case's sampling, a contact's first exposure
	Status  string    // a contact's link status
	// Contacts, on a case of a cluster, counts its contacts who are not
	// cases themselves; on a summary node, how many contacts it stands for.
	Contacts int
	Summary  bool
}

// Edge is a link in a chain: From (a case or an F1) exposed To.
type Edge struct {
	From, To string
	Rules    []Rule
	Date     time.Time
}

// Graph is a transmission chain: one case with its contacts, or a cluster
// of cases linked by contact.
type Graph struct {
	Root    int64
	Cluster []int64 // the cases of a cluster graph, in order
	Nodes   []Node
	Edges   []Edge
}

// maxPerLevel bounds the contacts drawn per level; the rest are one
// summary node.
const maxPerLevel = 60

// maxCluster bounds the cases of a cluster graph.
const maxCluster = 200

// Chain returns the graph of one case and its F1s and F2s for an official.
func (s *Service) Chain(ctx context.Context, req access.Request, caseID int64) (Graph, error) {
	v, err := s.View(ctx, req, caseID)
	if err != nil {
		return Graph{}, err
	}
	g := Graph{Root: caseID}
	g.Nodes = append(g.Nodes, Node{PersonID: v.PersonID, CaseID: v.ID, Label: caseLabel(v.Case, v.Person), InScope: v.InScope, Date: v.SampledAt})
	count := map[int]int{}
	hidden := map[int]int{}
	drawn := map[string]bool{v.PersonID: true}
	for _, c := range v.Contacts {
		if count[c.Degree] >= maxPerLevel {
			hidden[c.Degree]++
			continue
		}
		count[c.Degree]++
		drawn[c.PersonID] = true
		g.Nodes = append(g.Nodes, Node{PersonID: c.PersonID, CaseID: c.IsCase, Level: c.Degree, Label: contactLabel(c),
			InScope: c.InScope, Date: c.FirstExposure, Status: c.Status})
	}
	for _, c := range v.Contacts {
		if drawn[c.PersonID] && drawn[c.Via] {
			g.Edges = append(g.Edges, Edge{From: c.Via, To: c.PersonID, Rules: c.Rules, Date: c.FirstExposure})
		}
	}
	for level, n := range hidden {
		g.Nodes = append(g.Nodes, Node{PersonID: fmt.Sprintf("more-%d", level), Level: level, Summary: true, Contacts: n})
	}
	return g, nil
}

func caseLabel(c Case, p *identity.Person) string {
	if p == nil {
		return c.Ref()
	}
	return initials(p.FullName)
}

func contactLabel(c ContactView) string {
	if c.Person != nil {
		return initials(c.Person.FullName)
	}
	if p, ok := vn.AdminUnits().Lookup(provinceCode(c.Area)); ok {
		return p.Name
	}
	return "?"
}

// initials shortens a name for a chart: "Nguyễn Văn An" → "N.V.A".
func initials(name string) string {
	var parts []string
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		parts = append(parts, string(unicode.ToUpper(r)))
	}
	return strings.Join(parts, ".")
}

// provinceCode returns the province an area lies in.
func provinceCode(area string) string {
	units := vn.AdminUnits()
	u, ok := units.Lookup(area)
	for ok && u.Level != vn.LevelProvince {
		u, ok = units.Parent(u.Code)
	}
	return u.Code
}

// Cluster returns the cluster a case belongs to: every case linked to it,
// directly or through other cases, by a contact who became a case. Each
// case is a node, each contact of one case who became another an edge.
func (s *Service) Cluster(ctx context.Context, req access.Request, caseID int64) (Graph, error) {
	root, err := s.caseForOfficial(ctx, &req, caseID)
	if err != nil {
		return Graph{}, err
	}
	cases, err := s.clusterOf(ctx, root)
	if err != nil {
		return Graph{}, err
	}
	g := Graph{Root: caseID}
	byPerson := map[string]Case{}
	var subjects []access.Subject
	for _, c := range cases {
		g.Cluster = append(g.Cluster, c.ID)
		byPerson[c.PersonID] = c
		if req.Actor.Scope.Covers(c.Area) {
			subjects = append(subjects, access.Subject{PersonID: c.PersonID, Area: c.Area})
		}
	}
	people := map[string]*identity.Person{}
	if len(subjects) > 0 {
		ps, err := s.Persons.GetMany(ctx, req, "case.cluster", subjects)
		if err != nil {
			return g, err
		}
		for i := range ps {
			people[ps[i].ID] = &ps[i]
		}
	}
	level := map[string]int{}
	edgeAt := map[[2]string]int{}
	for _, c := range cases {
		links, err := s.linksOf(ctx, c.ID, "WHERE case_id = $1 AND status <> $2", c.ID, LinkDismissed)
		if err != nil {
			return g, err
		}
		ev, err := s.evidenceOf(ctx, c.ID)
		if err != nil {
			return g, err
		}
		others := 0
		for _, l := range links {
			d, isCase := byPerson[l.PersonID]
			if !isCase {
				others++
				continue
			}
			// Contact is mutual; the chain runs from the earlier case.
			from, to := c, d
			if earlier(d, c) {
				from, to = d, c
			}
			k := [2]string{from.PersonID, to.PersonID}
			if i, ok := edgeAt[k]; ok {
				g.Edges[i].Rules = mergeRules(g.Edges[i].Rules, rulesOf(ev[l.PersonID]))
				continue
			}
			edgeAt[k] = len(g.Edges)
			g.Edges = append(g.Edges, Edge{From: from.PersonID, To: to.PersonID, Rules: rulesOf(ev[l.PersonID]), Date: l.FirstExposure})
		}
		g.Nodes = append(g.Nodes, Node{PersonID: c.PersonID, CaseID: c.ID, Label: caseLabel(c, people[c.PersonID]),
			InScope: people[c.PersonID] != nil, Date: c.SampledAt, Contacts: others})
	}
	levels(g.Nodes, g.Edges, level)
	for i := range g.Nodes {
		g.Nodes[i].Level = level[g.Nodes[i].PersonID]
	}
	return g, nil
}

// clusterOf walks from a case to every case linked to it.
func (s *Service) clusterOf(ctx context.Context, root Case) ([]Case, error) {
	seen := map[int64]Case{root.ID: root}
	queue := []Case{root}
	for len(queue) > 0 && len(seen) < maxCluster {
		c := queue[0]
		queue = queue[1:]
		next, err := s.casesWhere(ctx, s.DB, `WHERE person_id IN (SELECT person_id FROM tracing_links WHERE case_id = $1 AND status <> $3)
			OR id IN (SELECT case_id FROM tracing_links WHERE person_id = $2 AND status <> $3) ORDER BY id`, c.ID, c.PersonID, LinkDismissed)
		if err != nil {
			return nil, err
		}
		for _, n := range next {
			if _, ok := seen[n.ID]; !ok && len(seen) < maxCluster {
				seen[n.ID] = n
				queue = append(queue, n)
			}
		}
	}
	out := make([]Case, 0, len(seen))
	for _, c := range seen {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Case) int { return cmp.Or(a.SampledAt.Compare(b.SampledAt), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// earlier reports whether case a was sampled before b (by number on a tie).
func earlier(a, b Case) bool {
	return a.SampledAt.Before(b.SampledAt) || a.SampledAt.Equal(b.SampledAt) && a.ID < b.ID
}

// levels places each case one column right of the latest of the earlier
// cases that exposed it; cases nobody in the cluster exposed are in column
// 0. Edges run from earlier to later cases, so there is no cycle.
func levels(nodes []Node, edges []Edge, level map[string]int) {
	into := map[string][]string{}
	for _, e := range edges {
		into[e.To] = append(into[e.To], e.From)
	}
	var depth func(p string) int
	depth = func(p string) int {
		if l, ok := level[p]; ok {
			return l
		}
		d := 0
		for _, from := range into[p] {
			d = max(d, depth(from)+1)
		}
		level[p] = d
		return d
	}
	for _, n := range nodes {
		depth(n.PersonID)
	}
}

func mergeRules(a, b []Rule) []Rule {
	for _, r := range b {
		if !slices.Contains(a, r) {
			a = append(a, r)
		}
	}
	return a
}

func rulesOf(ev []Exposure) []Rule {
	var out []Rule
	for _, e := range ev {
		if !slices.Contains(out, e.Rule) {
			out = append(out, e.Rule)
		}
	}
	return out
}

// ErrNoCase is returned for a case number that does not exist.
var ErrNoCase = problem.Field("case", "Không có ca bệnh số này", "there is no case with this number")
