package checkin

import (
	"encoding/binary"
	"errors"
	"image"
	"math"
	"strings"
)

// A small TrueType reader and rasteriser, enough to print a venue's name
// and address (Vietnamese, so composite glyphs with stacked marks) on the
// PNG poster with the embedded DejaVu Sans. golang.org/x/image/font would
// do it, but is not among the module's dependencies; this is ~250 lines
// and has no state.

type ttFont struct {
	data                    []byte
	unitsPerEm              float64
	ascent                  float64
	descent                 float64 // negative
	locaLong                bool
	numHMetric              int
	glyf, loca, hmtx, cmap4 []byte
}

func be16(b []byte, i int) int  { return int(binary.BigEndian.Uint16(b[i:])) }
func bes16(b []byte, i int) int { return int(int16(binary.BigEndian.Uint16(b[i:]))) }
func be32(b []byte, i int) int  { return int(binary.BigEndian.Uint32(b[i:])) }

func parseTTF(data []byte) (*ttFont, error) {
	if len(data) < 12 {
		return nil, errors.New("ttf: too short")
	}
	tables := map[string][]byte{}
	for i, n := 0, be16(data, 4); i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, errors.New("ttf: bad table directory")
		}
		off, length := be32(data, rec+8), be32(data, rec+12)
		if off+length > len(data) {
			return nil, errors.New("ttf: table out of range")
		}
		tables[string(data[rec:rec+4])] = data[off : off+length]
	}
	head, hhea := tables["head"], tables["hhea"]
	if len(head) < 54 || len(hhea) < 36 || tables["glyf"] == nil || tables["loca"] == nil || tables["hmtx"] == nil {
		return nil, errors.New("ttf: missing tables")
	}
	f := &ttFont{data: data, unitsPerEm: float64(be16(head, 18)), locaLong: bes16(head, 50) == 1,
		ascent: float64(bes16(hhea, 4)), descent: float64(bes16(hhea, 6)), numHMetric: be16(hhea, 34),
		glyf: tables["glyf"], loca: tables["loca"], hmtx: tables["hmtx"]}
	cmap := tables["cmap"]
	for i, n := 0, be16(cmap, 2); i < n; i++ {
		pid, eid, off := be16(cmap, 4+8*i), be16(cmap, 6+8*i), be32(cmap, 8+8*i)
		if pid == 3 && eid == 1 && be16(cmap, off) == 4 {
			f.cmap4 = cmap[off : off+be16(cmap, off+2)]
		}
	}
	if f.cmap4 == nil {
		return nil, errors.New("ttf: no Unicode BMP cmap")
	}
	return f, nil
}

// index returns the glyph of a rune (0, the missing glyph, if none).
func (f *ttFont) index(r rune) int {
	if r > 0xFFFF {
		return 0
	}
	c := int(r)
	t := f.cmap4
	segs := be16(t, 6) / 2
	for i := 0; i < segs; i++ {
		end := be16(t, 14+2*i)
		if c > end {
			continue
		}
		start := be16(t, 16+2*segs+2*i)
		if c < start {
			return 0
		}
		delta := be16(t, 16+4*segs+2*i)
		roOff := 16 + 6*segs + 2*i
		ro := be16(t, roOff)
		if ro == 0 {
			return (c + delta) & 0xFFFF
		}
		g := be16(t, roOff+ro+2*(c-start))
		if g == 0 {
			return 0
		}
		return (g + delta) & 0xFFFF
	}
	return 0
}

func (f *ttFont) advance(g int) float64 {
	if g >= f.numHMetric {
		g = f.numHMetric - 1
	}
	return float64(be16(f.hmtx, 4*g))
}

func (f *ttFont) glyphData(g int) []byte {
	var a, b int
	if f.locaLong {
		a, b = be32(f.loca, 4*g), be32(f.loca, 4*g+4)
	} else {
		a, b = 2*be16(f.loca, 2*g), 2*be16(f.loca, 2*g+2)
	}
	if a >= b || b > len(f.glyf) {
		return nil
	}
	return f.glyf[a:b]
}

type pt struct{ x, y float64 }

// contours returns a glyph's outline in font units: closed polygons of
// on-curve points, with quadratic curves flattened.
func (f *ttFont) contours(g int, depth int) [][]pt {
	d := f.glyphData(g)
	if len(d) < 10 || depth > 4 {
		return nil
	}
	n := bes16(d, 0)
	if n < 0 {
		return f.composite(d, depth)
	}
	return simpleContours(d, n)
}

