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

// translitCase is two ways of typing names and a birth date.
type translitCase struct {
	name string
	a, b translitPerson
}

// TestTranslitNamesThatMatch checks the blind index's name matching across
// the spellings caseworkers meet in the Kyrgyz Republic: Cyrillic (Kyrgyz
// and Russian spelling) and Latin (passport, English, Turkish-style), case,
// swapped names and the -uulu/-kyzy patronymics. Two records are a
// possible duplicate when their NameKeys share a token.
func TestTranslitNamesThatMatch(t *testing.T) {
	type p = translitPerson
	const dob = "1999-04-12"
	checkTranslit(t, true, []translitCase{
		// ү / у / ю / ü.
		{"ү and u (Гүлнара, Gulnara): match", p{"Гүлнара", "Асанова", "", dob}, p{"Gulnara", "Asanova", "", dob}},
		{"ү and ü (Гүлнара, Gülnara): match", p{"Гүлнара", "Асанова", "", dob}, p{"Gülnara", "Asanova", "", dob}},
		{"ү and Russian у with soft sign (Гүлнара, Гульнара): match", p{"Гүлнара", "Асанова", "", dob}, p{"Гульнара", "Асанова", "", dob}},
		{"ү and ü in the family name (Өмүрова, Ömürova): match", p{"Айдай", "Өмүрова", "", dob}, p{"Aidai", "Ömürova", "", dob}},
		{"ү spelled ю in Russian (Бүбүсара, Бюбюсара): match", p{"Бүбүсара", "Жумабаева", "", dob}, p{"Бюбюсара", "Жумабаева", "", dob}},
		{"ү spelled ю in Russian (Күлүмкан, Кюлюмкан): match", p{"Күлүмкан", "Осмонова", "", dob}, p{"Кюлюмкан", "Осмонова", "", dob}},
		{"ю spelled ü in Latin (Бюбюсара, Bübüsara): match", p{"Бюбюсара", "Жумабаева", "", dob}, p{"Bübüsara", "Jumabaeva", "", dob}},
		{"ю as yu and iu (Юлдуз, Yulduz, Iulduz): match", p{"Юлдуз", "Ташиева", "", dob}, p{"Iulduz", "Tashieva", "", dob}},
		// ө / о / ö.
		{"ө and o (Өмүрбек Төлөгөнов, Omurbek Tologonov): match", p{"Өмүрбек", "Төлөгөнов", "", dob}, p{"Omurbek", "Tologonov", "", dob}},
		{"ө and ö (Өмүрбек Төлөгөнов, Ömürbek Tölögönov): match", p{"Өмүрбек", "Төлөгөнов", "", dob}, p{"Ömürbek", "Tölögönov", "", dob}},
		{"ө and Russian о (Өскөнбаева, Осконбаева): match", p{"Жылдыз", "Өскөнбаева", "", dob}, p{"Жылдыз", "Осконбаева", "", dob}},
		// ң / н / ng.
		{"ң and n (Жаңыл Кеңешова, Janyl Keneshova): match", p{"Жаңыл", "Кеңешова", "", dob}, p{"Janyl", "Keneshova", "", dob}},
		{"ң and ng (Жаңыл Кеңешова, Zhangyl Kengeshova): match", p{"Жаңыл", "Кеңешова", "", dob}, p{"Zhangyl", "Kengeshova", "", dob}},
		{"ң and Russian н (Жаңыл, Жаныл): match", p{"Жаңыл", "Кеңешова", "", dob}, p{"Жаныл", "Кенешова", "", dob}},
		// ж / zh / j.
		{"ж and zh (Жылдыз Жумабаева, Zhyldyz Zhumabaeva): match", p{"Жылдыз", "Жумабаева", "", dob}, p{"Zhyldyz", "Zhumabaeva", "", dob}},
		{"ж and j (Жылдыз Жумабаева, Jyldyz Jumabaeva): match", p{"Жылдыз", "Жумабаева", "", dob}, p{"Jyldyz", "Jumabaeva", "", dob}},
		{"zh and j in Latin (Zhyldyz, Jyldyz): match", p{"Zhyldyz", "Zhumabaeva", "", dob}, p{"Jyldyz", "Jumabaeva", "", dob}},
		// х / kh / h.
		{"х and kh (Рахат Худайбергенова, Rakhat Khudaibergenova): match", p{"Рахат", "Худайбергенова", "", dob}, p{"Rakhat", "Khudaibergenova", "", dob}},
		{"х and h (Рахат Худайбергенова, Rahat Hudaibergenova): match", p{"Рахат", "Худайбергенова", "", dob}, p{"Rahat", "Hudaibergenova", "", dob}},
		// ы / y / i.
		{"ы and y (Чынара Ысмаилова, Chynara Ysmailova): match", p{"Чынара", "Ысмаилова", "", dob}, p{"Chynara", "Ysmailova", "", dob}},
		{"ы and i (Чынара Ысмаилова, Chinara Ismailova): match", p{"Чынара", "Ысмаилова", "", dob}, p{"Chinara", "Ismailova", "", dob}},
		// ё / yo.
		{"ё and yo (Фёдор Семёнов, Fyodor Semyonov): match", p{"Фёдор", "Семёнов", "", dob}, p{"Fyodor", "Semyonov", "", dob}},
		{"ё and passport e (Фёдор Семёнов, Fedor Semenov): match", p{"Фёдор", "Семёнов", "", dob}, p{"Fedor", "Semenov", "", dob}},
		{"ё typed е (Семёнов, Семенов): match", p{"Фёдор", "Семёнов", "", dob}, p{"Федор", "Семенов", "", dob}},
		{"yo and e in Latin (Semyonov, Semenov): match", p{"Fyodor", "Semyonov", "", dob}, p{"Fedor", "Semenov", "", dob}},
		// й / y.
		{"й and y (Кайрат Айтбаев, Kayrat Aytbaev): match", p{"Кайрат", "Айтбаев", "", dob}, p{"Kayrat", "Aytbaev", "", dob}},
		{"й and i (Айдай, Aidai): match", p{"Айдай", "Жолдошбекова", "", dob}, p{"Aidai", "Joldoshbekova", "", dob}},
		{"y and i in Latin (Ayday, Aidai): match", p{"Ayday", "Joldoshbekova", "", dob}, p{"Aidai", "Zholdoshbekova", "", dob}},
		// -uulu / -kyzy.
		{"uulu as patronymic and as family name: match", p{"Нурлан", "", "Асанбек уулу", dob}, p{"Nurlan", "Asanbek uulu", "", dob}},
		{"uulu with space and with hyphen: match", p{"Нурлан", "Асанбек уулу", "", dob}, p{"Nurlan", "Asanbek-uulu", "", dob}},
		{"uulu written together and apart: match", p{"Нурлан", "Асанбекуулу", "", dob}, p{"Nurlan", "", "Asanbek Uulu", dob}},
		{"kyzy as patronymic and as family name: match", p{"Айгүл", "", "Токтосун кызы", dob}, p{"Aigul", "Toktosun kyzy", "", dob}},
		{"kyzy with space and with hyphen: match", p{"Айгүл", "Токтосун кызы", "", dob}, p{"Aigul", "", "Toktosun-kyzy", dob}},
		{"kyzy beside a family name, kyzy alone: match", p{"Айгүл", "Токтосунова", "Бакыт кызы", dob}, p{"Aigul", "", "Bakyt kyzy", dob}},
		// Letter case.
		{"upper and lower case (АЙГҮЛ ТОКТОСУНОВА, aigul toktosunova): match", p{"АЙГҮЛ", "ТОКТОСУНОВА", "", dob}, p{"aigul", "toktosunova", "", dob}},
		{"mixed case Latin (aIgUl TOKTOsunova): match", p{"Aigul", "Toktosunova", "", dob}, p{"aIgUl", "TOKTOsunova", "", dob}},
		{"upper case Kyrgyz letters (ӨМҮРБЕК, Omurbek): match", p{"ӨМҮРБЕК", "ТӨЛӨГӨНОВ", "", dob}, p{"Omurbek", "Tologonov", "", dob}},
		// Swapped order.
		{"given and family swapped: match", p{"Токтосунова", "Айгүл", "", dob}, p{"Aigul", "Toktosunova", "", dob}},
		{"given and uulu swapped: match", p{"Asanbek uulu", "Nurlan", "", dob}, p{"Нурлан", "", "Асанбек уулу", dob}},
		// Айгүл Токтосунова.
		{"Айгүл Токтосунова and Aigul Toktosunova: match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", dob}},
		{"Айгүл Токтосунова and Aygul Toktosunova: match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aygul", "Toktosunova", "", dob}},
		{"Aigul Toktosunova and Aygul Toktosunova: match", p{"Aigul", "Toktosunova", "", dob}, p{"Aygul", "Toktosunova", "", dob}},
		// Russian soft sign.
		{"soft sign (Айгуль, Айгүл): match", p{"Айгуль", "Токтосунова", "", dob}, p{"Айгүл", "Токтосунова", "", dob}},
		{"soft sign (Айгуль, Aigul): match", p{"Айгуль", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", dob}},
		// Birth date layouts and white space.
		{"birth date as DD.MM.YYYY: match", p{"Айгүл", "Токтосунова", "", "12.04.1999"}, p{"Aigul", "Toktosunova", "", dob}},
		{"white space around names: match", p{"  Айгүл\t", " Токтосунова ", "", dob}, p{"Aigul", "Toktosunova", "", " " + dob + " "}},
	})
}

