package crypto_test

import (
	"bytes"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/crypto"
)

// translitPerson is one way a person's names and birth date may be typed.
type translitPerson struct {
	given, family, patronymic, birth string
}

// TestTranslitNameMatching checks the blind index's name matching across
// the spellings caseworkers meet in the Kyrgyz Republic: Cyrillic (Kyrgyz
// and Russian spelling) and Latin (passport, English, Turkish-style), case,
// swapped names and the -uulu/-kyzy patronymics. Two records are a
// possible duplicate when their NameKeys share a token.
func TestTranslitNameMatching(t *testing.T) {
	bi, err := crypto.NewBlindIndexer(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatalf("NewBlindIndexer: %v", err)
	}
	type p = translitPerson
	const dob = "1999-04-12"
	tests := []struct {
		name  string
		a, b  p
		match bool
	}{
		// ү / у / ю / ü.
		{"ү and u (Гүлнара, Gulnara): match", p{"Гүлнара", "Асанова", "", dob}, p{"Gulnara", "Asanova", "", dob}, true},
		{"ү and ü (Гүлнара, Gülnara): match", p{"Гүлнара", "Асанова", "", dob}, p{"Gülnara", "Asanova", "", dob}, true},
		{"ү and Russian у with soft sign (Гүлнара, Гульнара): match", p{"Гүлнара", "Асанова", "", dob}, p{"Гульнара", "Асанова", "", dob}, true},
		{"ү and ü in the family name (Өмүрова, Ömürova): match", p{"Айдай", "Өмүрова", "", dob}, p{"Aidai", "Ömürova", "", dob}, true},
		{"ү spelled ю in Russian (Бүбүсара, Бюбюсара): match", p{"Бүбүсара", "Жумабаева", "", dob}, p{"Бюбюсара", "Жумабаева", "", dob}, true},
		{"ү spelled ю in Russian (Күлүмкан, Кюлюмкан): match", p{"Күлүмкан", "Осмонова", "", dob}, p{"Кюлюмкан", "Осмонова", "", dob}, true},
		{"ю spelled ü in Latin (Бюбюсара, Bübüsara): match", p{"Бюбюсара", "Жумабаева", "", dob}, p{"Bübüsara", "Jumabaeva", "", dob}, true},
		{"ю as yu and iu (Юлдуз, Yulduz, Iulduz): match", p{"Юлдуз", "Ташиева", "", dob}, p{"Iulduz", "Tashieva", "", dob}, true},
		// ө / о / ö.
		{"ө and o (Өмүрбек Төлөгөнов, Omurbek Tologonov): match", p{"Өмүрбек", "Төлөгөнов", "", dob}, p{"Omurbek", "Tologonov", "", dob}, true},
		{"ө and ö (Өмүрбек Төлөгөнов, Ömürbek Tölögönov): match", p{"Өмүрбек", "Төлөгөнов", "", dob}, p{"Ömürbek", "Tölögönov", "", dob}, true},
		{"ө and Russian о (Өскөнбаева, Осконбаева): match", p{"Жылдыз", "Өскөнбаева", "", dob}, p{"Жылдыз", "Осконбаева", "", dob}, true},
		// ң / н / ng.
		{"ң and n (Жаңыл Кеңешова, Janyl Keneshova): match", p{"Жаңыл", "Кеңешова", "", dob}, p{"Janyl", "Keneshova", "", dob}, true},
		{"ң and ng (Жаңыл Кеңешова, Zhangyl Kengeshova): match", p{"Жаңыл", "Кеңешова", "", dob}, p{"Zhangyl", "Kengeshova", "", dob}, true},
		{"ң and Russian н (Жаңыл, Жаныл): match", p{"Жаңыл", "Кеңешова", "", dob}, p{"Жаныл", "Кенешова", "", dob}, true},
		// ж / zh / j.
		{"ж and zh (Жылдыз Жумабаева, Zhyldyz Zhumabaeva): match", p{"Жылдыз", "Жумабаева", "", dob}, p{"Zhyldyz", "Zhumabaeva", "", dob}, true},
		{"ж and j (Жылдыз Жумабаева, Jyldyz Jumabaeva): match", p{"Жылдыз", "Жумабаева", "", dob}, p{"Jyldyz", "Jumabaeva", "", dob}, true},
		{"zh and j in Latin (Zhyldyz, Jyldyz): match", p{"Zhyldyz", "Zhumabaeva", "", dob}, p{"Jyldyz", "Jumabaeva", "", dob}, true},
		// х / kh / h.
		{"х and kh (Рахат Худайбергенова, Rakhat Khudaibergenova): match", p{"Рахат", "Худайбергенова", "", dob}, p{"Rakhat", "Khudaibergenova", "", dob}, true},
		{"х and h (Рахат Худайбергенова, Rahat Hudaibergenova): match", p{"Рахат", "Худайбергенова", "", dob}, p{"Rahat", "Hudaibergenova", "", dob}, true},
		// ы / y / i.
		{"ы and y (Чынара Ысмаилова, Chynara Ysmailova): match", p{"Чынара", "Ысмаилова", "", dob}, p{"Chynara", "Ysmailova", "", dob}, true},
		{"ы and i (Чынара Ысмаилова, Chinara Ismailova): match", p{"Чынара", "Ысмаилова", "", dob}, p{"Chinara", "Ismailova", "", dob}, true},
		// ё / yo.
		{"ё and yo (Фёдор Семёнов, Fyodor Semyonov): match", p{"Фёдор", "Семёнов", "", dob}, p{"Fyodor", "Semyonov", "", dob}, true},
		{"ё and passport e (Фёдор Семёнов, Fedor Semenov): match", p{"Фёдор", "Семёнов", "", dob}, p{"Fedor", "Semenov", "", dob}, true},
		{"ё typed е (Семёнов, Семенов): match", p{"Фёдор", "Семёнов", "", dob}, p{"Федор", "Семенов", "", dob}, true},
		{"yo and e in Latin (Semyonov, Semenov): match", p{"Fyodor", "Semyonov", "", dob}, p{"Fedor", "Semenov", "", dob}, true},
		// й / y.
		{"й and y (Кайрат Айтбаев, Kayrat Aytbaev): match", p{"Кайрат", "Айтбаев", "", dob}, p{"Kayrat", "Aytbaev", "", dob}, true},
		{"й and i (Айдай, Aidai): match", p{"Айдай", "Жолдошбекова", "", dob}, p{"Aidai", "Joldoshbekova", "", dob}, true},
		{"y and i in Latin (Ayday, Aidai): match", p{"Ayday", "Joldoshbekova", "", dob}, p{"Aidai", "Zholdoshbekova", "", dob}, true},
		// -uulu / -kyzy.
		{"uulu as patronymic and as family name: match", p{"Нурлан", "", "Асанбек уулу", dob}, p{"Nurlan", "Asanbek uulu", "", dob}, true},
		{"uulu with space and with hyphen: match", p{"Нурлан", "Асанбек уулу", "", dob}, p{"Nurlan", "Asanbek-uulu", "", dob}, true},
		{"uulu written together and apart: match", p{"Нурлан", "Асанбекуулу", "", dob}, p{"Nurlan", "", "Asanbek Uulu", dob}, true},
		{"kyzy as patronymic and as family name: match", p{"Айгүл", "", "Токтосун кызы", dob}, p{"Aigul", "Toktosun kyzy", "", dob}, true},
		{"kyzy with space and with hyphen: match", p{"Айгүл", "Токтосун кызы", "", dob}, p{"Aigul", "", "Toktosun-kyzy", dob}, true},
		{"kyzy beside a family name, kyzy alone: match", p{"Айгүл", "Токтосунова", "Бакыт кызы", dob}, p{"Aigul", "", "Bakyt kyzy", dob}, true},
		// Letter case.
		{"upper and lower case (АЙГҮЛ ТОКТОСУНОВА, aigul toktosunova): match", p{"АЙГҮЛ", "ТОКТОСУНОВА", "", dob}, p{"aigul", "toktosunova", "", dob}, true},
		{"mixed case Latin (aIgUl TOKTOsunova): match", p{"Aigul", "Toktosunova", "", dob}, p{"aIgUl", "TOKTOsunova", "", dob}, true},
		{"upper case Kyrgyz letters (ӨМҮРБЕК, Omurbek): match", p{"ӨМҮРБЕК", "ТӨЛӨГӨНОВ", "", dob}, p{"Omurbek", "Tologonov", "", dob}, true},
		// Swapped order.
		{"given and family swapped: match", p{"Токтосунова", "Айгүл", "", dob}, p{"Aigul", "Toktosunova", "", dob}, true},
		{"given and uulu swapped: match", p{"Asanbek uulu", "Nurlan", "", dob}, p{"Нурлан", "", "Асанбек уулу", dob}, true},
		// Айгүл Токтосунова.
		{"Айгүл Токтосунова and Aigul Toktosunova: match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", dob}, true},
		{"Айгүл Токтосунова and Aygul Toktosunova: match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aygul", "Toktosunova", "", dob}, true},
		{"Aigul Toktosunova and Aygul Toktosunova: match", p{"Aigul", "Toktosunova", "", dob}, p{"Aygul", "Toktosunova", "", dob}, true},
		// Russian soft sign.
		{"soft sign (Айгуль, Айгүл): match", p{"Айгуль", "Токтосунова", "", dob}, p{"Айгүл", "Токтосунова", "", dob}, true},
		{"soft sign (Айгуль, Aigul): match", p{"Айгуль", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", dob}, true},
		// Birth date layouts and white space.
		{"birth date as DD.MM.YYYY: match", p{"Айгүл", "Токтосунова", "", "12.04.1999"}, p{"Aigul", "Toktosunova", "", dob}, true},
		{"white space around names: match", p{"  Айгүл\t", " Токтосунова ", "", dob}, p{"Aigul", "Toktosunova", "", " " + dob + " "}, true},

		// Must not match.
		{"other given name (Aigul, Aizada): no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aizada", "Toktosunova", "", dob}, false},
		{"given name that extends another (Aigul, Aigulum): no match", p{"Aigul", "Toktosunova", "", dob}, p{"Aigulum", "Toktosunova", "", dob}, false},
		{"other birth day: no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", "1999-04-13"}, false},
		{"other birth year: no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", "2000-04-12"}, false},
		{"day and month swapped: no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", "1999-12-04"}, false},
		{"other family name (Toktosunova, Toktogulova): no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktogulova", "", dob}, false},
		{"twin sisters (same family, patronymic and birth date): no match", p{"Айгүл", "Токтосунова", "Бакыт кызы", dob}, p{"Айзада", "Токтосунова", "Бакыт кызы", dob}, false},
		{"twin brothers with uulu (Нурлан, Нурбек): no match", p{"Нурлан", "", "Асанбек уулу", dob}, p{"Нурбек", "", "Асанбек уулу", dob}, false},
		{"other father's name in uulu (Asanbek, Asan): no match", p{"Nurlan", "", "Asanbek uulu", dob}, p{"Nurlan", "", "Asan uulu", dob}, false},
		{"other family name and patronymic: no match", p{"Aigul", "Toktosunova", "Bakyt kyzy", dob}, p{"Aigul", "Asanova", "Nurlan kyzy", dob}, false},
		{"names crossed between two people (Asan Nurlanov, Nurlan Asanov): no match", p{"Asan", "Nurlanov", "", dob}, p{"Nurlan", "Asanov", "", dob}, false},
		{"other name with similar letters (Жаңыл, Жамал): no match", p{"Жаңыл", "Кеңешова", "", dob}, p{"Жамал", "Кеңешова", "", dob}, false},
		{"ө and ү are other letters (Төлөгөн, Түлүгүн): no match", p{"Бакыт", "Төлөгөнов", "", dob}, p{"Бакыт", "Түлүгүнов", "", dob}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka := bi.NameKeys(tt.a.given, tt.a.family, tt.a.patronymic, tt.a.birth)
			kb := bi.NameKeys(tt.b.given, tt.b.family, tt.b.patronymic, tt.b.birth)
			// Both sides must be indexed, or a "no match" proves nothing.
			if len(ka) == 0 || len(kb) == 0 {
				t.Fatalf("no tokens: %d for %+v, %d for %+v", len(ka), tt.a, len(kb), tt.b)
			}
			if got := translitShareToken(ka, kb); got != tt.match {
				t.Errorf("common token = %v, want %v\n  a: %+v -> %v\n  b: %+v -> %v", got, tt.match,
					tt.a, translitNormalized(tt.a), tt.b, translitNormalized(tt.b))
			}
		})
	}
}

// translitShareToken reports whether two token sets share a token.
func translitShareToken(a, b [][]byte) bool {
	for _, x := range a {
		for _, y := range b {
			if bytes.Equal(x, y) {
				return true
			}
		}
	}
	return false
}

// translitNormalized shows the normalized names, to explain a failure.
func translitNormalized(x translitPerson) []string {
	return []string{crypto.NormalizeName(x.given), crypto.NormalizeName(x.family), crypto.NormalizeName(x.patronymic)}
}