func simpleContours(d []byte, n int) [][]pt {
	ends := make([]int, n)
	for i := range ends {
		ends[i] = be16(d, 10+2*i)
	}
	if n == 0 {
		return nil
	}
	np := ends[n-1] + 1
	i := 10 + 2*n
	i += 2 + be16(d, i)
	flags := make([]byte, 0, np)
	for len(flags) < np && i < len(d) {
		fl := d[i]
		i++
		flags = append(flags, fl)
		if fl&8 != 0 && i < len(d) {
			for r := int(d[i]); r > 0 && len(flags) < np; r-- {
				flags = append(flags, fl)
			}
			i++
		}
	}
	if len(flags) < np {
		return nil
	}
	xs, i := readCoords(d, i, flags, 2, 16)
	ys, _ := readCoords(d, i, flags, 4, 32)
	if xs == nil || ys == nil {
		return nil
	}
	var out [][]pt
	start := 0
	for _, end := range ends {
		if end < start || end >= np {
			return out
		}
		out = append(out, flatten(xs[start:end+1], ys[start:end+1], flags[start:end+1]))
		start = end + 1
	}
	return out
}

func readCoords(d []byte, i int, flags []byte, short, same byte) ([]float64, int) {
	out := make([]float64, len(flags))
	v := 0
	for k, fl := range flags {
		switch {
		case fl&short != 0:
			if i >= len(d) {
				return nil, i
			}
			if fl&same != 0 {
				v += int(d[i])
			} else {
				v -= int(d[i])
			}
			i++
		case fl&same == 0:
			if i+2 > len(d) {
				return nil, i
			}
			v += bes16(d, i)
			i += 2
		}
		out[k] = float64(v)
	}
	return out, i
}

// flatten turns a TrueType contour (on- and off-curve points) into a
// polygon, each quadratic piece cut into a few lines.
func flatten(xs, ys []float64, flags []byte) []pt {
	n := len(xs)
	on := func(k int) bool { return flags[k%n]&1 != 0 }
	p := func(k int) pt { return pt{xs[k%n], ys[k%n]} }
	mid := func(a, b pt) pt { return pt{(a.x + b.x) / 2, (a.y + b.y) / 2} }
	first := 0
	for first < n && !on(first) {
		first++
	}
	var start pt
	if first == n { // all off-curve
		start, first = mid(p(0), p(1)), 0
	} else {
		start = p(first)
	}
	out := []pt{start}
	cur := start
	for k := 1; k <= n; k++ {
		q := p(first + k)
		if on(first + k) {
			out, cur = append(out, q), q
			continue
		}
		next := p(first + k + 1)
		end := next
		if !on(first + k + 1) {
			end = mid(q, next)
		} else {
			k++
		}
		for s := 1; s <= 4; s++ {
			t := float64(s) / 4
			a, b, c := (1-t)*(1-t), 2*(1-t)*t, t*t
			out = append(out, pt{a*cur.x + b*q.x + c*end.x, a*cur.y + b*q.y + c*end.y})
		}
		cur = end
	}
	return out
}

// composite glyphs (a letter and its marks) are other glyphs, moved and
// scaled.
func (f *ttFont) composite(d []byte, depth int) [][]pt {
	var out [][]pt
	for i := 10; i+4 <= len(d); {
		flags, g := be16(d, i), be16(d, i+2)
		i += 4
		var dx, dy float64
		if flags&1 != 0 {
			dx, dy = float64(bes16(d, i)), float64(bes16(d, i+2))
			i += 4
		} else {
			dx, dy = float64(int8(d[i])), float64(int8(d[i+1]))
			i += 2
		}
		a, b, c, e := 1.0, 0.0, 0.0, 1.0
		f2 := func(k int) float64 { return float64(bes16(d, k)) / 16384 }
		switch {
		case flags&8 != 0:
			a, e = f2(i), f2(i)
			i += 2
		case flags&0x40 != 0:
			a, e = f2(i), f2(i+2)
			i += 4
		case flags&0x80 != 0:
			a, b, c, e = f2(i), f2(i+2), f2(i+4), f2(i+6)
			i += 8
		}
		if flags&2 == 0 { // point matching: not used by DejaVu Sans
			dx, dy = 0, 0
		}
		for _, cn := range f.contours(g, depth+1) {
			moved := make([]pt, len(cn))
			for k, q := range cn {
				moved[k] = pt{a*q.x + c*q.y + dx, b*q.x + e*q.y + dy}
			}
			out = append(out, moved)
		}
		if flags&0x20 == 0 {
			break
		}
	}
	return out
}

