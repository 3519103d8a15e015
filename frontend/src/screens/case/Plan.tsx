import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api } from '../../lib/api';
import { GOAL_STATUSES } from '../../lib/enums';
import { type Goal, type Plan } from '../../lib/types';
import { Done, Input, TextArea, EnumSelect, DateField } from '../form';
import { ErrorText } from '../common';

export function PlanPanel({ caseId, canWrite }: { caseId: string; canWrite: boolean }) {
  const { t, f } = useI18n();
  const [plan, setPlan] = useState<Plan | null>(null);
  const [needs, setNeeds] = useState('');
  const [goals, setGoals] = useState<Goal[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const load = useCallback(async () => {
    try {
      const p = await api<Plan>(`/cases/${caseId}/plan`);
      setPlan(p);
      setNeeds(p.needs_assessment ?? '');
      setGoals(p.goals ?? []);
    } catch (e) {
      setError(e);
    }
  }, [caseId]);
  useEffect(() => {
    void load();
  }, [load]);

  const setGoal = (i: number, g: Partial<Goal>) => {
    setSaved(false);
    setGoals(goals.map((x, j) => (j === i ? { ...x, ...g } : x)));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!plan) return;
    setError(null);
    setSaved(false);
    const body: Record<string, unknown> = {
      needs_assessment: needs,
      goals: goals
        .filter((g) => g.text.trim())
        .map((g) => ({
          ...(g.id ? { id: g.id } : {}),
          text: g.text.trim(),
          status: g.status,
          ...(g.due_on ? { due_on: g.due_on } : {}),
        })),
    };
    if (plan.version > 0) body.version = plan.version;
    try {
      const p = await api<Plan>(`/cases/${caseId}/plan`, { method: 'PUT', body });
      setPlan(p);
      setNeeds(p.needs_assessment ?? '');
      setGoals(p.goals ?? []);
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };

  if (!plan)
    return (
      <div className="panel" id="sec-plan">
        <h2>{t('plan.title')}</h2>
        {error ? <ErrorText error={error} /> : <p role="status">{t('common.loading')}</p>}
      </div>
    );
  return (
    <div className="panel" id="sec-plan">
      <h2>{t('plan.title')}</h2>
      {plan.updated_at && (
        <p className="muted small">
          {t('plan.updated')} {f.dateTime(plan.updated_at)}
        </p>
      )}
      {plan.approved && plan.approved_at && (
        <p>
          <span className="badge valid" data-testid="plan-approved">
            {t('plan.approved')}
          </span>{' '}
          <span className="muted small">{f.dateTime(plan.approved_at)}</span>
        </p>
      )}
      {!plan.approved && plan.approved_version != null && (
        <p className="muted small" data-testid="plan-changed">
          {t('plan.changedSinceApproval')}
        </p>
      )}
      <form onSubmit={submit} className="stack" data-testid="plan-form">
        <TextArea
          label={t('plan.needs')}
          name="needs_assessment"
          rows={3}
          maxLength={20000}
          readOnly={!canWrite}
          value={needs}
          onValue={(v) => {
            setSaved(false);
            setNeeds(v);
          }}
        />
        <fieldset className="plain">
          <legend>{t('plan.goals')}</legend>
          {goals.length === 0 && <p className="muted">{t('plan.noGoals')}</p>}
          <ol className="goals">
            {goals.map((g, i) => (
              <li key={g.id ?? `new-${i}`} className="row wrap">
                <Input
                  labelClass="grow"
                  label={`${t('plan.goal')} ${i + 1}`}
                  readOnly={!canWrite}
                  maxLength={2000}
                  value={g.text}
                  onValue={(text) => setGoal(i, { text })}
                />
                <DateField
                  label={t('plan.due')}
                  readOnly={!canWrite}
                  value={g.due_on ?? ''}
                  onValue={(v) => setGoal(i, { due_on: v || undefined })}
                />
                <EnumSelect
                  label={t('plan.status')}
                  disabled={!canWrite}
                  of="goal"
                  values={GOAL_STATUSES}
                  value={g.status}
                  onValue={(status) => setGoal(i, { status })}
                />
                {canWrite && (
                  <div className="row end">
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() => setGoals(goals.filter((_, j) => j !== i))}
                    >
                      {t('plan.removeGoal')}
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ol>
          {canWrite && (
            <button
              type="button"
              className="secondary"
              onClick={() => setGoals([...goals, { text: '', status: 'open' }])}
            >
              {t('plan.addGoal')}
            </button>
          )}
        </fieldset>
        {canWrite && (
          <div>
            <button type="submit">{t('plan.save')}</button>
          </div>
        )}
        <Done show={saved} text={t('case.saved')} />
      </form>
      <ErrorText error={error} />
    </div>
  );
}
