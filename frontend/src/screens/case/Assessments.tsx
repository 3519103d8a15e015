// A case's assessments (safety, needs, reintegration): the form of each kind
// from its definition, with the score shown as it is filled in, and the
// assessments recorded, newest first. The owning organization's side only.
import { useState, type FormEvent } from 'react';
import { translate, useI18n } from '../../i18n';
import { api, type Page } from '../../lib/api';
import {
  ASSESSMENT_KINDS,
  assessmentBody,
  scoreOf,
  type Assessment,
  type AssessmentAnswer,
  type AssessmentDefinition,
  type AssessmentKind,
} from '../../lib/casework';
import { RISKS } from '../../lib/enums';
import { useResource } from '../../lib/resource';
import { ErrorText, RiskBadge, useIdempotencyKey } from '../common';
import { bind, Check, Done, EnumSelect, Input, Select, TextArea, plainOptions, DateField } from '../form';

/** The label of an assessment's item, dimension or kind (casework dictionaries). */
function useLabel() {
  const { lang } = useI18n();
  return (prefix: 'aitem' | 'adim' | 'akind', key: string) => translate(lang, `${prefix}.${key}`);
}

/** Formats a score from 0 to 1 as a percentage, others (mean need) as a number. */
function scoreText(kind: AssessmentKind, score: number): string {
  return kind === 'needs' ? score.toFixed(2) : `${Math.round(score * 100)}%`;
}

