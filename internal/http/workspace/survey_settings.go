package workspace

import (
	"andon/internal/http/httpx"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"andon/internal/domain"
	"andon/internal/reports"
	"andon/internal/web"
)

// Survey texts (settings survey.*), edited by admins at /settings/surveys.

type surveyField struct{ Key, Label, Default string }

type surveySettings struct {
	Section string // for the settings navigation
	Fields  []surveyField
}

func surveyFields() []surveyField {
	d := reports.DefaultTexts
	return []surveyField{
		{"subject", "Email subject and page title", d.Subject},
		{"intro", "Opening line", d.Intro},
		{"csat_question", "Satisfaction question (1–5)", d.CSATQuestion},
		{"ces_question", "Effort question (1–7)", d.CESQuestion},
		{"thanks", "Thank-you line", d.Thanks},
	}
}

func (s *Handler) settingsSurveys(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	kv, err := s.db.Settings(r.Context(), "survey.")
	if err != nil {
		return err
	}
	form := url.Values{}
	for _, f := range surveyFields() {
		form.Set(f.Key, kv["survey."+f.Key])
	}
	return s.render(w, r, http.StatusOK, "admin_surveys", &web.Page{Title: "Surveys", Nav: "settings", Form: form, Data: surveySettings{Section: "surveys", Fields: surveyFields()}})
}

func (s *Handler) saveSurveys(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	v := domain.Validation{}
	kv := map[string]string{}
	for _, f := range surveyFields() {
		val := strings.Join(strings.Fields(r.PostFormValue(f.Key)), " ")
		v.Check(utf8.RuneCountInString(val) <= 300, f.Key, "At most 300 characters.")
		kv["survey."+f.Key] = val
	}
	if err := v.Err(); err != nil {
		return s.formErrors(w, r, "admin_surveys", &web.Page{Title: "Surveys", Nav: "settings", Data: surveySettings{Section: "surveys", Fields: surveyFields()}}, err)
	}
	if err := s.db.SetSettings(r.Context(), kv); err != nil {
		return err
	}
	httpx.Redirect(w, r, "/settings/surveys", "Survey texts saved.")
	return nil
}
