package reports

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"

	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/csvsafe"
)

// Export formats.
const (
	FormatXLSX = "xlsx"
	FormatPDF  = "pdf"
	FormatCSV  = "csv"
)

// IsFormat reports whether f names an export format.
func IsFormat(f string) bool { return f == FormatXLSX || f == FormatPDF || f == FormatCSV }

// DejaVu Sans (Bitstream Vera licence, fonts/LICENSE): it covers Cyrillic,
// the Kyrgyz letters ң ө ү included.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// Font returns the embedded regular font (TrueType) the PDF export uses.
func Font() []byte { return fontRegular }

// FontBold returns the embedded bold font (TrueType), for other PDFs made
// with the same fonts (the case file).
func FontBold() []byte { return fontBold }

// File is an exported report.
type File struct {
	// Name is the file name, such as jardam-report-2025-H1-SEZIM.xlsx; it
	// holds no personal data.
	Name        string
	ContentType string
	Body        []byte
}

var contentTypes = map[string]string{
	FormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	FormatPDF:  "application/pdf",
	FormatCSV:  "text/csv; charset=utf-8",
}

// Export returns the report Report would return, as format (xlsx, pdf or
// csv), and records the export (report.export) in the audit trail. A
// withheld figure is printed `<k` (such as `<5`). Errors are Report's, and
// an invalid error naming `format` for another format.
func (s *Service) Export(ctx context.Context, year, half, organizationID, format string) (File, error) {
	if !IsFormat(format) {
		return File{}, apperr.Invalid("format", "must be json, xlsx, pdf or csv")
	}
	r, err := s.report(ctx, year, half, organizationID, ActionExport)
	if err != nil {
		return File{}, err
	}
	var body []byte
	switch format {
	case FormatXLSX:
		body, err = RenderXLSX(r)
	case FormatPDF:
		body, err = RenderPDF(r)
	default:
		body, err = RenderCSV(r)
	}
	if err != nil {
		return File{}, apperr.Internal(err)
	}
	name := fmt.Sprintf("jardam-report-%s-%s", r.Period, r.OrganizationCode)
	if r.Kind == KindSummary {
		name += "-summary"
	}
	return File{Name: name + "." + format, ContentType: contentTypes[format], Body: body}, nil
}

