package cases

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// Assessment kinds.
const (
	AssessmentSafety        = "safety"
	AssessmentNeeds         = "needs"
	AssessmentReintegration = "reintegration"
)

// AssessmentKinds lists the kinds of structured assessment.
var AssessmentKinds = []string{AssessmentSafety, AssessmentNeeds, AssessmentReintegration}

// AssessmentItem is one question of an assessment definition: a danger indicator
// (present or not), a needs domain or a reintegration indicator (scored
// from Min to Max).
type AssessmentItem struct {
	Key string `json:"key"`
	// Dimension groups reintegration indicators (economic, social,
	// psychosocial); empty for the other kinds.
	Dimension string `json:"dimension,omitempty"`
	// Min and Max bound a score; both 0 for a present/absent indicator.
	Min int `json:"min"`
	Max int `json:"max"`
}

// AssessmentDefinition is one version of an assessment kind's questions. Answers are
// validated against the version they name, so figures from one version
// are compared with figures of the same version only. A version, once
// shipped, never changes: a changed question is a new version beside it.
type AssessmentDefinition struct {
	Kind    string           `json:"kind"`
	Version int              `json:"version"`
	Items   []AssessmentItem `json:"items"`
	// Dimensions are the reintegration dimensions, in order.
	Dimensions []string `json:"dimensions,omitempty"`
}

// NeedsDomains are the domains of a needs assessment (version 1), which a
// plan's goal may name as the need it answers.
var NeedsDomains = []string{"safety", "physical_health", "mental_health", "housing", "legal", "documents", "income",
	"education_skills", "family"}

// safetyIndicators are the signs of immediate danger of a safety
// assessment (version 1).
var safetyIndicators = []string{"trafficker_contact", "threats", "debt", "documents_withheld", "unsafe_housing",
	"family_involved", "self_harm_risk", "pursued_by_recruiters"}

// reintegrationIndicators are the indicators of a reintegration
// assessment (version 1), after IOM's reintegration sustainability
// measures (the Reintegration Sustainability Survey): each is scored 0 to
// 4, 4 being the most sustainable situation.
var reintegrationIndicators = []struct{ dimension, key string }{
	{"economic", "income_source"}, {"economic", "economic_satisfaction"}, {"economic", "food_security"},
	{"economic", "access_to_credit"}, {"economic", "debt_burden"},
	{"social", "housing"}, {"social", "education_access"}, {"social", "health_access"},
	{"social", "documentation"}, {"social", "justice_access"},
	{"psychosocial", "social_participation"}, {"psychosocial", "support_network"}, {"psychosocial", "sense_of_belonging"},
	{"psychosocial", "psychological_wellbeing"}, {"psychosocial", "feels_safe"},
}

// AssessmentDefinitions are every version of every kind, the current (highest)
// version of a kind last.
var AssessmentDefinitions = func() []AssessmentDefinition {
	safety := AssessmentDefinition{Kind: AssessmentSafety, Version: 1}
	for _, k := range safetyIndicators {
		safety.Items = append(safety.Items, AssessmentItem{Key: k})
	}
	needs := AssessmentDefinition{Kind: AssessmentNeeds, Version: 1}
	for _, k := range NeedsDomains {
		needs.Items = append(needs.Items, AssessmentItem{Key: k, Min: 0, Max: 3})
	}
	reint := AssessmentDefinition{Kind: AssessmentReintegration, Version: 1, Dimensions: []string{"economic", "social", "psychosocial"}}
	for _, k := range reintegrationIndicators {
		reint.Items = append(reint.Items, AssessmentItem{Key: k.key, Dimension: k.dimension, Min: 0, Max: 4})
	}
	return []AssessmentDefinition{safety, needs, reint}
}()

// definition returns version v of kind (the current one when v is 0).
func definition(kind string, v int) (AssessmentDefinition, bool) {
	var found AssessmentDefinition
	ok := false
	for _, d := range AssessmentDefinitions {
		if d.Kind == kind && (v == 0 || d.Version == v) {
			found, ok = d, true
		}
	}
	return found, ok
}

