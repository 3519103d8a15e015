package api_test

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/platform/mailtest"
	"github.com/jardam-kg/jardam/internal/work"
)

// The daily digest tells each person with work how much waits, in their
// language, with counts only, once a day.
func TestDailyDigestSendsCountsOnlyOnceADay(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	c := newCase(t, env, worker, map[string]any{"identity": map[string]any{"given_name": "DIGESTNAME-44b0"}})
	in3 := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
	if r := env.Do(apitest.Request{Method: http.MethodPut, Path: "/api/v1/cases/" + c["id"].(string) + "/plan", Token: worker, Body: map[string]any{
		"needs_assessment": "housing", "goals": []map[string]any{{"text": "restore passport", "due_on": in3}}}}); r.Status != http.StatusOK {
		t.Fatalf("plan: %d %s", r.Status, r.Body)
	}
	env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/me", Token: worker, Body: map[string]any{"locale": "ky"}})
	want, _ := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me/work", Token: worker}).Map(t)["total"].(float64)

	sink := mailtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	digest := work.NewDigest(work.NewService(env.DB.App, nil), notifications.SMTP{Addr: sink.Addr, From: "jardam@example.org", BaseURL: "https://jardam.example.org"}, log)
	n, err := digest.RunOnce(context.Background())
	if err != nil || n == 0 {
		t.Fatalf("digest: %d sent, %v", n, err)
	}
	var mine *mailtest.Mail
	for _, m := range sink.Mails() {
		if strings.Contains(m.Body, c["code"].(string)) || strings.Contains(m.Body+m.Subject, "DIGESTNAME") {
			t.Errorf("a digest carries a case's code or name: %q", m.Body)
		}
		if m.To == "caseworker@sezim.kg" {
			mine = &m
		}
	}
	if mine == nil {
		t.Fatal("the caseworker with a plan goal due got no digest")
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(mine.Subject)
	if err != nil || !strings.Contains(subject, "сизди") || !strings.Contains(subject, " "+strconv.Itoa(int(want))+" ") {
		t.Errorf("subject %q (%v); want Kyrgyz with the %v items", subject, err, want)
	}
	if !strings.Contains(mine.Body, "пландын мөөнөтү жеткен максаттары: ") || !strings.Contains(mine.Body, "https://jardam.example.org/") {
		t.Errorf("body %q", mine.Body)
	}
	if n, err := digest.RunOnce(context.Background()); n != 0 || err != nil {
		t.Errorf("a second run the same day sent %d (%v)", n, err)
	}
	if env.DB.Count(t, `SELECT count(*) FROM scheduled_jobs WHERE name = 'work_digest'`) != 1 {
		t.Error("the digest's run is not recorded")
	}
}