// cellText prints a figure: its value, or `<k` when withheld.
func cellText(v *float64, suppressed bool, k int) string {
	if suppressed || v == nil {
		return "<" + strconv.Itoa(k)
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// Columns of the tabular exports (XLSX and CSV), after the figures.
var (
	leadColumns  = []string{"code", "direction", "title_ru", "title_ky", "title_en"}
	trailColumns = []string{"planned_kgs", "actual_kgs", "narrative"}
)

// TableHeader returns the machine names of the columns of the measure table
// of the XLSX and CSV exports.
func TableHeader() []string {
	h := append([]string{}, leadColumns...)
	for _, d := range figureDefs {
		h = append(h, d.name)
	}
	return append(h, trailColumns...)
}

// tableRow returns one measure's cells: strings for text, float64 for
// released numbers, `<k` for withheld ones.
func tableRow(m MeasureReport, k int) []any {
	row := []any{m.Code, m.Direction, m.Title.RU, m.Title.KY, m.Title.EN}
	byName := map[string]Figure{}
	for _, f := range m.Figures {
		byName[f.Name] = f
	}
	for _, d := range figureDefs {
		f, ok := byName[d.name]
		switch {
		case !ok:
			row = append(row, "") // a hotline's figure under a measure no hotline reports on
		case f.Suppressed || f.Value == nil:
			row = append(row, cellText(nil, true, k))
		default:
			row = append(row, *f.Value)
		}
	}
	row = append(row, m.Budget.PlannedKGS)
	if m.Budget.ActualSuppressed || m.Budget.ActualKGS == nil {
		row = append(row, cellText(nil, true, k))
	} else {
		row = append(row, *m.Budget.ActualKGS)
	}
	narrative := ""
	if m.Narrative != nil {
		narrative = *m.Narrative
	}
	return append(row, narrative)
}

// metaRows are the report's header lines (name, value).
func metaRows(r Report) [][2]string {
	submitted := ""
	if r.SubmittedAt != nil {
		submitted = r.SubmittedAt.Format("2006-01-02T15:04:05Z")
	}
	return [][2]string{
		{"period", r.Period},
		{"kind", r.Kind},
		{"program", r.Program},
		{"organization", r.OrganizationCode},
		{"organization_name", r.Organization.RU},
		{"status", r.Status},
		{"deadline", r.Deadline},
		{"submitted_at", submitted},
		{"late", strconv.FormatBool(r.Late)},
		{"k", strconv.Itoa(r.K)},
		{"figures_suppressed", strconv.FormatBool(r.FiguresSuppressed)},
	}
}

// XLSXSheet is the name of the XLSX export's sheet, whose first rows hold
// the report's header (name, value), then an empty row, the header row of
// the measure table (TableHeader) and a row per measure.
const XLSXSheet = "Report"

// RenderXLSX writes r as an XLSX workbook.
func RenderXLSX(r Report) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }() // built in memory: no temporary file to remove
	if err := f.SetSheetName("Sheet1", XLSXSheet); err != nil {
		return nil, err
	}
	row := 1
	set := func(col, row int, v any) error {
		ref, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(XLSXSheet, ref, v)
	}
	for _, m := range metaRows(r) {
		if err := set(1, row, m[0]); err != nil {
			return nil, err
		}
		if err := set(2, row, m[1]); err != nil {
			return nil, err
		}
		row++
	}
	row++
	for i, h := range TableHeader() {
		if err := set(i+1, row, h); err != nil {
			return nil, err
		}
	}
	row++
	for _, m := range r.Measures {
		for i, v := range tableRow(m, r.K) {
			if err := set(i+1, row, v); err != nil {
				return nil, err
			}
		}
		row++
	}
	for col, w := range map[string]float64{"A": 18, "C": 50, "D": 50, "E": 50} {
		if err := f.SetColWidth(XLSXSheet, col, col, w); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// RenderCSV writes r's measure table as CSV (UTF-8 with a byte order mark,
// for spreadsheet programs): a header row (the report's period,
// organization, kind and status, then TableHeader) and a row per measure.
func RenderCSV(r Report) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csvsafe.NewWriter(&b)
	if err := w.Write(append([]string{"period", "organization", "kind", "status"}, TableHeader()...)); err != nil {
		return nil, err
	}
	for _, m := range r.Measures {
		rec := []string{r.Period, r.OrganizationCode, r.Kind, r.Status}
		for _, v := range tableRow(m, r.K) {
			switch x := v.(type) {
			case float64:
				rec = append(rec, strconv.FormatFloat(x, 'f', -1, 64))
			default:
				rec = append(rec, fmt.Sprint(x))
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

var kindTitles = map[string]measures.Title{
	KindBody: {RU: "Полугодовой отчёт органа", KY: "Органдын жарым жылдык отчету", EN: "Half-year report of a body"},
	KindSummary: {RU: "Сводный полугодовой отчёт МТСОМ", KY: "ЭСКММдин жарым жылдык жыйынтыктоочу отчету",
		EN: "MLSSM consolidated half-year summary"},
}

var statusTitles = map[string]string{
	StatusDraft:     "черновик / долбоор / draft",
	StatusSubmitted: "представлен / тапшырылды / submitted",
}

// RenderPDF writes r as a PDF document (A4), in Russian, Kyrgyz and
// English, with the embedded DejaVu Sans font.
func RenderPDF(r Report) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes("DejaVu", "", fontRegular)
	p.AddUTF8FontFromBytes("DejaVu", "B", fontBold)
	p.SetMargins(15, 15, 15)
	p.SetAutoPageBreak(true, 15)
	p.SetTitle(fmt.Sprintf("Jardam %s %s", r.Period, r.OrganizationCode), true)
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("DejaVu", "", 7)
		p.CellFormat(0, 5, fmt.Sprintf("Jardam · %s · %s · %d", r.Period, r.OrganizationCode, p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	pdfHeader(p, r)
	for _, m := range r.Measures {
		pdfMeasure(p, m, r.K)
	}
	pdfBodies(p, r.Bodies)
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// pdfWidth is the width of the PDF's text, in mm.
const pdfWidth = 180.0

// pdfHeader prints the report's title, organization, program and state.
func pdfHeader(p *fpdf.Fpdf, r Report) {
	kt := kindTitles[r.Kind]
	p.SetFont("DejaVu", "B", 13)
	p.MultiCell(pdfWidth, 6, kt.RU+" — "+r.Period, "", "L", false)
	p.SetFont("DejaVu", "", 10)
	p.MultiCell(pdfWidth, 5, kt.KY+" / "+kt.EN, "", "L", false)
	p.Ln(2)
	p.MultiCell(pdfWidth, 5, r.Organization.RU+" ("+r.OrganizationCode+")", "", "L", false)
	p.MultiCell(pdfWidth, 5, "Программа / Программа / Program: "+r.Program, "", "L", false)
	late := "нет / жок / no"
	if r.Late {
		late = "ДА / ООБА / YES"
	}
	submitted := "—"
	if r.SubmittedAt != nil {
		submitted = r.SubmittedAt.Format("2006-01-02 15:04 UTC")
	}
	p.MultiCell(pdfWidth, 5, fmt.Sprintf("Статус / Абалы / Status: %s; срок / мөөнөтү / deadline: %s; представлен / тапшырылды / submitted: %s; просрочен / мөөнөтү өткөн / late: %s",
		statusTitles[r.Status], r.Deadline, submitted, late), "", "L", false)
	p.SetFont("DejaVu", "", 8)
	if r.FiguresSuppressed {
		p.MultiCell(pdfWidth, 4, fmt.Sprintf("Показатели менее %d скрыты (<%d). / %d дан аз көрсөткүчтөр жашырылган (<%d). / Figures below %d are withheld (<%d).",
			r.K, r.K, r.K, r.K, r.K, r.K), "", "L", false)
	}
	p.Ln(3)
}

// pdfMeasure prints a measure's titles, figures, plan and narrative.
func pdfMeasure(p *fpdf.Fpdf, m MeasureReport, k int) {
	p.SetFont("DejaVu", "B", 10)
	p.MultiCell(pdfWidth, 5, m.Code+"  "+m.Title.RU, "", "L", false)
	p.SetFont("DejaVu", "", 9)
	p.MultiCell(pdfWidth, 4.5, m.Title.KY, "", "L", false)
	p.MultiCell(pdfWidth, 4.5, m.Title.EN, "", "L", false)
	p.Ln(1)
	p.SetFont("DejaVu", "", 8)
	for _, f := range m.Figures {
		d := defOf(f.Name)
		p.CellFormat(140, 5, d.title.RU+" / "+d.title.KY+" / "+d.title.EN, "1", 0, "L", false, 0, "")
		p.CellFormat(40, 5, cellText(f.Value, f.Suppressed, k), "1", 1, "R", false, 0, "")
	}
	p.CellFormat(140, 5, "План на год, сом / Жылдык план, сом / Planned for the year, KGS", "1", 0, "L", false, 0, "")
	p.CellFormat(40, 5, strconv.FormatFloat(m.Budget.PlannedKGS, 'f', -1, 64), "1", 1, "R", false, 0, "")
	p.Ln(1)
	if m.Narrative != nil && strings.TrimSpace(*m.Narrative) != "" {
		p.SetFont("DejaVu", "", 9)
		p.MultiCell(pdfWidth, 4.5, *m.Narrative, "", "L", false)
	}
	p.Ln(4)
}

// pdfBodies prints the states of the bodies' reports (a summary's).
func pdfBodies(p *fpdf.Fpdf, bodies []BodyState) {
	if len(bodies) == 0 {
		return
	}
	p.SetFont("DejaVu", "B", 10)
	p.MultiCell(pdfWidth, 5, "Отчёты органов / Органдардын отчеттору / Reports of the bodies", "", "L", false)
	p.SetFont("DejaVu", "", 8)
	for _, b := range bodies {
		at := "—"
		if b.SubmittedAt != nil {
			at = b.SubmittedAt.Format("2006-01-02")
		}
		lateText := ""
		if b.Late {
			lateText = "late"
		}
		p.CellFormat(50, 5, b.Code, "1", 0, "L", false, 0, "")
		p.CellFormat(50, 5, b.Status, "1", 0, "L", false, 0, "")
		p.CellFormat(40, 5, at, "1", 0, "L", false, 0, "")
		p.CellFormat(40, 5, lateText, "1", 1, "L", false, 0, "")
	}
}

// defOf is the definition of the figure named name.
func defOf(name string) figureDef {
	for _, d := range figureDefs {
		if d.name == name {
			return d
		}
	}
	return figureDef{name: name, title: measures.Title{RU: name, KY: name, EN: name}}
}
