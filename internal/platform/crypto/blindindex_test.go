package crypto_test

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/crypto"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"Aigul in Cyrillic, Latin, Kyrgyz, with diacritics: aigul", []string{"Айгуль", "Aigul", "Aygul", "AIGÜL", "Айгүл", "  ai-gul ", "Ａｉｇｕｌ"}, "aigul"},
		{"zh, j and ж: jildiz", []string{"Жылдыз", "Jyldyz", "Zhyldyz"}, "jildiz"},
		{"dzh, dj, j and дж: jamilia", []string{"Джамиля", "Jamilya", "Dzhamilya", "Djamilya"}, "jamilia"},
		{"yu, iu and ю, ya, ia, iya and я: ulia", []string{"Юлия", "Yuliya", "Iuliia"}, "ulia"},
		{"leading ye and e: elena", []string{"Елена", "Yelena", "Ielena"}, "elena"},
		{"iy, y, ii endings: evgeni", []string{"Евгений", "Evgeniy", "Yevgeny", "Evgenii"}, "evgeni"},
		{"soft sign and ya: natalia", []string{"Наталья", "Natalia", "Nataliya"}, "natalia"},
		{"kh and х: rahat", []string{"Рахат", "Rakhat"}, "rahat"},
		{"ч, ch and ç: chinara", []string{"Чынара", "Chynara", "Çynara"}, "chinara"},
		{"x and ks: maksim", []string{"Максим", "Maxim", "Maksim"}, "maksim"},
		{"Kyrgyz ң, ng and n: janil", []string{"Жаңыл", "Janyl", "Zhangyl"}, "janil"},
		{"long vowels collapse: merim", []string{"Мээрим", "Meerim", "Merim"}, "merim"},
		{"uulu with space or hyphen: asanbekulu", []string{"Асанбек уулу", "Asanbek uulu", "Asanbek-Uulu"}, "asanbekulu"},
		{"kyzy and Uzbek q: kizi", []string{"кызы", "kyzy", "qizi"}, "kizi"},
		{"apostrophe dropped: olga", []string{"Ольга", "Ol'ga"}, "olga"},
		{"dotted capital I: ismail", []string{"İsmail", "Исмаил"}, "ismail"},
		{"Azerbaijani schwa: tahmina", []string{"Təhminə"}, "tahmina"},
		{"other scripts kept", []string{"李"}, "李"},
		{"punctuation only: empty", []string{" - . ' ", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, in := range tt.in {
				if got := crypto.NormalizeName(in); got != tt.want {
					t.Errorf("NormalizeName(%q) = %q, want %q", in, got, tt.want)
				}
			}
		})
	}
}

func TestNameKeysMatch(t *testing.T) {
	bi := newIndexer(t, 1)
	type person struct{ given, family, patronymic, birth string }
	base := person{"Айгуль", "Асанова", "Бакытовна", "1998-03-14"}
	tests := []struct {
		name string
		a, b person
	}{
		{"Cyrillic and Latin: match", base, person{"Aigul", "Asanova", "", "1998-03-14"}},
		{"other Latin spelling: match", base, person{"Aygul", "Assanova", "Bakytovna", "1998-03-14"}},
		{"Kyrgyz letters and diacritics: match", person{"Айгүл", "Асанова", "", "1998-03-14"}, person{"Aigül", "Asanova", "", "1998-03-14"}},
		{"case and white space: match", base, person{"  АЙГУЛЬ ", "асанова\t", "", "1998-03-14"}},
		{"given and family swapped: match", base, person{"Асанова", "Айгуль", "", "1998-03-14"}},
		{"date as DD.MM.YYYY: match", base, person{"Aigul", "Asanova", "", "14.03.1998"}},
		{"family name changed, patronymic kept: match", base, person{"Aigul", "Toktogulova", "Bakytovna", "1998-03-14"}},
		{"uulu typed as family or patronymic: match", person{"Нурлан", "", "Асанбек уулу", "2001-07-02"}, person{"Nurlan", "Asanbek uulu", "", "2001-07-02"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka := bi.NameKeys(tt.a.given, tt.a.family, tt.a.patronymic, tt.a.birth)
			kb := bi.NameKeys(tt.b.given, tt.b.family, tt.b.patronymic, tt.b.birth)
			if len(ka) == 0 || len(kb) == 0 || !intersects(ka, kb) {
				t.Fatalf("no common token: %x / %x", ka, kb)
			}
		})
	}
}

