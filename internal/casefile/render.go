package casefile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/referrals"
	"github.com/jardam-kg/jardam/internal/reports"
)

// width is the width of the text, in mm.
const width = 180.0

// sheet is a PDF being written in one language.
type sheet struct {
	p    *fpdf.Fpdf
	lang string
}

// newSheet starts an A4 PDF with the embedded DejaVu fonts (they cover the
// Kyrgyz letters ң, ө, ү) and footer on every page, followed by the page
// number.
func newSheet(lang, title, footer string) *sheet {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes("DejaVu", "", reports.Font())
	p.AddUTF8FontFromBytes("DejaVu", "B", reports.FontBold())
	p.SetMargins(15, 15, 15)
	p.SetAutoPageBreak(true, 18)
	p.SetTitle(title, true)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-14)
		p.SetFont("DejaVu", "", 7)
		p.MultiCell(width, 3.5, fmt.Sprintf("%s · %s %d/{nb}", footer, label("page", lang), p.PageNo()), "T", "L", false)
	})
	p.AddPage()
	p.SetFont("DejaVu", "B", 14)
	p.MultiCell(width, 7, title, "", "L", false)
	return &sheet{p: p, lang: lang}
}

func (s *sheet) note(key string) {
	s.p.SetFont("DejaVu", "", 8)
	s.p.MultiCell(width, 4, label(key, s.lang), "", "L", false)
}

func (s *sheet) heading(key string) {
	s.p.Ln(3)
	s.p.SetFont("DejaVu", "B", 11)
	s.p.MultiCell(width, 6, label(key, s.lang), "B", "L", false)
	s.p.Ln(1)
}

// field prints a label and its value on one row; an empty value is left
// out.
func (s *sheet) field(key, v string) {
	if strings.TrimSpace(v) == "" {
		return
	}
	s.p.SetFont("DejaVu", "", 9)
	s.p.CellFormat(55, 5, label(key, s.lang), "", 0, "L", false, 0, "")
	s.p.MultiCell(width-55, 5, v, "", "L", false)
}

// item prints one entry of a list.
func (s *sheet) item(v string) {
	s.p.SetFont("DejaVu", "", 9)
	s.p.MultiCell(width, 5, "• "+v, "", "L", false)
}

// items prints entries, or that there are none.
func (s *sheet) items(vs []string) {
	if len(vs) == 0 {
		s.note("none")
		return
	}
	for _, v := range vs {
		s.item(v)
	}
}

