package authn

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestAcceptedTokenExpires: a token accepted once answers from memory, and
// stops being accepted when it expires like one checked afresh; a token
// altered by one character is refused even while the original is
// remembered.
func TestAcceptedTokenExpires(t *testing.T) {
	keys, err := ParseKeySet(NewKeyLine())
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	tokens := NewTokens(keys, "jardam", "jardam-api", time.Minute)
	tokens.now = func() time.Time { return clock }
	user, session, org := uuid.New(), uuid.New(), uuid.New()
	raw, err := tokens.Issue(user, session, org, "caseworker")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		p, err := tokens.ParseClaims(raw)
		if err != nil {
			t.Fatal(err)
		}
		if p.UserID != user || p.SessionID != session || p.OrganizationID != org || p.Role != "caseworker" {
			t.Fatalf("parsed %+v", p)
		}
	}
	if tokens.verified.Len() != 1 {
		t.Fatalf("tokens remembered: %d, want 1", tokens.verified.Len())
	}
	altered := raw[:len(raw)-2] + string("AB"[len(raw)%2]) + raw[len(raw)-1:]
	if altered == raw {
		altered = raw[:len(raw)-2] + "C" + raw[len(raw)-1:]
	}
	if _, err := tokens.ParseClaims(altered); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("altered token: %v, want ErrInvalidToken", err)
	}
	clock = clock.Add(time.Minute + leeway - time.Second)
	if _, err := tokens.ParseClaims(raw); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	clock = clock.Add(2 * time.Second)
	if _, err := tokens.ParseClaims(raw); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired token: %v, want ErrInvalidToken", err)
	}
	if _, err := tokens.ParseClaims(raw); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired token asked again: %v, want ErrInvalidToken", err)
	}
}