// measure returns the width of s in pixels at size px.
func (f *ttFont) measure(s string, px float64) float64 {
	w := 0.0
	for _, r := range s {
		w += f.advance(f.index(r))
	}
	return w * px / f.unitsPerEm
}

// wrap breaks s into lines no wider than width pixels at size px.
func (f *ttFont) wrap(s string, px, width float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line != "" && f.measure(try, px) > width {
			lines, line = append(lines, line), word
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// render draws s with its baseline at y and its left edge at x into a
// coverage mask of the image's size.
func (f *ttFont) render(mask *image.Alpha, s string, x, y, px float64) {
	scale := px / f.unitsPerEm
	r := newRaster(mask.Rect.Dx(), mask.Rect.Dy())
	for _, ch := range s {
		g := f.index(ch)
		for _, c := range f.contours(g, 0) {
			for k := range c {
				a, b := c[k], c[(k+1)%len(c)]
				r.line(pt{x + a.x*scale, y - a.y*scale}, pt{x + b.x*scale, y - b.y*scale})
			}
		}
		x += f.advance(g) * scale
	}
	r.accumulate(mask)
}

// raster is a signed-area coverage accumulator (the algorithm of Raph
// Levien's font-rs): each edge adds its area to the cells it crosses; a
// running sum along the rows gives each pixel's coverage.
type raster struct {
	w, h int
	a    []float32
}

func newRaster(w, h int) *raster { return &raster{w: w, h: h, a: make([]float32, w*h+w+4)} }

func (r *raster) line(p0, p1 pt) {
	if math.Abs(p0.y-p1.y) < 1e-9 {
		return
	}
	dir := float32(1)
	if p0.y > p1.y {
		dir, p0, p1 = -1, p1, p0
	}
	dxdy := (p1.x - p0.x) / (p1.y - p0.y)
	x := p0.x
	y0 := int(math.Max(0, p0.y))
	if p0.y < 0 {
		x -= p0.y * dxdy
	}
	for y := y0; y < r.h && float64(y) < p1.y; y++ {
		dy := math.Min(float64(y+1), p1.y) - math.Max(float64(y), p0.y)
		xnext := x + dxdy*dy
		d := float32(dy) * dir
		r.cells(y*r.w, x, xnext, d)
		x = xnext
	}
}

func (r *raster) cells(row int, x, xnext float64, d float32) {
	x0, x1 := math.Min(x, xnext), math.Max(x, xnext)
	x0, x1 = math.Max(0, math.Min(x0, float64(r.w-1))), math.Max(0, math.Min(x1, float64(r.w-1)))
	x0f, x1c := math.Floor(x0), math.Ceil(x1)
	x0i, x1i := int(x0f), int(x1c)
	at := func(i int) *float32 { return &r.a[row+i] }
	if x1i <= x0i+1 {
		xm := float32(0.5*(x0+x1) - x0f)
		*at(x0i) += d - d*xm
		*at(x0i + 1) += d * xm
		return
	}
	s := float32(1 / (x1 - x0))
	fx0 := float32(x0 - x0f)
	a0 := 0.5 * s * (1 - fx0) * (1 - fx0)
	fx1 := float32(x1 - x1c + 1)
	am := 0.5 * s * fx1 * fx1
	*at(x0i) += d * a0
	if x1i == x0i+2 {
		*at(x0i + 1) += d * (1 - a0 - am)
	} else {
		a1 := s * (1.5 - fx0)
		*at(x0i + 1) += d * (a1 - a0)
		for xi := x0i + 2; xi < x1i-1; xi++ {
			*at(xi) += d * s
		}
		a2 := a1 + float32(x1i-x0i-3)*s
		*at(x1i - 1) += d * (1 - a2 - am)
	}
	*at(x1i) += d * am
}

// accumulate adds the coverage into the mask (so several runs combine).
func (r *raster) accumulate(mask *image.Alpha) {
	var acc float32
	for i := 0; i < r.w*r.h; i++ {
		acc += r.a[i]
		c := acc
		if c < 0 {
			c = -c
		}
		if c > 1 {
			c = 1
		}
		j := mask.PixOffset(i%r.w+mask.Rect.Min.X, i/r.w+mask.Rect.Min.Y)
		mask.Pix[j] = uint8(math.Min(255, float64(mask.Pix[j])+float64(c*255)))
	}
}
