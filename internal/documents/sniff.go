package documents

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"path"
	"strings"

	"golang.org/x/image/webp"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// Content types of stored documents.
const (
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeODT  = "application/vnd.oasis.opendocument.text"
)

// extensions name the downloaded file by its stored type.
var extensions = map[string]string{TypePDF: ".pdf", TypeJPEG: ".jpg", TypePNG: ".png", TypeDOCX: ".docx", TypeODT: ".odt"}

// sniffLen is how many leading bytes decide a file's kind.
const sniffLen = 512

// kind is what the leading bytes of an upload say it is.
type kind int

const (
	kindUnknown kind = iota
	kindPDF
	kindJPEG
	kindPNG
	kindWebP
	kindZIP
)

var errUnsupported = &apperr.Error{Kind: apperr.KindUnsupportedMedia,
	Detail: "file must be a PDF, JPEG, PNG or WebP image, DOCX or ODT document",
	Fields: []apperr.FieldError{{Field: "file", Reason: "is not a supported kind of file"}}}

var errTooLarge = &apperr.Error{Kind: apperr.KindTooLarge, Detail: "the file is too large",
	Fields: []apperr.FieldError{{Field: "file", Reason: "is too large"}}}

// sniff names the kind of a file from its leading bytes, never from what
// the client says it is.
func sniff(head []byte) kind {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return kindPDF
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return kindJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return kindPNG
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return kindWebP
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return kindZIP
	}
	return kindUnknown
}

// storedType is the content type a kind is stored as; a ZIP's is decided by
// checkZIP once it is stored.
func (k kind) storedType() string {
	switch k {
	case kindPDF:
		return TypePDF
	case kindJPEG, kindWebP:
		return TypeJPEG
	case kindPNG:
		return TypePNG
	}
	return TypeDOCX
}

// isImage reports whether the kind is re-encoded before it is stored.
func (k kind) isImage() bool { return k == kindJPEG || k == kindPNG || k == kindWebP }

// maxPixels bounds a decoded image (about 96 MB as RGBA at most), so that
// a small file declaring a huge picture cannot exhaust memory.
const maxPixels = 24_000_000

// maxImageHeader bounds what is read to learn an image's dimensions.
const maxImageHeader = 1 << 20

// reencode decodes an image of kind k from r and writes it to w anew: JPEG
// as JPEG, PNG as PNG, WebP as JPEG (or PNG when it has transparency). Only
// the pixels survive: metadata such as the EXIF location of a phone's photo
// is gone. It returns the content type written.
func reencode(k kind, r io.Reader, w io.Writer) (string, error) {
	decodeConfig, decode := jpeg.DecodeConfig, jpeg.Decode
	switch k {
	case kindPNG:
		decodeConfig, decode = png.DecodeConfig, png.Decode
	case kindWebP:
		decodeConfig, decode = webp.DecodeConfig, webp.Decode
	}
	var head bytes.Buffer
	cfg, err := decodeConfig(io.TeeReader(io.LimitReader(r, maxImageHeader), &head))
	if err != nil {
		return "", readError(err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return "", &apperr.Error{Kind: apperr.KindTooLarge, Detail: "the image has too many pixels",
			Fields: []apperr.FieldError{{Field: "file", Reason: "has more than 24 million pixels"}}}
	}
	// Read before decoding, which drains head.
	orientation := 1
	if k == kindJPEG {
		orientation = exifOrientation(head.Bytes())
	}
	img, err := decode(io.MultiReader(&head, r))
	if err != nil {
		return "", readError(err)
	}
	img = orient(img, orientation)
	if k == kindPNG || (k == kindWebP && !opaque(img)) {
		return TypePNG, png.Encode(w, img)
	}
	return TypeJPEG, jpeg.Encode(w, img, &jpeg.Options{Quality: 90})
}

// opaque reports whether img has no transparent pixel.
func opaque(img image.Image) bool {
	o, ok := img.(interface{ Opaque() bool })
	return !ok || o.Opaque()
}

// readError maps an error met while reading an upload: the size limit
// (413) passes; a file that does not decode is not what it claims (415).
func readError(err error) error {
	if errors.Is(err, errTooLarge) || isBodyTooLarge(err) {
		return errTooLarge
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	return errUnsupported
}

// The parts of the OOXML and ODF packages the checks read.
const (
	wordMain        = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	contentTypesXML = "[Content_Types].xml"
	maxPackagePart  = 1 << 20
)

// checkZIP decides what a stored ZIP is: a DOCX (its [Content_Types].xml
// declares a WordprocessingML main document, and it holds no
// vbaProject.bin, the macros of a .docm renamed) or an ODT (its first entry
// is `mimetype`, reading application/vnd.oasis.opendocument.text, and it
// holds no Basic or script macros). Anything else answers 415.
func checkZIP(r io.ReaderAt, size int64) (string, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil || len(zr.File) == 0 {
		return "", readError(err)
	}
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if path.Base(name) == "vbaproject.bin" || strings.HasPrefix(name, "basic/") || strings.HasPrefix(name, "scripts/") {
			return "", errUnsupported
		}
	}
	if first := zr.File[0]; first.Name == "mimetype" {
		b, err := readPart(first)
		if err != nil || string(b) != TypeODT {
			return "", errUnsupported
		}
		return TypeODT, nil
	}
	for _, f := range zr.File {
		if f.Name != contentTypesXML {
			continue
		}
		b, err := readPart(f)
		if err != nil {
			return "", errUnsupported
		}
		var types struct {
			Overrides []struct {
				ContentType string `xml:"ContentType,attr"`
			} `xml:"Override"`
		}
		if xml.Unmarshal(b, &types) != nil {
			return "", errUnsupported
		}
		for _, o := range types.Overrides {
			if o.ContentType == wordMain {
				return TypeDOCX, nil
			}
		}
	}
	return "", errUnsupported
}

// readPart reads one small entry of a package (at most maxPackagePart).
func readPart(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, maxPackagePart+1))
	if err != nil || len(b) > maxPackagePart {
		return nil, errUnsupported
	}
	return b, nil
}