// TestTranslitNamesThatDoNotMatch checks that other persons, however alike
// (twins, crossed names, other letters), share no name token.
func TestTranslitNamesThatDoNotMatch(t *testing.T) {
	type p = translitPerson
	const dob = "1999-04-12"
	checkTranslit(t, false, []translitCase{
		{"other given name (Aigul, Aizada): no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aizada", "Toktosunova", "", dob}},
		{"given name that extends another (Aigul, Aigulum): no match", p{"Aigul", "Toktosunova", "", dob}, p{"Aigulum", "Toktosunova", "", dob}},
		{"other birth day: no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", "1999-04-13"}},
		{"other birth year: no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", "2000-04-12"}},
		{"day and month swapped: no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktosunova", "", "1999-12-04"}},
		{"other family name (Toktosunova, Toktogulova): no match", p{"Айгүл", "Токтосунова", "", dob}, p{"Aigul", "Toktogulova", "", dob}},
		{"twin sisters (same family, patronymic and birth date): no match", p{"Айгүл", "Токтосунова", "Бакыт кызы", dob}, p{"Айзада", "Токтосунова", "Бакыт кызы", dob}},
		{"twin brothers with uulu (Нурлан, Нурбек): no match", p{"Нурлан", "", "Асанбек уулу", dob}, p{"Нурбек", "", "Асанбек уулу", dob}},
		{"other father's name in uulu (Asanbek, Asan): no match", p{"Nurlan", "", "Asanbek uulu", dob}, p{"Nurlan", "", "Asan uulu", dob}},
		{"other family name and patronymic: no match", p{"Aigul", "Toktosunova", "Bakyt kyzy", dob}, p{"Aigul", "Asanova", "Nurlan kyzy", dob}},
		{"names crossed between two people (Asan Nurlanov, Nurlan Asanov): no match", p{"Asan", "Nurlanov", "", dob}, p{"Nurlan", "Asanov", "", dob}},
		{"other name with similar letters (Жаңыл, Жамал): no match", p{"Жаңыл", "Кеңешова", "", dob}, p{"Жамал", "Кеңешова", "", dob}},
		{"ө and ү are other letters (Төлөгөн, Түлүгүн): no match", p{"Бакыт", "Төлөгөнов", "", dob}, p{"Бакыт", "Түлүгүнов", "", dob}},
	})
}

