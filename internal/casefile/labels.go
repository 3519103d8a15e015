package casefile

import "strings"

// Langs are the languages a file is printed in.
var Langs = []string{"ru", "ky", "en"}

// text is one label in the three languages.
type text struct{ ru, ky, en string }

func (t text) in(lang string) string {
	switch lang {
	case "ky":
		return t.ky
	case "en":
		return t.en
	}
	return t.ru
}

// labels are the fixed texts of the printed files.
var labels = map[string]text{
	"file":          {"Дело", "Иш", "Case file"},
	"handover":      {"Передача дела", "Ишти өткөрүп берүү", "Case handover"},
	"subject":       {"Сведения о вас, которые хранятся в Jardam", "Jardamда сакталган сиз тууралуу маалымат", "What Jardam holds about you"},
	"identity":      {"Личные данные", "Жеке маалыматтар", "Identity"},
	"attributes":    {"Признаки", "Белгилер", "Attributes"},
	"stages":        {"Этапы", "Баскычтар", "Stages"},
	"plan":          {"План помощи", "Жардам планы", "Assistance plan"},
	"needs":         {"Оценка потребностей", "Муктаждыктарга баа берүү", "Needs assessment"},
	"assistance":    {"Помощь", "Көрсөтүлгөн жардам", "Assistance"},
	"referrals":     {"Направления", "Жолдомолор", "Referrals"},
	"consents":      {"Согласия", "Макулдуктар", "Consents"},
	"documents":     {"Документы", "Документтер", "Documents"},
	"received":      {"Кому передавались ваши данные", "Сиздин маалыматтар кимге берилген", "Who received your data"},
	"given_name":    {"Имя", "Аты", "Given name"},
	"family_name":   {"Фамилия", "Фамилиясы", "Family name"},
	"patronymic":    {"Отчество", "Атасынын аты", "Patronymic"},
	"birth_date":    {"Дата рождения", "Туулган күнү", "Birth date"},
	"document":      {"Номер документа", "Документтин номери", "Document number"},
	"phone":         {"Телефон", "Телефону", "Phone"},
	"address":       {"Адрес", "Дареги", "Address"},
	"contact":       {"Контактное лицо", "Байланышуучу адам", "Contact person"},
	"languages":     {"Языки", "Тилдери", "Languages"},
	"code":          {"Код дела", "Иштин коду", "Case code"},
	"status":        {"Статус", "Абалы", "Status"},
	"stage":         {"Этап", "Баскычы", "Stage"},
	"identified":    {"Выявлен", "Аныкталган күнү", "Identified on"},
	"sex":           {"Пол", "Жынысы", "Sex"},
	"age":           {"Возраст", "Жашы", "Age bracket"},
	"citizenship":   {"Гражданство", "Жарандыгы", "Citizenship"},
	"region":        {"Регион происхождения", "Келип чыккан аймагы", "Region of origin"},
	"exploitation":  {"Формы эксплуатации", "Эксплуатациянын түрлөрү", "Forms of exploitation"},
	"countries":     {"Страны эксплуатации", "Эксплуатация болгон өлкөлөр", "Countries of exploitation"},
	"tstatus":       {"Статус жертвы", "Жабырлануучунун статусу", "Trafficking status"},
	"none":          {"Нет записей.", "Жазуулар жок.", "Nothing recorded."},
	"erased":        {"Личные данные удалены.", "Жеке маалыматтар өчүрүлгөн.", "The identity was erased."},
	"withheld":      {"Не входит в согласие получателя.", "Алуучунун макулдугуна кирбейт.", "Not covered by the recipient's consent."},
	"printed_by":    {"Напечатал(а)", "Басып чыгарган", "Printed by"},
	"for":           {"для", "үчүн", "for"},
	"internal":      {"внутреннего пользования", "ички колдонуу", "internal use"},
	"the_person":    {"самого человека", "адамдын өзү", "the person"},
	"prepared_by":   {"Подготовлено организацией", "Даярдаган уюм", "Prepared by"},
	"page":          {"стр.", "бет", "page"},
	"given":         {"дано", "берилген", "given"},
	"expires":       {"до", "чейин", "until"},
	"withdrawn":     {"отозвано", "кайтарылып алынган", "withdrawn"},
	"given_by":      {"кем дано", "ким берген", "given by"},
	"sent":          {"отправлено", "жөнөтүлгөн", "sent"},
	"answered":      {"ответ", "жооп", "answered"},
	"removed":       {"удалён", "өчүрүлгөн", "removed"},
	"subject_note":  {"Документ подготовлен по вашему запросу. В нём нет сведений о других людях и о сотрудниках.", "Бул документ сиздин өтүнүчүңүз боюнча даярдалды. Анда башка адамдар жана кызматкерлер тууралуу маалымат жок.", "Prepared at your request. It holds nothing about other people or about staff."},
	"handover_note": {"Содержит только категории, на которые дано согласие получателю.", "Алуучуга макулдук берилген категориялар гана камтылган.", "Holds only the categories consented to the recipient."},
}

func label(key, lang string) string { return labels[key].in(lang) }

// values are the printed names of enumeration values; a value without one
// is printed as it is stored.
var values = map[string]text{
	"identity":               {"личные данные", "жеке маалыматтар", "identity"},
	"contact":                {"контакты", "байланыш маалыматтары", "contact"},
	"health":                 {"здоровье", "ден соолук", "health"},
	"legal":                  {"правовая помощь", "укуктук жардам", "legal"},
	"assistance_history":     {"история помощи", "жардамдын тарыхы", "assistance history"},
	"consent_form":           {"подписанное согласие", "кол коюлган макулдук", "signed consent form"},
	"assistance":             {"помощь", "жардам", "assistance"},
	"data_sharing":           {"передача данных", "маалымат берүү", "data sharing"},
	"statistics":             {"статистика", "статистика", "statistics"},
	"identification":         {"выявление", "аныктоо", "identification"},
	"shelter":                {"приют", "баш калкалоочу жай", "shelter"},
	"rehabilitation":         {"реабилитация", "калыбына келтирүү", "rehabilitation"},
	"reintegration":          {"реинтеграция", "коомго кайра кошулуу", "reintegration"},
	"closed":                 {"закрыто", "жабылган", "closed"},
	"open":                   {"открыто", "ачык", "open"},
	"female":                 {"женский", "аял", "female"},
	"male":                   {"мужской", "эркек", "male"},
	"other":                  {"другое", "башка", "other"},
	"unknown":                {"неизвестно", "белгисиз", "unknown"},
	"person":                 {"сам человек", "адамдын өзү", "the person"},
	"guardian":               {"опекун", "камкорчу", "a guardian"},
	"guardianship_authority": {"орган опеки", "камкордук органы", "the guardianship authority"},
	"pending":                {"ожидает ответа", "жооп күтүүдө", "pending"},
	"accepted":               {"принято", "кабыл алынган", "accepted"},
	"declined":               {"отклонено", "четке кагылган", "declined"},
	"cancelled":              {"отменено", "жокко чыгарылган", "cancelled"},
	"completed":              {"завершено", "аякталган", "completed"},
	"expired":                {"истекло", "мөөнөтү бүткөн", "expired"},
	"planned":                {"запланировано", "пландалган", "planned"},
	"in_progress":            {"в процессе", "жүрүүдө", "in progress"},
}

// value prints an enumeration value in lang.
func value(v, lang string) string {
	if t, ok := values[v]; ok {
		return t.in(lang)
	}
	return v
}

// valuesIn prints a list of enumeration values in lang.
func valuesIn(vs []string, lang string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = value(v, lang)
	}
	return strings.Join(out, ", ")
}