func TestNameKeysDiffer(t *testing.T) {
	bi, otherKey := newIndexer(t, 1), newIndexer(t, 2)
	ref := bi.NameKeys("Aigul", "Asanova", "Bakytovna", "1998-03-14")
	tests := []struct {
		name string
		keys [][]byte
	}{
		{"other birth date: no match", bi.NameKeys("Aigul", "Asanova", "Bakytovna", "1998-03-15")},
		{"other birth year: no match", bi.NameKeys("Aigul", "Asanova", "Bakytovna", "1999-03-14")},
		{"twin sister (other given name): no match", bi.NameKeys("Aidana", "Asanova", "Bakytovna", "1998-03-14")},
		{"other family name, no patronymic: no match", bi.NameKeys("Aigul", "Toktogulova", "", "1998-03-14")},
		{"other index key: no match", otherKey.NameKeys("Aigul", "Asanova", "Bakytovna", "1998-03-14")},
		{"name-only tokens: no match", bi.NameOnlyKeys("Aigul", "Asanova")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.keys) == 0 {
				t.Fatal("no tokens to compare")
			}
			if intersects(ref, tt.keys) {
				t.Fatal("tokens match")
			}
		})
	}
}

func TestNameKeysShape(t *testing.T) {
	bi := newIndexer(t, 1)
	tests := []struct {
		name                            string
		given, family, patronymic, date string
		want                            int
	}{
		{"given, family, patronymic: two tokens", "Aigul", "Asanova", "Bakytovna", "1998-03-14", 2},
		{"given and family: one token", "Aigul", "Asanova", "", "1998-03-14", 1},
		{"given and patronymic: one token", "Nurlan", "", "Asanbek uulu", "2001-07-02", 1},
		{"family equal to patronymic: one token", "Nurlan", "Asanbek uulu", "Asanbek-Uulu", "2001-07-02", 1},
		{"no birth date: none", "Aigul", "Asanova", "", "", 0},
		{"birth date not a date: none", "Aigul", "Asanova", "", "1998-02-30", 0},
		{"birth date in another layout: none", "Aigul", "Asanova", "", "03/14/1998", 0},
		{"no given name: none", "", "Asanova", "Bakytovna", "1998-03-14", 0},
		{"given name only: none", "Aigul", "", "", "1998-03-14", 0},
		{"punctuation for a family name: none", "Aigul", "-", "", "1998-03-14", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := bi.NameKeys(tt.given, tt.family, tt.patronymic, tt.date)
			if len(keys) != tt.want {
				t.Fatalf("got %d tokens, want %d", len(keys), tt.want)
			}
			for _, k := range keys {
				if len(k) != crypto.TokenSize {
					t.Fatalf("token of %d bytes", len(k))
				}
			}
		})
	}
}

func TestNameOnlyKeys(t *testing.T) {
	bi, otherKey := newIndexer(t, 1), newIndexer(t, 2)
	ref := bi.NameOnlyKeys("Айгуль", "Асанова")
	tests := []struct {
		name       string
		keys       [][]byte
		wantMatch  bool
		wantTokens int
	}{
		{"Latin spelling: match", bi.NameOnlyKeys("Aygul", "Asanova"), true, 1},
		{"swapped: match", bi.NameOnlyKeys("ASANOVA", "aigul"), true, 1},
		{"other family name: no match", bi.NameOnlyKeys("Aigul", "Asanbekova"), false, 1},
		{"other index key: no match", otherKey.NameOnlyKeys("Aigul", "Asanova"), false, 1},
		{"missing family name: no tokens", bi.NameOnlyKeys("Aigul", ""), false, 0},
		{"missing given name: no tokens", bi.NameOnlyKeys(" ", "Asanova"), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.keys) != tt.wantTokens {
				t.Fatalf("got %d tokens, want %d", len(tt.keys), tt.wantTokens)
			}
			if intersects(ref, tt.keys) != tt.wantMatch {
				t.Fatalf("match = %v, want %v", !tt.wantMatch, tt.wantMatch)
			}
		})
	}
}

