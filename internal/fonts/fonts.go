// Package fonts holds the typeface PC-Covid prints with: DejaVu Sans (free
// licence in LICENSE), which has every Vietnamese letter with its tone
// marks, so names and places print as written on posters and decisions
// whatever printer or viewer is used. One copy, embedded once, for every
// package that makes a PDF or draws text.
package fonts

import _ "embed"

// dejaVuSans is the TrueType file.
//
//go:embed DejaVuSans.ttf
var dejaVuSans []byte

// DejaVuSans returns the DejaVu Sans TrueType file. The slice is shared:
// callers must not modify it.
func DejaVuSans() []byte { return dejaVuSans }
