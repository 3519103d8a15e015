package documents

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// jpegWithOrientation is a w x h JPEG whose EXIF block says orientation o
// (little-endian TIFF, one IFD entry).
func jpegWithOrientation(t *testing.T, w, h int, o uint16) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	tiff = binary.LittleEndian.AppendUint16(tiff, 1)
	tiff = binary.LittleEndian.AppendUint16(tiff, 0x0112)
	tiff = binary.LittleEndian.AppendUint16(tiff, 3)
	tiff = binary.LittleEndian.AppendUint32(tiff, 1)
	tiff = binary.LittleEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	raw := b.Bytes()
	out := append([]byte{}, raw[:2]...)
	out = append(out, 0xFF, 0xE1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, raw[2:]...)
}

func TestReencodeTurnsAPhotoUprightAndDropsItsMetadata(t *testing.T) {
	for _, c := range []struct {
		name         string
		orientation  uint16
		wantW, wantH int
	}{
		{"upright", 1, 40, 20},
		{"turned 90 degrees (a phone held upright)", 6, 20, 40},
		{"upside down", 3, 40, 20},
		{"turned 270 degrees", 8, 20, 40},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := jpegWithOrientation(t, 40, 20, c.orientation)
			if got := exifOrientation(src); got != int(c.orientation) {
				t.Fatalf("orientation read: %d", got)
			}
			var out bytes.Buffer
			ct, err := reencode(kindJPEG, bytes.NewReader(src), &out)
			if err != nil || ct != TypeJPEG {
				t.Fatalf("reencode: %q, %v", ct, err)
			}
			if bytes.Contains(out.Bytes(), []byte("Exif")) {
				t.Fatal("the EXIF block survived")
			}
			img, err := jpeg.Decode(&out)
			if err != nil || img.Bounds().Dx() != c.wantW || img.Bounds().Dy() != c.wantH {
				t.Fatalf("re-encoded: %v, %v", img.Bounds(), err)
			}
		})
	}
}

func TestReencodeRefusesAHugeDeclaredPicture(t *testing.T) {
	// A PNG header declaring 100000 x 100000 pixels, and nothing behind it.
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	binary.BigEndian.PutUint32(raw[16:], 100000)
	binary.BigEndian.PutUint32(raw[20:], 100000)
	binary.BigEndian.PutUint32(raw[29:], crc32.ChecksumIEEE(raw[12:29]))
	_, err := reencode(kindPNG, bytes.NewReader(raw), &bytes.Buffer{})
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.KindTooLarge {
		t.Fatalf("a 10-gigapixel picture: %v, want too large", err)
	}
}

func TestSniffNamesKindsFromBytesOnly(t *testing.T) {
	for head, want := range map[string]kind{
		"%PDF-1.7\n":                  kindPDF,
		"\xff\xd8\xff\xe0":            kindJPEG,
		"\x89PNG\r\n\x1a\n":           kindPNG,
		"RIFF\x00\x00\x00\x00WEBPVP8": kindWebP,
		"PK\x03\x04":                  kindZIP,
		"MZ\x90\x00":                  kindUnknown,
		"<svg xmlns=":                 kindUnknown,
		"<!DOCTYPE html>":             kindUnknown,
		" %PDF-1.7":                   kindUnknown,
	} {
		if got := sniff([]byte(head)); got != want {
			t.Errorf("%q: %d, want %d", head, got, want)
		}
	}
}