func TestNormalizeDocument(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"spaces, dashes, case, №: AN1234567", []string{"AN1234567", "an 123-45-67", "№ AN 1234567", "AN.1234567", "ＡＮ１２３４５６７"}, "AN1234567"},
		{"Cyrillic look-alike letters: AC1234567", []string{"АС1234567", "ас 1234567", "AC-1234567"}, "AC1234567"},
		{"leading zeros kept: ID0012345", []string{"ID 0012345"}, "ID0012345"},
		{"nothing but separators: empty", []string{" - / ", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, in := range tt.in {
				if got := crypto.NormalizeDocument(in); got != tt.want {
					t.Errorf("NormalizeDocument(%q) = %q, want %q", in, got, tt.want)
				}
			}
		})
	}
}

func TestDocumentKey(t *testing.T) {
	bi, otherKey := newIndexer(t, 1), newIndexer(t, 2)
	ref := bi.DocumentKey("AN1234567")
	tests := []struct {
		name      string
		key       []byte
		wantMatch bool
	}{
		{"spaces and dashes: match", bi.DocumentKey("an 123-45-67"), true},
		{"other number: no match", bi.DocumentKey("AN1234568"), false},
		{"other series: no match", bi.DocumentKey("ID1234567"), false},
		{"other index key: no match", otherKey.DocumentKey("AN1234567"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bytes.Equal(ref, tt.key) != tt.wantMatch {
				t.Fatalf("match = %v, want %v", !tt.wantMatch, tt.wantMatch)
			}
		})
	}
	t.Run("token is 16 bytes", func(t *testing.T) {
		if len(ref) != crypto.TokenSize {
			t.Fatalf("len = %d", len(ref))
		}
	})
	t.Run("empty number: nil", func(t *testing.T) {
		if k := bi.DocumentKey(" - "); k != nil {
			t.Fatalf("token %x for an empty number", k)
		}
	})
	t.Run("a document token never equals a name token", func(t *testing.T) {
		if intersects([][]byte{bi.DocumentKey("aigulasanova")}, bi.NameOnlyKeys("aigul", "asanova")) {
			t.Fatal("kinds collide")
		}
	})
}

func TestDeriveIndexKey(t *testing.T) {
	master := fixedKey(1)
	want, err := hkdf.Key(sha256.New, master, nil, "jardam-blind-index-v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("HKDF-SHA256 with info jardam-blind-index-v1", func(t *testing.T) {
		got, err := crypto.DeriveIndexKey(master)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("DeriveIndexKey = %x, %v", got, err)
		}
	})
	t.Run("LocalMaster exposes the same key", func(t *testing.T) {
		if got := newMaster(t, 1).IndexKey(); !bytes.Equal(got, want) {
			t.Fatalf("IndexKey = %x", got)
		}
	})
	t.Run("IndexKey returns a copy", func(t *testing.T) {
		m := newMaster(t, 1)
		k := m.IndexKey()
		clear(k)
		if !bytes.Equal(m.IndexKey(), want) {
			t.Fatal("caller changed the master's index key")
		}
	})
	t.Run("index key is not the master key", func(t *testing.T) {
		if bytes.Equal(want, master) {
			t.Fatal("index key equals master key")
		}
	})
	t.Run("known tokens for a fixed key", func(t *testing.T) {
		// Stored in the database: a change here orphans every index row.
		// Computed independently of this package (HKDF, HMAC by hand).
		bi := newIndexer(t, 0)
		names := bi.NameKeys("Aigul", "Asanova", "", "1998-03-14")
		if len(names) != 1 || hex.EncodeToString(names[0]) != "29af78187c5a56215db75ef6d3759ebd" {
			t.Fatalf("NameKeys = %x", names)
		}
		if got := hex.EncodeToString(bi.DocumentKey("AN1234567")); got != "6d7223c07d62bf6127c465b51d1506e5" {
			t.Fatalf("DocumentKey = %s", got)
		}
	})
	badKeys := []struct {
		name string
		key  []byte
	}{
		{"nil: ErrBadKey", nil},
		{"16 bytes: ErrBadKey", make([]byte, 16)},
		{"33 bytes: ErrBadKey", make([]byte, 33)},
	}
	for _, tt := range badKeys {
		t.Run("derive from "+tt.name, func(t *testing.T) {
			if _, err := crypto.DeriveIndexKey(tt.key); !errors.Is(err, crypto.ErrBadKey) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("indexer from "+tt.name, func(t *testing.T) {
			if _, err := crypto.NewBlindIndexer(tt.key); !errors.Is(err, crypto.ErrBadKey) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
