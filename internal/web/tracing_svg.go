package web

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"slices"
	"strings"

	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// Layout of the chain drawing: one column per level (the case, its F1s,
// F2s; or the generations of a cluster), nodes top to bottom by date.
const (
	svgColumn = 250
	svgRow    = 58
	svgNodeW  = 170
	svgNodeH  = 44
	svgMargin = 24
)

// chainSVG draws a transmission chain as inline SVG: server-rendered, no
// script, styled by presentation attributes and tracing.css (the page's
// CSP allows no inline style). Cases are red, F1s orange, F2s yellow;
// each edge is labelled with the rules that linked the two and the date.
// A case's node links to its page.
func chainSVG(g tracing.Graph, lang string) template.HTML {
	cols := map[int][]tracing.Node{}
	maxLevel := 0
	for _, n := range g.Nodes {
		cols[n.Level] = append(cols[n.Level], n)
		maxLevel = max(maxLevel, n.Level)
	}
	pos := map[string][2]int{}
	rows := 0
	for level := 0; level <= maxLevel; level++ {
		col := cols[level]
		slices.SortStableFunc(col, func(a, b tracing.Node) int {
			return cmp.Or(cmp.Compare(btoi(a.Summary), btoi(b.Summary)), a.Date.Compare(b.Date), cmp.Compare(a.PersonID, b.PersonID))
		})
		for i, n := range col {
			pos[n.PersonID] = [2]int{svgMargin + level*svgColumn, svgMargin + i*svgRow}
		}
		rows = max(rows, len(col))
	}
	w, h := 2*svgMargin+maxLevel*svgColumn+svgNodeW, 2*svgMargin+max(1, rows)*svgRow
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chain" id="chain-svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		w, h, w, h, html.EscapeString(translateKey(lang, "tracing.chain")))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>`)
	for _, e := range g.Edges {
		from, ok1 := pos[e.From]
		to, ok2 := pos[e.To]
		if !ok1 || !ok2 {
			continue
		}
		x1, y1, x2, y2 := from[0]+svgNodeW, from[1]+svgNodeH/2, to[0], to[1]+svgNodeH/2
		if x2 <= x1 { // same column: a loop round the right side
			x2 = to[0] + svgNodeW
		}
		fmt.Fprintf(&b, `<g class="edge"><path d="M %d %d C %d %d, %d %d, %d %d" fill="none" stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>`,
			x1, y1, (x1+x2)/2, y1, (x1+x2)/2, y2, x2, y2)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#333" text-anchor="end">%s</text></g>`,
			x2-6, y2-6, html.EscapeString(edgeLabel(e, lang)))
	}
	for _, n := range g.Nodes {
		p := pos[n.PersonID]
		writeNode(&b, n, p[0], p[1], lang)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text in it is escaped above
}

func writeNode(b *strings.Builder, n tracing.Node, x, y int, lang string) {
	fill, stroke, class := "#fde4e1", "#b42318", "node case"
	switch {
	case n.Summary:
		fill, stroke, class = "#eef0f3", "#6b7280", "node more"
	case n.CaseID == 0 && n.Level == 1:
		fill, stroke, class = "#ffe8cc", "#b45309", "node f1"
	case n.CaseID == 0:
		fill, stroke, class = "#fff4c2", "#9a6700", "node f2"
	}
	dash := ""
	if n.Status == tracing.LinkDismissed {
		dash = ` stroke-dasharray="4 3"`
	}
	title, line1, line2 := nodeText(n, lang)
	if n.CaseID > 0 {
		fmt.Fprintf(b, `<a href="/console/tracing/cases/%d">`, n.CaseID)
	}
	fmt.Fprintf(b, `<g class="%s" data-person="%s"><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" rx="8" fill="%s" stroke="%s" stroke-width="2"%s/>`,
		class, html.EscapeString(n.PersonID), html.EscapeString(title), x, y, svgNodeW, svgNodeH, fill, stroke, dash)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="700" fill="#111">%s</text>`, x+8, y+18, html.EscapeString(line1))
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" fill="#333">%s</text></g>`, x+8, y+35, html.EscapeString(line2))
	if n.CaseID > 0 {
		b.WriteString(`</a>`)
	}
}

// nodeText is a node's tooltip and its two lines.
func nodeText(n tracing.Node, lang string) (title, line1, line2 string) {
	date := n.Date.In(vn.Location()).Format("02/01")
	switch {
	case n.Summary:
		s := translateKey(lang, "tracing.chain_more", n.Contacts)
		return s, s, ""
	case n.CaseID > 0:
		line1 = fmt.Sprintf("BN%d · %s", n.CaseID, n.Label)
		line2 = translateKey(lang, "tracing.chain_sampled", date)
		if n.Contacts > 0 {
			line2 += " · " + translateKey(lang, "tracing.chain_contacts", n.Contacts)
		}
		return line1, line1, line2
	}
	line1 = fmt.Sprintf("F%d · %s", n.Level, n.Label)
	line2 = translateKey(lang, "tracing.chain_exposed", date)
	if n.Status != "" && n.Status != tracing.LinkFound {
		line2 += " · " + translateKey(lang, "tracing.status."+n.Status)
	}
	return line1, line1, line2
}

func edgeLabel(e tracing.Edge, lang string) string {
	names := make([]string, len(e.Rules))
	for i, r := range e.Rules {
		names[i] = translateKey(lang, "tracing.rule_short."+string(r))
	}
	return strings.Join(names, ", ") + " " + e.Date.In(vn.Location()).Format("02/01")
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