func (s *sheet) bytes() ([]byte, error) {
	var b bytes.Buffer
	err := s.p.Output(&b)
	return b.Bytes(), err
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// join joins the non-empty parts with " · ".
func join(parts ...string) string {
	out := parts[:0:0]
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}

// renderCaseFile prints the case file: the full file, or a handover of the
// categories consented to its recipient.
func renderCaseFile(pc printContext, d data) ([]byte, error) {
	title, forWhom := label("file", pc.lang), label("internal", pc.lang)
	if pc.recipient != nil {
		title, forWhom = label("handover", pc.lang), pc.recipient.name(pc.lang)
	}
	// Kyrgyz puts "for" after its object.
	forWhom = label("for", pc.lang) + " " + forWhom
	if pc.lang == "ky" {
		forWhom = strings.TrimPrefix(forWhom, label("for", pc.lang)+" ") + " " + label("for", pc.lang)
	}
	footer := fmt.Sprintf("Jardam · %s · %s: %s (%s) · %s · %s UTC", d.c.Code, label("printed_by", pc.lang), pc.printer,
		pc.org.Code, forWhom, pc.at.Format("2006-01-02 15:04"))
	s := newSheet(pc.lang, title+" "+d.c.Code, footer)
	if pc.recipient != nil {
		s.note("handover_note")
	}
	s.identity(d.c, pc.categories, true)
	s.attributes(d.c, true)
	s.stages(d.stages, pc.recipient == nil)
	if d.plan != nil {
		s.plan(*d.plan)
	}
	s.assistance(pc, d.assistance)
	if pc.recipient == nil {
		s.heading("referrals")
		s.referrals(pc, d.referrals, true)
	}
	s.consents(pc, d.consents)
	s.documents(pc)
	return s.bytes()
}

// renderSubjectAccess prints what is held on the person, for them.
func renderSubjectAccess(pc printContext, d data) ([]byte, error) {
	footer := fmt.Sprintf("Jardam · %s · %s: %s · %s", d.c.Code, label("prepared_by", pc.lang), pc.org.name(pc.lang),
		pc.at.Format("2006-01-02"))
	s := newSheet(pc.lang, label("subject", pc.lang), footer)
	s.note("subject_note")
	s.identity(d.c, map[string]bool{access.CategoryIdentity: true, access.CategoryContact: true}, false)
	s.attributes(d.c, false)
	s.documents(pc)
	s.consents(pc, d.consents)
	s.heading("received")
	s.referrals(pc, d.referrals, false)
	return s.bytes()
}

// identity prints the identity fields of the categories given; full adds
// the address and contact person (left out of a person's own copy: a
// current address may be a shelter's, a contact person is someone else).
func (s *sheet) identity(c cases.Case, cats map[string]bool, full bool) {
	s.heading("identity")
	switch {
	case c.IdentityErased:
		s.note("erased")
		return
	case c.Identity == nil || (!cats[access.CategoryIdentity] && !cats[access.CategoryContact]):
		s.note("withheld")
		return
	}
	id := c.Identity
	if cats[access.CategoryIdentity] {
		s.field("family_name", str(id.FamilyName))
		s.field("given_name", str(id.GivenName))
		s.field("patronymic", str(id.Patronymic))
		s.field("birth_date", str(id.BirthDate))
		s.field("document", str(id.DocumentNumber))
		s.field("languages", strings.Join(id.Languages, ", "))
	}
	if cats[access.CategoryContact] {
		s.field("phone", str(id.Phone))
		if full {
			s.field("address", str(id.Address))
			s.field("contact", str(id.ContactPerson))
		}
	}
}

// attributes prints the statistical attributes; the person's copy leaves
// out what describes the case's handling rather than the person.
func (s *sheet) attributes(c cases.Case, full bool) {
	s.heading("attributes")
	s.field("code", c.Code)
	if full {
		s.field("status", value(c.Status, s.lang))
	}
	s.field("stage", value(c.Stage, s.lang))
	s.field("identified", c.IdentifiedAt.Format("2006-01-02"))
	s.field("sex", value(c.Sex, s.lang))
	s.field("age", value(c.AgeBracket, s.lang))
	s.field("citizenship", str(c.Citizenship))
	s.field("region", str(c.RegionOfOrigin))
	s.field("exploitation", valuesIn(c.ExploitationTypes, s.lang))
	s.field("countries", strings.Join(c.CountriesOfExploitation, ", "))
	if full {
		s.field("tstatus", value(str(c.TraffickingStatus), s.lang))
	}
}

// stages prints the stage moves, with the reasons typed when withReasons.
func (s *sheet) stages(moves []cases.StageMove, withReasons bool) {
	s.heading("stages")
	out := make([]string, 0, len(moves))
	for _, m := range moves {
		reason := value(str(m.ClosureReason), s.lang)
		if withReasons && reason == "" {
			reason = str(m.Reason)
		}
		out = append(out, join(m.MovedAt.Format("2006-01-02"), value(m.ToStage, s.lang), reason))
	}
	s.items(out)
}

func (s *sheet) plan(p cases.Plan) {
	s.heading("plan")
	s.field("needs", p.NeedsAssessment)
	out := make([]string, 0, len(p.Goals))
	for _, g := range p.Goals {
		out = append(out, join(g.Text, str(g.DueOn), value(g.Status, s.lang)))
	}
	s.items(out)
}

// assistance prints the assistance records of the print's categories; the
// notes in the full file only.
func (s *sheet) assistance(pc printContext, as []cases.Assistance) {
	s.heading("assistance")
	var out []string
	for _, a := range as {
		if !pc.categories[cases.AssistanceCategory(a.Type)] {
			continue
		}
		notes := ""
		if pc.recipient == nil {
			notes = str(a.Notes)
		}
		out = append(out, join(a.Type, pc.orgName(a.ProviderOrganizationID), value(a.Status, s.lang),
			strings.Trim(str(a.StartedOn)+" – "+str(a.EndedOn), " –"), notes))
	}
	s.items(out)
}

// referrals prints the referrals: to which organization, which categories,
// when, and their status; the code in the case file only.
func (s *sheet) referrals(pc printContext, rs []referralRow, withCode bool) {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		code := ""
		if withCode {
			code = r.Code
		}
		answered := ""
		if r.RespondedAt != nil {
			answered = label("answered", s.lang) + " " + r.RespondedAt.Format("2006-01-02")
		}
		out = append(out, join(code, pc.orgName(r.ToOrganizationID), valuesIn(r.Categories, s.lang),
			label("sent", s.lang)+" "+r.CreatedAt.Format("2006-01-02"), value(r.Status, s.lang), answered))
	}
	s.items(out)
}

// consents prints the consents (a handover: those to its recipient only).
func (s *sheet) consents(pc printContext, cs []consentRow) {
	s.heading("consents")
	var out []string
	for _, c := range cs {
		if pc.recipient != nil && (c.RecipientOrganizationID == nil || *c.RecipientOrganizationID != pc.recipient.ID) {
			continue
		}
		recipient := ""
		if c.RecipientOrganizationID != nil {
			recipient = pc.orgName(*c.RecipientOrganizationID)
		}
		expires, withdrawn := "", ""
		if c.ExpiresAt != nil {
			expires = label("expires", s.lang) + " " + c.ExpiresAt.Format("2006-01-02")
		}
		if c.WithdrawnAt != nil {
			withdrawn = label("withdrawn", s.lang) + " " + c.WithdrawnAt.Format("2006-01-02")
		}
		out = append(out, join(value(c.Purpose, s.lang), recipient, valuesIn(c.Categories, s.lang),
			label("given_by", s.lang)+": "+value(c.GivenBy, s.lang), label("given", s.lang)+" "+c.GivenAt.Format("2006-01-02"),
			expires, withdrawn))
	}
	s.items(out)
}

// documents prints the list of documents the print may show.
func (s *sheet) documents(pc printContext) {
	s.heading("documents")
	out := make([]string, 0, len(pc.documents))
	for _, d := range pc.documents {
		removed := ""
		if d.RemovedAt != nil {
			removed = label("removed", s.lang) + " " + d.RemovedAt.Format("2006-01-02")
		}
		out = append(out, join(d.Title, value(d.Category, s.lang), d.UploadedAt.Format("2006-01-02"), removed))
	}
	s.items(out)
}

type (
	referralRow = referrals.Referral
	consentRow  = referrals.Consent
)
