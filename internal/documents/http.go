package documents

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Handler answers the document routes (internal/api lists them).
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// formSlack is what a multipart body may hold besides the file: the
// boundaries, part headers, title and category.
const formSlack = 64 << 10

// maxField is the most read of a form field before the file.
const maxField = 4 << 10

// DownloadPolicy is the Content-Security-Policy of a downloaded document:
// should a browser render it anyway, it runs nothing and loads nothing.
const DownloadPolicy = "default-src 'none'; sandbox"

// Upload stores the file of a multipart form (`title`, `category`, then
// `file`) under the case the route names and answers 201 with its record.
// A body declared or found larger than the limit answers 413 before
// anything else is read; a form that is not multipart 415; the fields must
// come before the file (400 naming the missing one).
func (h *Handler) Upload(c echo.Context) error {
	req := c.Request()
	limit := h.svc.MaxBytes() + formSlack
	if req.ContentLength > limit {
		return errTooLarge
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
	mt, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEMultipartForm || params["boundary"] == "" {
		return &apperr.Error{Kind: apperr.KindUnsupportedMedia, Detail: "the body must be multipart/form-data"}
	}
	in, file, err := readForm(multipart.NewReader(req.Body, params["boundary"]))
	if err != nil {
		return err
	}
	in.IdempotencyKey = req.Header.Get(web.HeaderIdempotencyKey)
	if err := in.Validate(); err != nil {
		return err
	}
	caseID, err := web.PathUUID(c, "id", "case")
	if err != nil {
		return err
	}
	d, err := h.svc.Upload(req.Context(), caseID, in, file)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, d)
}

// readForm reads the fields of an upload up to its file part, which it
// returns unread.
func readForm(mr *multipart.Reader) (UploadInput, io.Reader, error) {
	var in UploadInput
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return in, nil, apperr.Invalid("file", "is required")
		}
		if err != nil {
			return in, nil, bodyError(err)
		}
		switch part.FormName() {
		case "file":
			in.FileName = part.FileName()
			return in, part, nil
		case "title", "category":
			b, err := io.ReadAll(io.LimitReader(part, maxField+1))
			if err != nil {
				return in, nil, bodyError(err)
			}
			if len(b) > maxField {
				return in, nil, apperr.Invalid(part.FormName(), "is too long")
			}
			if part.FormName() == "title" {
				in.Title = string(b)
			} else {
				in.Category = string(b)
			}
		default:
			return in, nil, apperr.Invalid(part.FormName(), "is not a field of an upload")
		}
	}
}

// List answers the documents of the case the route names.
func (h *Handler) List(c echo.Context) error {
	return web.OnID(c, web.ID("case"), h.svc.List, web.Items[Document])
}

// Download sends a document's bytes as stored, as an attachment that no
// cache keeps and no browser runs.
func (h *Handler) Download(c echo.Context) error {
	id, err := web.PathUUID(c, "id", "document")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	content, err := h.svc.Open(ctx, id)
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, content.ContentType)
	hd.Set(echo.HeaderContentLength, strconv.FormatInt(content.Size, 10))
	hd.Set(echo.HeaderContentDisposition, `attachment; filename="`+content.Name+`"`)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", DownloadPolicy)
	c.Response().WriteHeader(http.StatusOK)
	// Once the status is sent, a failure can only cut the answer short
	// (the client sees fewer bytes than Content-Length).
	return content.WriteTo(ctx, c.Response())
}

// Remove destroys a document's content (supervisors, with a reason) and
// answers its record.
func (h *Handler) Remove(c echo.Context) error {
	return web.WithBodyOnID(c, web.ID("document"), h.svc.Remove, web.OK[Document])
}
