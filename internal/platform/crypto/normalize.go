package crypto

import (
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// toLatin maps lower-case Cyrillic letters (Russian; Kyrgyz ө ү ң; the
// extra letters of Kazakh, Uzbek, Tajik, Ukrainian and Belarusian) and a few
// Latin letters that stand for their own sounds to Latin. The Russian part
// is close to the passport (ICAO 9303) transliteration, with ъ dropped and
// ю, я as yu, ya (which fold to ICAO's iu, ia); ө, ү, ң are o, u, ng, as
// Kyrgyz is often typed without its own letters.
var toLatin = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e",
	'ж': "zh", 'з': "z", 'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	// Kyrgyz.
	'ө': "o", 'ү': "u", 'ң': "ng",
	// Kazakh, Uzbek, Tajik, Ukrainian, Belarusian.
	'ә': "a", 'ғ': "g", 'қ': "k", 'ұ': "u", 'һ': "h", 'і': "i", 'ҳ': "h",
	'ҷ': "j", 'ӣ': "i", 'ӯ': "u", 'є': "ye", 'ї': "yi", 'ґ': "g", 'ў': "u",
	// Latin letters with a sound of their own (Turkish, Czech, Azerbaijani,
	// Nordic, Polish, German).
	'ç': "ch", 'ş': "sh", 'č': "ch", 'š': "sh", 'ž': "zh", 'ı': "i",
	'ə': "a", 'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l",
	'đ': "d", 'ð': "d", 'þ': "th",
}

// foldSpelling merges the usual Latin spellings of one sound, leftmost and
// longest first.
var foldSpelling = strings.NewReplacer(
	"dzh", "j", "zh", "j", "dj", "j",
	"kh", "h",
	"ng", "n",
	"x", "ks",
	"q", "k",
	// Russian writes Kyrgyz ү as ю (Бюбюсара) and ё is often written e in
	// passports (Семёнов, Semenov): yu and iu fold to u, yo to e.
	"yu", "u", "iu", "u", "yo", "e",
	"y", "i",
)

// NormalizeName reduces a name (given, family, patronymic) to the skeleton
// the blind index hashes, so that spellings of one name in Cyrillic and in
// Latin, in any case, with or without diacritics, spaces or punctuation,
// give one string. The rule, in order:
//
//  1. Unicode NFKC, then lower case.
//  2. Cyrillic to Latin with one fixed table, close to the passport
//     transliteration: й -> i, ы -> y, ж zh, х kh, ц ts, ч ch, ш sh,
//     щ shch, ю yu, я ya, ё e, ъ and ь dropped; Kyrgyz ө -> o, ү -> u,
//     ң -> ng; Kazakh, Uzbek, Tajik and Ukrainian letters alike (ә a, қ k,
//     ғ g, ұ u, і i, ...). Latin ç ş č š ž ı ə ß æ œ ø ł đ become
//     ch sh ch sh zh i a ss ae oe o l d.
//  3. Other diacritics removed (ü -> u, ö -> o, é -> e, ñ -> n).
//  4. Only letters and digits kept: white space, hyphens, apostrophes and
//     other punctuation are dropped.
//  5. Spelling variants folded: dzh, zh, dj -> j; kh -> h; ng -> n;
//     x -> ks; q -> k; yu, iu -> u; yo -> e; y -> i; then a leading
//     "ie" -> "e".
//  6. Runs of one letter collapsed (ss -> s, ii -> i).
//
// So "Айгуль", "Aigul", "Aygul" and "AIGÜL" all give "aigul"; "Жылдыз",
// "Jyldyz" and "Zhyldyz" give "jildiz"; "Юлия", "Yuliya" and "Iuliia" give
// "ulia"; "Бюбюсара" and "Bübüsara" give "bubusara"; "Елена" and "Yelena" give "elena". Scripts other than Latin and
// Cyrillic keep their letters, lower-cased. The folding is lossy on purpose:
// the index serves to find possible duplicates, which a person confirms.
func NormalizeName(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	var b strings.Builder
	for _, r := range s {
		if lat, ok := toLatin[r]; ok {
			b.WriteString(lat)
			continue
		}
		b.WriteRune(r)
	}
	// Decomposed, diacritics are combining marks (Mn), dropped with the
	// punctuation and white space.
	s = norm.NFD.String(b.String())
	b.Reset()
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	s = foldSpelling.Replace(norm.NFC.String(b.String()))
	if strings.HasPrefix(s, "ie") {
		s = s[1:]
	}
	b.Reset()
	last := rune(-1)
	for _, r := range s {
		if r != last {
			b.WriteRune(r)
		}
		last = r
	}
	return b.String()
}

// cyrillicLookalikes maps upper-case Cyrillic letters that look like Latin
// ones, as typed into document numbers, to those Latin letters.
var cyrillicLookalikes = map[rune]rune{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O',
	'Р': 'P', 'С': 'C', 'Т': 'T', 'У': 'Y', 'Ү': 'Y', 'Х': 'X', 'І': 'I',
	'Ј': 'J', 'Ѕ': 'S',
}

// NormalizeDocument reduces an identity document number to the form the
// blind index hashes: Unicode NFKC, upper case, Cyrillic letters that look
// like Latin ones (А В Е К М Н О Р С Т У Х ...) replaced by them, and
// everything but letters and digits (spaces, dashes, dots, slashes, "№")
// removed. So "ac 123-45 67", "AC1234567" and "АС1234567" typed with
// Cyrillic letters all give "AC1234567".
func NormalizeDocument(s string) string {
	s = strings.ReplaceAll(s, "№", "")
	s = strings.ToUpper(norm.NFKC.String(s))
	var b strings.Builder
	for _, r := range s {
		if lat, ok := cyrillicLookalikes[r]; ok {
			r = lat
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normalizeBirthDate returns a birth date as YYYY-MM-DD. It accepts
// YYYY-MM-DD and DD.MM.YYYY, and reports false for anything else.
func normalizeBirthDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateOnly, "02.01.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}
