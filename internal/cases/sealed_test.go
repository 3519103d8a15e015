package cases

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/casekeys"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
)

func testKeyring(t *testing.T) *Keyring {
	t.Helper()
	mk, ik := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(mk)
	_, _ = rand.Read(ik)
	m, err := jcrypto.NewLocalMaster(mk)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKeyring(m, ik)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSealNewOpensLikeACreatedCase: what SealNew makes for a bulk-loaded
// case opens through the keyring the service reads with, bound to its
// row, and carries the blind index tokens a search looks for.
func TestSealNewOpensLikeACreatedCase(t *testing.T) {
	ctx := context.Background()
	k := testKeyring(t)
	id := uuid.New()
	s := func(v string) *string { return &v }
	f := Fields{
		Identity: &Identity{GivenName: s("Айгүл"), FamilyName: s("Асанова"), BirthDate: s("1999-04-12"), Phone: s("+996555000111")},
		TraffickingEvents: []Event{
			{Kind: "recruitment", Country: s("KG")},
			{Kind: "exploitation", Country: s("RU"), Place: s("a market"), Details: s("synthetic")},
		},
	}
	if err := PrepareNew(&f, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if f.AgeBracket == nil || *f.AgeBracket != "24-26" || f.IsMinor == nil || *f.IsMinor {
		t.Fatalf("derived age bracket %v, minor %v", f.AgeBracket, f.IsMinor)
	}
	sc, err := SealNew(ctx, k, id, f)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := k.Sealer(ctx, casekeys.CaseKey{CaseID: id, KeyVersion: 1, MasterVersion: &sc.MasterVersion, Wrapped: sc.Wrapped})
	if err != nil {
		t.Fatalf("data key does not open: %v", err)
	}
	got, err := openIdentity(sealer, row{ID: id, IdentityEnc: sc.IdentityEnc, ContactEnc: sc.ContactEnc}, 1, reveal{identity: true, contact: true})
	if err != nil {
		t.Fatal(err)
	}
	if *got.GivenName != "Айгүл" || *got.FamilyName != "Асанова" || *got.BirthDate != "1999-04-12" || *got.Phone != "+996555000111" {
		t.Fatalf("identity opened as %+v", got)
	}
	if _, err := openIdentity(sealer, row{ID: uuid.New(), IdentityEnc: sc.IdentityEnc}, 1, reveal{identity: true}); err == nil {
		t.Fatal("the identity opened for another row")
	}
	if len(sc.Events) != 2 || sc.Events[0].DetailsEnc != nil || sc.Events[1].Position != 1 {
		t.Fatalf("events %+v", sc.Events)
	}
	plain, err := sealer.Open(sc.Events[1].DetailsEnc, ad("case_events", "details", sc.Events[1].ID, 1))
	if err != nil {
		t.Fatal(err)
	}
	var sec eventSecret
	if err := json.Unmarshal(plain, &sec); err != nil || *sec.Place != "a market" || *sec.Details != "synthetic" {
		t.Fatalf("event details %s, %v", plain, err)
	}
	want := blindTokens(k, f.Identity)
	if len(want) == 0 || len(sc.Tokens) != len(want) {
		t.Fatalf("%d tokens, want %d", len(sc.Tokens), len(want))
	}
	for i, tok := range want {
		if sc.Tokens[i].Kind != tok.kind || !bytes.Equal(sc.Tokens[i].Token, tok.token) {
			t.Fatalf("token %d differs", i)
		}
	}
}