export function AssessmentsPanel({
  caseId,
  canCreate,
  onSaved,
}: {
  caseId: string;
  canCreate: boolean;
  onSaved: () => Promise<void>;
}) {
  const { t, f } = useI18n();
  const label = useLabel();
  const defs = useResource<Page<AssessmentDefinition>>('/assessment-definitions');
  const list = useResource<Page<Assessment>>(`/cases/${caseId}/assessments`);
  const items = list.data?.items ?? [];
  return (
    <div className="panel" id="sec-assessments">
      <h2>{t('cw.assessments')}</h2>
      <ErrorText error={list.error ?? defs.error} />
      {items.length === 0 ? (
        <p className="muted">{t('cw.noAssessments')}</p>
      ) : (
        <ul className="assessments" data-testid="assessments">
          {items.map((a) => (
            <li key={a.id}>
              <strong>{label('akind', a.kind)}</strong> <span className="muted small">{f.date(a.assessed_on)}</span>{' '}
              <span className="badge score">
                {t('cw.score')}: {scoreText(a.kind, a.score)}
              </span>{' '}
              {a.level && <RiskBadge risk={a.level} />}
              {a.dimension_scores && (
                <span className="muted small">
                  {' '}
                  {Object.entries(a.dimension_scores)
                    .map(([d, s]) => `${label('adim', d)} ${Math.round(s * 100)}%`)
                    .join(' · ')}
                </span>
              )}
              {a.note && (
                <p translate="no" className="small">
                  {a.note}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      {canCreate && defs.data && (
        <AssessmentForm
          caseId={caseId}
          defs={defs.data.items}
          onSaved={async () => {
            list.reload();
            await onSaved();
          }}
        />
      )}
    </div>
  );
}

/** The current definition of each kind (the highest version). */
function current(defs: AssessmentDefinition[], kind: AssessmentKind): AssessmentDefinition | undefined {
  return defs.filter((d) => d.kind === kind).sort((a, b) => b.version - a.version)[0];
}

function AssessmentForm({
  caseId,
  defs,
  onSaved,
}: {
  caseId: string;
  defs: AssessmentDefinition[];
  onSaved: () => Promise<void>;
}) {
  const { t, tx } = useI18n();
  const label = useLabel();
  const [kind, setKind] = useState<AssessmentKind | ''>('');
  const [answers, setAnswers] = useState<Record<string, AssessmentAnswer>>({});
  const [level, setLevel] = useState('');
  const [note, setNote] = useState('');
  const [on, setOn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [key, nextKey] = useIdempotencyKey();
  const def = kind ? current(defs, kind) : undefined;
  const scored = def ? scoreOf(def, answers) : null;
  const set = (k: string, a: AssessmentAnswer) => {
    setDone(false);
    setAnswers({ ...answers, [k]: { ...answers[k], ...a } });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!def) return;
    setError(null);
    try {
      await api(`/cases/${caseId}/assessments`, {
        method: 'POST',
        body: assessmentBody(def, answers, { level, note, assessed_on: on }),
        headers: { 'Idempotency-Key': key },
      });
      nextKey();
      setAnswers({});
      setLevel('');
      setNote('');
      setOn('');
      setKind('');
      setDone(true);
      await onSaved();
    } catch (err) {
      setError(err);
    }
  };

  const dims = def?.dimensions?.length ? def.dimensions : [''];
  return (
    <form onSubmit={submit} className="stack" data-testid="assessment-form">
      <h3>{t('cw.newAssessment')}</h3>
      <div className="row wrap">
        <Select
          label={t('cw.kind')}
          name="kind"
          empty="—"
          options={ASSESSMENT_KINDS.map((k) => ({ value: k, label: label('akind', k) }))}
          value={kind}
          onValue={(v) => {
            setKind(v as AssessmentKind | '');
            setAnswers({});
            setDone(false);
          }}
        />
        {def && <DateField label={t('cw.assessedOn')} name="assessed_on" {...bind(on, setOn)} />}
      </div>
      {def && (
        <>
          {def.kind !== 'safety' && (
            <p className="muted small">{t(def.kind === 'needs' ? 'cw.scaleNeeds' : 'cw.scaleReint')}</p>
          )}
          {dims.map((dim) => (
            <fieldset key={dim || 'items'} className="plain assessment-items">
              <legend>{dim ? label('adim', dim) : label('akind', def.kind)}</legend>
              {def.items
                .filter((it) => !dim || it.dimension === dim)
                .map((it) =>
                  it.max === 0 ? (
                    <Check
                      key={it.key}
                      name={`answers.${it.key}`}
                      label={label('aitem', it.key)}
                      checked={!!answers[it.key]?.present}
                      onChange={(present) => set(it.key, { present })}
                    />
                  ) : (
                    <div key={it.key} className="row wrap assessment-item">
                      <Select
                        labelClass="grow"
                        label={label('aitem', it.key)}
                        name={`answers.${it.key}`}
                        required
                        empty="—"
                        options={plainOptions(Array.from({ length: it.max - it.min + 1 }, (_, i) => it.min + i))}
                        value={answers[it.key]?.score === undefined ? '' : String(answers[it.key]?.score)}
                        onValue={(v) => set(it.key, { score: v === '' ? undefined : Number(v) })}
                      />
                      {def.kind === 'needs' && (
                        <Input
                          labelClass="grow"
                          label={`${t('cw.itemNote')}: ${label('aitem', it.key)}`}
                          maxLength={2000}
                          value={answers[it.key]?.note ?? ''}
                          onValue={(v) => set(it.key, { note: v })}
                        />
                      )}
                    </div>
                  ),
                )}
            </fieldset>
          ))}
          {scored && <LiveScore def={def} scored={scored} />}
          {def.kind === 'safety' && (
            <EnumSelect
              label={t('cw.level')}
              name="level"
              of="risk"
              values={RISKS}
              empty={`${t('cw.levelSuggested')}: ${tx('risk', scored?.level)}`}
              {...bind(level, setLevel)}
            />
          )}
          <TextArea label={t('cw.overallNote')} name="note" rows={2} maxLength={20000} {...bind(note, setNote)} />
          <div>
            <button type="submit">{t('cw.saveAssessment')}</button>
          </div>
        </>
      )}
      <Done show={done} text={t('case.saved')} />
      <ErrorText error={error} />
    </form>
  );
}

/** The score so far, read out as it changes. */
function LiveScore({ def, scored }: { def: AssessmentDefinition; scored: ReturnType<typeof scoreOf> }) {
  const { t, tx } = useI18n();
  const label = useLabel();
  return (
    <div className="live-score" role="status" aria-live="polite" data-testid="live-score">
      <span>
        {t('cw.answered')}: {def.kind === 'safety' ? def.items.length : scored.answered}/{def.items.length}
      </span>
      <strong>
        {t('cw.score')}: {scoreText(def.kind, scored.score)}
      </strong>
      {scored.level && (
        <span>
          {t('cw.levelSuggested')}: {tx('risk', scored.level)}
        </span>
      )}
      {scored.dimensions &&
        Object.entries(scored.dimensions).map(([d, s]) => (
          <span key={d}>
            {label('adim', d)}: {Math.round(s * 100)}%
          </span>
        ))}
    </div>
  );
}
