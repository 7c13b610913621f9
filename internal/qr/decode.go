package qr

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"

	"github.com/makiuchi-d/gozxing"
	zqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Decode reads the QR code in img and returns its content. It exists so that tests of
// other packages can check the code a page or a letter actually shows (for example the
// TOTP image of the enrolment page) rather than the string they meant to encode.
//
// The image may hold other things around the code (a screenshot); a code drawn light on
// dark, as Terminal looks on a light background, is found too.
func Decode(img image.Image) (string, error) {
	src := gozxing.NewLuminanceSourceFromImage(img)
	text, err := decodeSource(src)
	if err == nil {
		return text, nil
	}
	if text, errInv := decodeSource(src.Invert()); errInv == nil {
		return text, nil
	}
	return "", fmt.Errorf("qr: no readable code in %v image: %w", img.Bounds().Size(), err)
}

// decodeSource runs the ZXing QR reader on one luminance source.
func decodeSource(src gozxing.LuminanceSource) (string, error) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return "", err
	}
	hints := map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_TRY_HARDER: true,
		// Our codes carry UTF-8 in byte mode without an ECI header (what phone readers
		// expect); without this hint ZXing guesses and may pick ISO-8859-1 or Shift_JIS.
		gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
	}
	res, err := zqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// DecodePNG decodes the PNG image b and returns the content of the QR code it shows.
func DecodePNG(b []byte) (string, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("qr: png: %w", err)
	}
	return Decode(img)
}

// DecodeDataURL decodes a data:image/png;base64 URL, as DataURL returns and as found in
// the src attribute of an img element, and returns the content of its QR code.
func DecodeDataURL(s string) (string, error) {
	payload, ok := strings.CutPrefix(s, DataURLPrefix)
	if !ok {
		return "", errors.New("qr: not a data:image/png;base64 URL")
	}
	b, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return "", fmt.Errorf("qr: data URL: %w", err)
	}
	return DecodePNG(b)
}
