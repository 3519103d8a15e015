-- Program measures (reference data), activities that are not cases, and
-- the narrow doors that cross organizations for them.
--
-- A program (the Cabinet's Program 2022-2025 now; the next one beside it,
-- never over it) groups measures by direction. A measure's code is stable
-- and unique across programs, since cases, assistance and activities link
-- to measures by code alone. Responsible and co-executing bodies are linked
-- to organizations by organization code, so the list does not depend on
-- the order in which organizations are created. The shipped list is derived
-- from the Program's text (source 'derived'); `jardam measures import`
-- replaces it with the official text.
--
-- Locks: new tables and the measure lists; locks nothing that holds data.

CREATE TABLE programs (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{4}-[0-9]{4}$'),
    title_ru    text NOT NULL CHECK (length(title_ru) BETWEEN 1 AND 500),
    title_ky    text NOT NULL CHECK (length(title_ky) BETWEEN 1 AND 500),
    title_en    text NOT NULL CHECK (length(title_en) BETWEEN 1 AND 500),
    starts_on   date NOT NULL,
    ends_on     date NOT NULL CHECK (ends_on >= starts_on),
    source      text NOT NULL CHECK (source IN ('derived', 'official')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE measure_directions (
    code      text PRIMARY KEY CHECK (code IN ('coordination', 'prevention', 'protection', 'prosecution', 'partnership', 'monitoring')),
    position  integer NOT NULL UNIQUE,
    title_ru  text NOT NULL,
    title_ky  text NOT NULL,
    title_en  text NOT NULL
);

CREATE TABLE measures (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9.\-]{0,31}$'),
    program     text NOT NULL REFERENCES programs (code),
    direction   text NOT NULL REFERENCES measure_directions (code),
    position    integer NOT NULL,
    title_ru    text NOT NULL CHECK (length(title_ru) BETWEEN 1 AND 1000),
    title_ky    text NOT NULL CHECK (length(title_ky) BETWEEN 1 AND 1000),
    title_en    text NOT NULL CHECK (length(title_en) BETWEEN 1 AND 1000),
    source      text NOT NULL CHECK (source IN ('derived', 'official')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (program, position)
);
CREATE INDEX measures_program_idx ON measures (program, position);

-- Responsible and co-executing bodies, by organization code.
CREATE TABLE measure_bodies (
    measure_code       text NOT NULL REFERENCES measures (code) ON DELETE CASCADE,
    organization_code  text NOT NULL CHECK (organization_code ~ '^[A-Z][A-Z0-9-]{1,23}$'),
    role               text NOT NULL CHECK (role IN ('responsible', 'co_executor')),
    PRIMARY KEY (measure_code, organization_code)
);
CREATE INDEX measure_bodies_org_idx ON measure_bodies (organization_code);

-- The measure offered by default when assistance of a type is entered, per
-- program.
CREATE TABLE measure_assistance_defaults (
    program          text NOT NULL REFERENCES programs (code),
    assistance_type  text NOT NULL CHECK (assistance_type IN ('shelter', 'psychological', 'medical', 'legal',
                         'vocational_training', 'income_generation', 'homecoming', 'employment', 'housing',
                         'education', 'family_reunification', 'documents', 'financial', 'other')),
    measure_code     text NOT NULL REFERENCES measures (code) ON DELETE CASCADE,
    PRIMARY KEY (program, assistance_type)
);

-- Budget lines (Appendix 4): the planned amount of a measure for a year
-- from a funding source. None is shipped with the derived list.
CREATE TABLE measure_budget_lines (
    measure_code    text NOT NULL REFERENCES measures (code) ON DELETE CASCADE,
    year            integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    funding_source  text NOT NULL CHECK (funding_source IN ('state_budget', 'state_social_order',
                        'international_organization', 'ngo_own_funds', 'other')),
    planned_kgs     numeric(16, 2) NOT NULL CHECK (planned_kgs >= 0),
    PRIMARY KEY (measure_code, year, funding_source)
);

-- Activities that are not cases: awareness events, trainings, campaigns,
-- publications. They belong to the organization that held them and carry
-- no personal data: participants are counted by sex only.
CREATE TABLE activities (
    id                    uuid PRIMARY KEY,
    organization_id       uuid NOT NULL REFERENCES organizations (id),
    held_on               date NOT NULL,
    region                text NOT NULL CHECK (region IN ('bishkek_city', 'osh_city', 'batken', 'jalal_abad',
                              'issyk_kul', 'naryn', 'osh', 'talas', 'chui')),
    kind                  text NOT NULL CHECK (kind IN ('awareness_event', 'training', 'campaign', 'publication', 'other')),
    title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    participants_female   integer NOT NULL DEFAULT 0 CHECK (participants_female >= 0),
    participants_male     integer NOT NULL DEFAULT 0 CHECK (participants_male >= 0),
    participants_other    integer NOT NULL DEFAULT 0 CHECK (participants_other >= 0),
    people_reached        integer NOT NULL DEFAULT 0 CHECK (people_reached >= 0),
    cost_kgs              numeric(14, 2) CHECK (cost_kgs IS NULL OR cost_kgs >= 0),
    funding_source        text CHECK (funding_source IN ('state_budget', 'state_social_order',
                              'international_organization', 'ngo_own_funds', 'other')),
    measure_code          text NOT NULL REFERENCES measures (code),
    created_by            uuid NOT NULL REFERENCES users (id),
    created_at            timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX activities_org_idx ON activities (organization_id, created_at DESC, id DESC);
CREATE INDEX activities_held_idx ON activities (held_on);

ALTER TABLE activities ENABLE ROW LEVEL SECURITY;
CREATE POLICY activities_own_org ON activities
    USING (organization_id = jardam_current_org())
    WITH CHECK (organization_id = jardam_current_org());

-- The measure codes that cases, assistance and activities of every
-- organization link to, so that an import never orphans a link. It runs
-- with the owner's rights (past row-level security) and answers codes
-- only: never a case, an organization or a count.
CREATE FUNCTION jardam_measure_codes_in_use() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT unnest(measure_codes) FROM cases
    UNION SELECT unnest(measure_codes) FROM assistance
    UNION SELECT measure_code FROM activities
$$;
REVOKE ALL ON FUNCTION jardam_measure_codes_in_use() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_measure_codes_in_use() TO jardam_app;

GRANT SELECT ON measure_directions TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON programs TO jardam_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON measures, measure_bodies, measure_assistance_defaults, measure_budget_lines TO jardam_app;
GRANT SELECT, INSERT ON activities TO jardam_app;

-- The directions of the Actions plan.
INSERT INTO measure_directions (code, position, title_ru, title_ky, title_en) VALUES
('coordination', 1, 'Координация', 'Координациялоо', 'Coordination'),
('prevention', 2, 'Профилактика', 'Алдын алуу', 'Prevention'),
('protection', 3, 'Защита и помощь пострадавшим', 'Жабыр тарткандарды коргоо жана аларга жардам көрсөтүү', 'Protection of and assistance to victims'),
('prosecution', 4, 'Уголовное преследование', 'Кылмыш-жаза куугунтугу', 'Prosecution'),
('partnership', 5, 'Партнёрство', 'Өнөктөштүк', 'Partnership'),
('monitoring', 6, 'Мониторинг и оценка', 'Мониторинг жана баалоо', 'Monitoring and evaluation');

-- The Program 2022-2025 and the measures derived from its text and from
-- the measures known to be in force (source 'derived').
INSERT INTO programs (code, title_ru, title_ky, title_en, starts_on, ends_on, source) VALUES
('2022-2025',
 'Программа Кабинета Министров Кыргызской Республики по противодействию торговле людьми на 2022-2025 годы',
 'Кыргыз Республикасынын Министрлер Кабинетинин адам сатууга каршы аракеттенүү боюнча 2022-2025-жылдарга карата программасы',
 'Program of the Cabinet of Ministers of the Kyrgyz Republic for fight against human trafficking for 2022-2025',
 '2022-01-01', '2025-12-31', 'derived');

INSERT INTO measures (code, program, direction, position, title_ru, title_ky, title_en, source) VALUES
('1.1', '2022-2025', 'coordination', 1,
 'Работа региональных координационных советов по противодействию торговле людьми',
 'Адам сатууга каршы аракеттенүү боюнча региондук координациялык кеңештердин иши',
 'Regional coordination councils on counter-trafficking', 'derived'),
('1.2', '2022-2025', 'coordination', 2,
 'Внедрение и применение стандартных операционных процедур Национального механизма перенаправления',
 'Улуттук кайра багыттоо механизминин стандарттык операциялык процедураларын киргизүү жана колдонуу',
 'Introduction and application of the standard operating procedures of the National Referral Mechanism', 'derived'),
('2.1', '2022-2025', 'prevention', 3,
 'Ежегодная кампания «100 дней против торговли людьми»',
 '«Адам сатууга каршы 100 күн» жылдык кампаниясы',
 'Annual campaign "100 days against human trafficking"', 'derived'),
('2.2', '2022-2025', 'prevention', 4,
 'Информирование населения о безопасной миграции и о рисках торговли людьми',
 'Калкка коопсуз миграция жана адам сатуунун тобокелдиктери жөнүндө маалымат берүү',
 'Informing the population about safe migration and the risks of human trafficking', 'derived'),
('2.3', '2022-2025', 'prevention', 5,
 'Работа горячей линии 1899',
 '1899 ишеним телефонунун иши',
 'Operation of the 1899 hotline', 'derived'),
('2.4', '2022-2025', 'prevention', 6,
 'Профилактика торговли людьми среди детей и молодёжи',
 'Балдар жана жаштар арасында адам сатуунун алдын алуу',
 'Prevention of human trafficking among children and young people', 'derived'),
('3.1', '2022-2025', 'protection', 7,
 'Предоставление пострадавшим убежища и услуг кризисных центров',
 'Жабыр тарткандарга баш калкалоочу жай берүү жана кризистик борборлордун кызматтарын көрсөтүү',
 'Shelter and crisis center services for victims', 'derived'),
('3.2', '2022-2025', 'protection', 8,
 'Медицинская и психологическая помощь пострадавшим',
 'Жабыр тарткандарга медициналык жана психологиялык жардам көрсөтүү',
 'Medical and psychological assistance to victims', 'derived'),
('3.3', '2022-2025', 'protection', 9,
 'Юридическая помощь пострадавшим и восстановление документов',
 'Жабыр тарткандарга юридикалык жардам көрсөтүү жана документтерин калыбына келтирүү',
 'Legal assistance to victims and restoration of documents', 'derived'),
('3.4', '2022-2025', 'protection', 10,
 'Реабилитация пострадавших',
 'Жабыр тарткандарды реабилитациялоо',
 'Rehabilitation of victims', 'derived'),
('3.5', '2022-2025', 'protection', 11,
 'Реинтеграция пострадавших: профессиональное обучение, трудоустройство, поддержка доходов, жильё, образование и материальная помощь',
 'Жабыр тарткандарды реинтеграциялоо: кесиптик окутуу, жумушка орноштуруу, киреше табууга колдоо көрсөтүү, турак жай, билим берүү жана материалдык жардам',
 'Reintegration of victims: vocational training, employment, income generation, housing, education and financial support', 'derived'),
('3.6', '2022-2025', 'protection', 12,
 'Возвращение пострадавших на родину и воссоединение с семьёй',
 'Жабыр тарткандарды мекенине кайтаруу жана үй-бүлөсү менен кайра бириктирүү',
 'Return of victims home and family reunification', 'derived'),
('4.1', '2022-2025', 'prosecution', 13,
 'Обучение сотрудников милиции, прокуроров и судей',
 'Милиция кызматкерлерин, прокурорлорду жана судьяларды окутуу',
 'Training of police officers, prosecutors and judges', 'derived'),
('4.2', '2022-2025', 'prosecution', 14,
 'Выявление и расследование преступлений торговли людьми и уголовное преследование виновных',
 'Адам сатуу кылмыштарын аныктоо, тергөө жана күнөөлүүлөрдү кылмыш-жаза жоопкерчилигине тартуу',
 'Detection and investigation of human trafficking crimes and prosecution of offenders', 'derived'),
('4.3', '2022-2025', 'prosecution', 15,
 'Защита пострадавших и свидетелей в уголовном процессе',
 'Кылмыш-жаза процессинде жабыр тарткандарды жана күбөлөрдү коргоо',
 'Protection of victims and witnesses in criminal proceedings', 'derived'),
('5.1', '2022-2025', 'partnership', 16,
 'Государственный социальный заказ на услуги пострадавшим',
 'Жабыр тарткандарга кызмат көрсөтүүгө мамлекеттик социалдык буйрутма',
 'State social order for services to victims', 'derived'),
('5.2', '2022-2025', 'partnership', 17,
 'Сотрудничество с международными организациями и странами назначения',
 'Эл аралык уюмдар жана кабыл алуучу өлкөлөр менен кызматташуу',
 'Cooperation with international organizations and countries of destination', 'derived'),
('6.1', '2022-2025', 'monitoring', 18,
 'Единая система сбора данных о торговле людьми',
 'Адам сатуу жөнүндө маалыматтарды чогултуунун бирдиктүү системасы',
 'Unified data collection on human trafficking', 'derived'),
('6.2', '2022-2025', 'monitoring', 19,
 'Мониторинг и оценка выполнения Программы, полугодовые отчёты',
 'Программанын аткарылышына мониторинг жүргүзүү жана баалоо, жарым жылдык отчеттор',
 'Monitoring and evaluation of the Program, half-year reports', 'derived');

INSERT INTO measure_bodies (measure_code, organization_code, role) VALUES
('1.1', 'MLSSM-CTU', 'responsible'), ('1.1', 'BISHKEK-CITY', 'co_executor'), ('1.1', 'OSH-CITY', 'co_executor'),
('1.2', 'MLSSM-CTU', 'responsible'), ('1.2', 'MLSSM-SOC', 'co_executor'), ('1.2', 'MIA', 'co_executor'),
('2.1', 'MLSSM-CTU', 'responsible'), ('2.1', 'IOM', 'co_executor'), ('2.1', 'SEZIM', 'co_executor'), ('2.1', 'AKZHUROK', 'co_executor'),
('2.2', 'MLSSM-CTU', 'responsible'), ('2.2', 'IOM', 'co_executor'),
('2.3', 'MLSSM-CTU', 'responsible'), ('2.3', 'IOM', 'co_executor'),
('2.4', 'MLSSM-SOC', 'responsible'), ('2.4', 'SEZIM', 'co_executor'), ('2.4', 'AKZHUROK', 'co_executor'),
('3.1', 'MLSSM-SOC', 'responsible'), ('3.1', 'SEZIM', 'co_executor'), ('3.1', 'AKZHUROK', 'co_executor'),
('3.2', 'MOH', 'responsible'), ('3.2', 'SEZIM', 'co_executor'), ('3.2', 'AKZHUROK', 'co_executor'),
('3.3', 'MLSSM-SOC', 'responsible'), ('3.3', 'MIA', 'co_executor'), ('3.3', 'IOM', 'co_executor'),
('3.4', 'MLSSM-SOC', 'responsible'), ('3.4', 'SEZIM', 'co_executor'), ('3.4', 'AKZHUROK', 'co_executor'),
('3.5', 'MLSSM-SOC', 'responsible'), ('3.5', 'BISHKEK-CITY', 'co_executor'), ('3.5', 'OSH-CITY', 'co_executor'), ('3.5', 'IOM', 'co_executor'),
('3.6', 'MLSSM-SOC', 'responsible'), ('3.6', 'IOM', 'co_executor'),
('4.1', 'MIA', 'responsible'), ('4.1', 'GPO', 'co_executor'), ('4.1', 'IOM', 'co_executor'),
('4.2', 'MIA', 'responsible'), ('4.2', 'GPO', 'co_executor'),
('4.3', 'GPO', 'responsible'), ('4.3', 'MIA', 'co_executor'),
('5.1', 'MLSSM-SOC', 'responsible'), ('5.1', 'SEZIM', 'co_executor'), ('5.1', 'AKZHUROK', 'co_executor'),
('5.2', 'MLSSM-CTU', 'responsible'), ('5.2', 'IOM', 'co_executor'),
('6.1', 'MLSSM-CTU', 'responsible'), ('6.1', 'MIA', 'co_executor'), ('6.1', 'GPO', 'co_executor'),
('6.2', 'MLSSM-CTU', 'responsible');

INSERT INTO measure_assistance_defaults (program, assistance_type, measure_code) VALUES
('2022-2025', 'shelter', '3.1'),
('2022-2025', 'psychological', '3.2'),
('2022-2025', 'medical', '3.2'),
('2022-2025', 'legal', '3.3'),
('2022-2025', 'documents', '3.3'),
('2022-2025', 'other', '3.4'),
('2022-2025', 'vocational_training', '3.5'),
('2022-2025', 'income_generation', '3.5'),
('2022-2025', 'employment', '3.5'),
('2022-2025', 'housing', '3.5'),
('2022-2025', 'education', '3.5'),
('2022-2025', 'financial', '3.5'),
('2022-2025', 'homecoming', '3.6'),
('2022-2025', 'family_reunification', '3.6');

-- Program indicators (Appendix 3): baseline and yearly targets per program,
-- as the official matrix gives them (none is shipped: the official values
-- are not public; the matrix shows them empty until they are recorded).
CREATE TABLE indicator_targets (
    program    text NOT NULL REFERENCES programs (code),
    indicator  text NOT NULL CHECK (indicator ~ '^[a-z_]{1,64}$'),
    year       integer CHECK (year BETWEEN 2000 AND 2100),
    -- A row without a year is the baseline.
    value      numeric(14, 2) NOT NULL CHECK (value >= 0),
    UNIQUE NULLS NOT DISTINCT (program, indicator, year)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON indicator_targets TO jardam_app;

-- The indicators' narrow doors: aggregate figures over every organization's
-- records, for a period that has ended. They run with the owner's rights
-- (past row-level security) and return counts, sums and day totals only:
-- never a case id, an identity column or an organization. The service
-- suppresses small figures before anyone sees them. Periods are instants
-- [p_from, p_to) for times and the dates [d_from, d_to) in Asia/Bishkek for
-- dates.
CREATE FUNCTION jardam_indicator_period_ended(p_to timestamptz) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_to > now() THEN
        RAISE EXCEPTION 'indicators cover ended periods only' USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;

-- Persons identified: cases identified in the period whose trafficking
-- status is not not_a_victim, by sex and age bracket.
CREATE FUNCTION jardam_indicator_identified(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (sex text, age_bracket text, persons bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    RETURN QUERY
    SELECT c.sex, c.age_bracket, count(*)
    FROM cases c
    WHERE c.identified_at >= p_from AND c.identified_at < p_to
      AND c.trafficking_status IS DISTINCT FROM 'not_a_victim'
    GROUP BY c.sex, c.age_bracket;
END;
$$;

-- Persons assisted: distinct cases with assistance active in the period, by
-- assistance type (type NULL: all types together). Assistance is active
-- when it was given (in_progress or completed) and its dates overlap the
-- period: from started_on (or the day it was recorded) to ended_on (or,
-- for completed assistance without an end date, the day it was last
-- changed; open while in progress).
CREATE FUNCTION jardam_indicator_assisted(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (type text, persons bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d_from date := (p_from AT TIME ZONE 'Asia/Bishkek')::date;
    d_to   date := (p_to AT TIME ZONE 'Asia/Bishkek')::date;
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    RETURN QUERY
    SELECT a.type, count(DISTINCT a.case_id)
    FROM assistance a
    WHERE a.status IN ('in_progress', 'completed')
      AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date) < d_to
      AND coalesce(a.ended_on, CASE WHEN a.status = 'completed' THEN (a.updated_at AT TIME ZONE 'Asia/Bishkek')::date END,
                   'infinity'::date) >= d_from
    GROUP BY GROUPING SETS ((a.type), ());
END;
$$;

-- Referrals answered on time: of the referrals due in the period, how many
-- were answered (accepted or declined) before their due time.
CREATE FUNCTION jardam_indicator_referrals_on_time(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (due bigint, on_time bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    RETURN QUERY
    SELECT count(*), count(*) FILTER (WHERE r.responded_at IS NOT NULL AND r.responded_at < r.due_at)
    FROM referrals r
    WHERE r.due_at >= p_from AND r.due_at < p_to;
END;
$$;

-- Shelter stays ended in the period: shelter assistance (not declined)
-- with both dates and ended_on in the period; days = ended_on - started_on.
CREATE FUNCTION jardam_indicator_shelter_days(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (stays bigint, persons bigint, days bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d_from date := (p_from AT TIME ZONE 'Asia/Bishkek')::date;
    d_to   date := (p_to AT TIME ZONE 'Asia/Bishkek')::date;
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    RETURN QUERY
    SELECT count(*), count(DISTINCT a.case_id), coalesce(sum(a.ended_on - a.started_on), 0)::bigint
    FROM assistance a
    WHERE a.type = 'shelter' AND a.status <> 'declined' AND a.started_on IS NOT NULL
      AND a.ended_on >= d_from AND a.ended_on < d_to;
END;
$$;

-- Persons reintegrated: cases closed with the reason reintegrated, whose
-- closing move falls in the period.
CREATE FUNCTION jardam_indicator_reintegrated(p_from timestamptz, p_to timestamptz)
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE n bigint;
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    SELECT count(*) INTO n
    FROM cases c
    WHERE c.status = 'closed' AND c.closure_reason = 'reintegrated'
      AND (SELECT max(m.moved_at) FROM case_stage_moves m WHERE m.case_id = c.id AND m.to_stage = 'closed') >= p_from
      AND (SELECT max(m.moved_at) FROM case_stage_moves m WHERE m.case_id = c.id AND m.to_stage = 'closed') < p_to;
    RETURN n;
END;
$$;

-- Homecomings: completed homecoming assistance that ended in the period
-- (ended_on, or the day it was last changed when no end date is recorded),
-- with the number of distinct persons.
CREATE FUNCTION jardam_indicator_homecomings(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (homecomings bigint, persons bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d_from date := (p_from AT TIME ZONE 'Asia/Bishkek')::date;
    d_to   date := (p_to AT TIME ZONE 'Asia/Bishkek')::date;
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    RETURN QUERY
    SELECT count(*), count(DISTINCT a.case_id)
    FROM assistance a
    WHERE a.type = 'homecoming' AND a.status = 'completed'
      AND coalesce(a.ended_on, (a.updated_at AT TIME ZONE 'Asia/Bishkek')::date) >= d_from
      AND coalesce(a.ended_on, (a.updated_at AT TIME ZONE 'Asia/Bishkek')::date) < d_to;
END;
$$;

-- Activities of every organization held in the period: events held (every
-- kind but publications), people reached, and officials trained
-- (participants of trainings).
CREATE FUNCTION jardam_indicator_activities(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (events bigint, people_reached bigint, officials_trained bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d_from date := (p_from AT TIME ZONE 'Asia/Bishkek')::date;
    d_to   date := (p_to AT TIME ZONE 'Asia/Bishkek')::date;
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    RETURN QUERY
    SELECT count(*) FILTER (WHERE a.kind <> 'publication'),
           coalesce(sum(a.people_reached), 0)::bigint,
           coalesce(sum(a.participants_female + a.participants_male + a.participants_other) FILTER (WHERE a.kind = 'training'), 0)::bigint
    FROM activities a
    WHERE a.held_on >= d_from AND a.held_on < d_to;
END;
$$;

DO $$
DECLARE f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['jardam_indicator_identified', 'jardam_indicator_assisted', 'jardam_indicator_referrals_on_time',
                             'jardam_indicator_shelter_days', 'jardam_indicator_reintegrated', 'jardam_indicator_homecomings',
                             'jardam_indicator_activities'] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %I(timestamptz, timestamptz) FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I(timestamptz, timestamptz) TO jardam_app', f);
    END LOOP;
END;
$$;
