// The screening questions an operator reads to the caller, one per ILO
// operational indicator, in the languages callers speak: Kyrgyz, Russian,
// Uzbek (many callers from the Osh and Jalal-Abad regions) and English.
// Each is asked so that "yes" marks the indicator. They are separate from
// the app's dictionaries: the caller's language is not the operator's.

import type { SCREENING_INDICATORS } from '../../lib/enums';

export const CALLER_LANGS = ['ky', 'ru', 'uz', 'en'] as const;
export type CallerLang = (typeof CALLER_LANGS)[number];

/** Each caller language's name, written in that language. */
export const CALLER_LANG_NAMES: Record<CallerLang, string> = {
  ky: 'Кыргызча',
  ru: 'Русский',
  uz: 'Oʻzbekcha',
  en: 'English',
};

type Indicator = (typeof SCREENING_INDICATORS)[number];

export const QUESTIONS: Record<CallerLang, Record<Indicator, string>> = {
  ky: {
    deception: 'Жумуш, айлык же жер убада кылгандай болбой чыктыбы?',
    coercion: 'Сизди каалабаган жумушту же ишти аткарууга мажбурлашабы?',
    debt_bondage: 'Иш берүүчүгө же жалдоочуга төлөй албай турган карызыңыз барбы?',
    withheld_documents: 'Паспортуңузду же башка документтериңизди алып коюштубу?',
    restricted_movement: 'Иштеген же жашаган жериңизден кетүүгө жол беришпейби?',
    threats: 'Сизди же үй-бүлөңүздү коркутушканбы?',
    isolation: 'Үй-бүлөңүз же башка адамдар менен байланышууга тыюу салышабы?',
    excessive_hours: 'Макулдашылгандан алда канча көп, дем алыш күнсүз иштейсизби?',
    abusive_conditions: 'Сизди урушабы же кордогон шарттарда кармашабы?',
    withheld_wages: 'Айлыгыңызды беришпейби же убада кылгандан алда канча аз беришеби?',
  },
  ru: {
    deception: 'Работа, оплата или место оказались не такими, как обещали?',
    coercion: 'Вас заставляют работать или делать то, чего вы не хотите?',
    debt_bondage: 'Есть ли у вас долг перед работодателем или вербовщиком, который невозможно выплатить?',
    withheld_documents: 'Забрали ли у вас паспорт или другие документы?',
    restricted_movement: 'Вам не дают уйти с места работы или проживания?',
    threats: 'Угрожали ли вам или вашей семье?',
    isolation: 'Вам не дают связаться с семьёй или другими людьми?',
    excessive_hours: 'Вы работаете намного дольше оговорённого, без выходных?',
    abusive_conditions: 'Вас бьют или держат в унизительных условиях жизни или работы?',
    withheld_wages: 'Вам не платят или платят намного меньше обещанного?',
  },
  uz: {
    deception: 'Ish, maosh yoki joy vaʼda qilinganidan boshqacha boʻlib chiqdimi?',
    coercion: 'Sizni xohlamagan ishingizni qilishga majburlashadimi?',
    debt_bondage: 'Ish beruvchi yoki yollovchidan toʻlay olmaydigan qarzingiz bormi?',
    withheld_documents: 'Pasportingiz yoki boshqa hujjatlaringizni olib qoʻyishdimi?',
    restricted_movement: 'Ishlaydigan yoki yashaydigan joyingizdan ketishingizga yoʻl qoʻyishmaydimi?',
    threats: 'Sizga yoki oilangizga tahdid qilishdimi?',
    isolation: 'Oilangiz yoki boshqa odamlar bilan bogʻlanishingizga yoʻl qoʻyishmaydimi?',
    excessive_hours: 'Kelishilganidan ancha koʻp, dam olish kunisiz ishlaysizmi?',
    abusive_conditions: 'Sizni urishadimi yoki kamsituvchi sharoitda saqlashadimi?',
    withheld_wages: 'Maoshingizni berishmaydimi yoki vaʼda qilinganidan ancha kam berishadimi?',
  },
  en: {
    deception: 'Did the job, pay or place turn out different from what was promised?',
    coercion: 'Are you forced to work or to do things you do not want to do?',
    debt_bondage: 'Do you owe the employer or recruiter a debt you cannot pay off?',
    withheld_documents: 'Has someone taken your passport or other documents?',
    restricted_movement: 'Are you kept from leaving the place where you work or live?',
    threats: 'Have you or your family been threatened?',
    isolation: 'Are you kept from contacting your family or other people?',
    excessive_hours: 'Do you work far longer than agreed, without days off?',
    abusive_conditions: 'Are you beaten, or kept in degrading living or working conditions?',
    withheld_wages: 'Is your pay withheld, or much less than promised?',
  },
};