// checkTranslit checks that the NameKeys of each case's two sides share a
// token exactly when match is true.
func checkTranslit(t *testing.T, match bool, tests []translitCase) {
	t.Helper()
	bi, err := crypto.NewBlindIndexer(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatalf("NewBlindIndexer: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka := bi.NameKeys(tt.a.given, tt.a.family, tt.a.patronymic, tt.a.birth)
			kb := bi.NameKeys(tt.b.given, tt.b.family, tt.b.patronymic, tt.b.birth)
			// Both sides must be indexed, or a "no match" proves nothing.
			if len(ka) == 0 || len(kb) == 0 {
				t.Fatalf("no tokens: %d for %+v, %d for %+v", len(ka), tt.a, len(kb), tt.b)
			}
			if got := intersects(ka, kb); got != match {
				t.Errorf("common token = %v, want %v\n  a: %+v -> %v\n  b: %+v -> %v", got, match,
					tt.a, translitNormalized(tt.a), tt.b, translitNormalized(tt.b))
			}
		})
	}
}

// translitNormalized shows the normalized names, to explain a failure.
func translitNormalized(x translitPerson) []string {
	return []string{crypto.NormalizeName(x.given), crypto.NormalizeName(x.family), crypto.NormalizeName(x.patronymic)}
}