// AssessmentAnswer is the answer to one item: Present for a danger indicator, Score
// for a scored item, with an optional note (sealed).
type AssessmentAnswer struct {
	Present *bool   `json:"present,omitempty"`
	Score   *int    `json:"score,omitempty"`
	Note    *string `json:"note,omitempty" text:"multiline"`
}

// AssessmentResult is what an assessment's answers give: the overall score, the
// score of each dimension (reintegration) and the level (safety).
type AssessmentResult struct {
	Score      float64            `json:"score"`
	Dimensions map[string]float64 `json:"dimension_scores,omitempty"`
	Level      *string            `json:"level,omitempty"`
}

// check validates answers against d, naming the field of a wrong answer
// (answers.<key>.score); every item must be answered.
func (d AssessmentDefinition) check(v *apperr.Validation, answers map[string]AssessmentAnswer) {
	for key := range answers {
		if !slices.ContainsFunc(d.Items, func(it AssessmentItem) bool { return it.Key == key }) {
			v.Add("answers."+key, "is not a question of "+d.Kind+" version "+strconv.Itoa(d.Version))
		}
	}
	for _, it := range d.Items {
		field := "answers." + it.Key
		a, ok := answers[it.Key]
		switch {
		case !ok:
			v.Add(field, "is required")
		case it.Max == 0 && a.Present == nil:
			v.Add(field+".present", "is required: true or false")
		case it.Max == 0 && a.Score != nil:
			v.Add(field+".score", "is not asked: give present")
		case it.Max > 0 && a.Present != nil:
			v.Add(field+".present", "is not asked: give a score")
		case it.Max > 0 && (a.Score == nil || *a.Score < it.Min || *a.Score > it.Max):
			v.Add(field+".score", "must be a whole number from "+strconv.Itoa(it.Min)+" to "+strconv.Itoa(it.Max))
		}
		if ok {
			checkText(v, field+".note", a.Note, 2000)
		}
	}
}

// result computes what valid answers give. Safety: the share of danger
// indicators present and the level they suggest (high with contact from
// the trafficker, threats or a risk of self-harm, or three signs or more;
// medium with one or two; low with none). Needs: the mean need from 0 to
// 3. Reintegration: per dimension the share of the best possible score,
// and overall the mean of the dimensions, each from 0 to 1 (IOM weighs
// the three dimensions alike in its composite index).
func (d AssessmentDefinition) result(answers map[string]AssessmentAnswer) AssessmentResult {
	var r AssessmentResult
	switch d.Kind {
	case AssessmentSafety:
		n, grave := 0, false
		for _, it := range d.Items {
			if *answers[it.Key].Present {
				n++
				grave = grave || it.Key == "trafficker_contact" || it.Key == "threats" || it.Key == "self_harm_risk"
			}
		}
		level := "low"
		switch {
		case grave || n >= 3:
			level = "high"
		case n > 0:
			level = "medium"
		}
		r.Score, r.Level = round3(float64(n)/float64(len(d.Items))), &level
	case AssessmentNeeds:
		sum := 0
		for _, it := range d.Items {
			sum += *answers[it.Key].Score
		}
		r.Score = round3(float64(sum) / float64(len(d.Items)))
	case AssessmentReintegration:
		r.Dimensions = map[string]float64{}
		total := 0.0
		for _, dim := range d.Dimensions {
			got, best := 0, 0
			for _, it := range d.Items {
				if it.Dimension == dim {
					got += *answers[it.Key].Score
					best += it.Max
				}
			}
			r.Dimensions[dim] = round3(float64(got) / float64(best))
			total += float64(got) / float64(best)
		}
		r.Score = round3(total / float64(len(d.Dimensions)))
	}
	return r
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// kindList is the kinds written for a message.
var kindList = strings.Join(AssessmentKinds, ", ")
