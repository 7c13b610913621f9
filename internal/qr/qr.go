// Package qr renders QR codes for the places cartable shows a secret or a link to a
// person: PNG images (embedded in pages as data URLs and in printed letters) and text
// for the terminal (the administrator's first enrolment link, printed by the CLI).
//
// Every code uses error correction level M, the smallest version that holds the
// content and the 4-module quiet zone the standard requires: level M survives a
// creased or smudged letter while keeping the code small enough to scan from a phone
// held at reading distance, and without the quiet zone many readers do not find the
// finder patterns at all.
//
// Decoding (decode.go) exists for tests of the packages that show these codes.
package qr

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	bqr "github.com/boombuler/barcode/qr"
)

// QuietZone is the width, in modules, of the light margin drawn around every code.
// ISO/IEC 18004 asks for at least 4; less makes readers miss the code on a busy page.
const QuietZone = 4

// MaxPixels bounds the px argument of PNG and DataURL: it is far above anything a page
// or a printed letter needs, and it keeps a wrong argument from allocating gigabytes.
const MaxPixels = 4096

// DataURLPrefix starts every string DataURL returns.
const DataURLPrefix = "data:image/png;base64,"

// alphanumeric is the character set of the QR alphanumeric mode.
const alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// symbol is an encoded QR code: size×size modules, without the quiet zone.
type symbol struct {
	size int
	dark []bool // row-major
}

// at reports whether the module at (x, y) is dark; coordinates include the quiet
// zone, so anything outside the symbol is light.
func (s symbol) at(x, y int) bool {
	x -= QuietZone
	y -= QuietZone
	if x < 0 || y < 0 || x >= s.size || y >= s.size {
		return false
	}
	return s.dark[y*s.size+x]
}

// width is the side of the code in modules, quiet zone included.
func (s symbol) width() int { return s.size + 2*QuietZone }

// encode builds the symbol for content.
func encode(content string) (symbol, error) {
	if content == "" {
		return symbol{}, errors.New("qr: empty content")
	}
	// The mode is chosen here rather than with the library's Auto mode: Auto tries
	// numeric first and parses groups of three characters with strconv.Atoi, which
	// accepts a sign, so "123+45" would be encoded as the digits "123045".
	mode := bqr.Unicode // byte mode, UTF-8 without ECI: what phone readers expect
	switch {
	case strings.Trim(content, "0123456789") == "":
		mode = bqr.Numeric
	case strings.Trim(content, alphanumeric) == "":
		mode = bqr.AlphaNumeric
	}
	code, err := bqr.Encode(content, bqr.M, mode)
	if err != nil {
		// The library's messages are terse ("To much data to encode"); say what failed.
		return symbol{}, fmt.Errorf("qr: cannot encode %d bytes at level M: %w", len(content), err)
	}
	b := code.Bounds()
	s := symbol{size: b.Dx(), dark: make([]bool, b.Dx()*b.Dy())}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA()
			s.dark[y*s.size+x] = r < 0x8000
		}
	}
	return s, nil
}

// Modules returns the QR code of content as rows of modules, true for dark, quiet zone
// included, for renderers that draw the modules themselves: a PDF draws them as vector
// squares, which stay sharp at any print resolution whatever the viewer does to images.
func Modules(content string) ([][]bool, error) {
	s, err := encode(content)
	if err != nil {
		return nil, err
	}
	w := s.width()
	rows := make([][]bool, w)
	for y := range rows {
		rows[y] = make([]bool, w)
		for x := range rows[y] {
			rows[y][x] = s.at(x, y)
		}
	}
	return rows, nil
}

// raster returns the QR code of content as a black-on-white image of roughly px pixels
// a side. Every module is the same whole number of pixels (nearest-neighbour scaling)
// so edges stay sharp when printed or scaled by a browser.
func raster(content string, px int) (*image.Paletted, error) {
	if px < 1 || px > MaxPixels {
		return nil, fmt.Errorf("qr: size %d px out of range 1..%d", px, MaxPixels)
	}
	s, err := encode(content)
	if err != nil {
		return nil, err
	}
	w := s.width()
	// Round to the nearest whole module size so the result is as close to px as an
	// integer scale allows; never below one pixel per module.
	scale := max(1, (px+w/2)/w)
	side := w * scale
	// Two colours only, so that the PNG encoder writes one bit per pixel: the images
	// stay a few hundred bytes and every pixel is either ink or paper. Index 0 is
	// white, so the fresh image is already all paper.
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for my := 0; my < w; my++ {
		for mx := 0; mx < w; mx++ {
			if !s.at(mx, my) {
				continue
			}
			for y := my * scale; y < (my+1)*scale; y++ {
				row := img.Pix[y*img.Stride:]
				for x := mx * scale; x < (mx+1)*scale; x++ {
					row[x] = 1
				}
			}
		}
	}
	return img, nil
}

// PNG returns the QR code of content as a black-on-white PNG image of roughly px pixels
// a side. Every module is the same whole number of pixels (nearest-neighbour scaling)
// so edges stay sharp when printed or scaled by a browser.
func PNG(content string, px int) ([]byte, error) {
	img, err := raster(content, px)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr: png: %w", err)
	}
	return buf.Bytes(), nil
}

// DataURL returns the QR code of content as a data:image/png;base64 URL, so a page can
// show a code for a secret without serving it from a second, cacheable URL.
func DataURL(content string, px int) (string, error) {
	b, err := PNG(content, px)
	if err != nil {
		return "", err
	}
	return DataURLPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// Half blocks used by Terminal: each character cell shows two modules, the upper and
// the lower one, which keeps the code square on terminals whose cells are about twice
// as tall as they are wide.
const (
	blockFull  = '█' // U+2588: both modules light
	blockUpper = '▀' // U+2580: upper module light
	blockLower = '▄' // U+2584: lower module light
	blockNone  = ' ' // both modules dark
)

// Terminal returns the QR code of content drawn with Unicode half blocks, two modules
// per line, quiet zone included, each line ending with a newline.
//
// Light modules are drawn as blocks and dark modules as blank cells. Most terminals
// are light text on a dark background, where this gives the correct dark-on-light
// code with a light quiet zone; on a light background the code appears inverted, which
// the cameras of current phones (iOS, Google Lens) and ZXing-based readers also decode.
// Drawing the other way round would leave dark terminals with an inverted code and no
// visible quiet zone, which fewer readers handle. No colour escapes are used so the
// output can be copied into a log or a mail as it is.
//
// Terminal returns the empty string when content cannot be encoded (it is empty or
// longer than 2331 bytes, the capacity of level M): callers print the link in clear
// text next to the code anyway, and an enrolment link is far shorter.
func Terminal(content string) string {
	s, err := encode(content)
	if err != nil {
		return ""
	}
	w := s.width()
	var b strings.Builder
	b.Grow((w + 1) / 2 * (w*3 + 1))
	for y := 0; y < w; y += 2 {
		for x := 0; x < w; x++ {
			// A row past the bottom edge (the width is odd) is left blank, that is
			// dark: it lies outside the quiet zone.
			upper := !s.at(x, y)
			lower := y+1 < w && !s.at(x, y+1)
			switch {
			case upper && lower:
				b.WriteRune(blockFull)
			case upper:
				b.WriteRune(blockUpper)
			case lower:
				b.WriteRune(blockLower)
			default:
				b.WriteRune(blockNone)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
