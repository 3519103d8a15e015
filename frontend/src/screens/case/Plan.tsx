import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { api } from '../../lib/api';
import { GOAL_STATUSES } from '../../lib/enums';
import { type Goal, type Plan } from '../../lib/types';
import { ErrorText } from '../common';

export function PlanPanel({ caseId, canWrite }: { caseId: string; canWrite: boolean }) {
  const { t, tx, f } = useI18n();
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
      <form onSubmit={submit} className="stack" data-testid="plan-form">
        <label>
          {t('plan.needs')}
          <textarea
            name="needs_assessment"
            autoComplete="off"
            rows={3}
            value={needs}
            readOnly={!canWrite}
            onChange={(e) => {
              setSaved(false);
              setNeeds(e.target.value);
            }}
            maxLength={20000}
          />
        </label>
        <fieldset className="plain">
          <legend>{t('plan.goals')}</legend>
          {goals.length === 0 && <p className="muted">{t('plan.noGoals')}</p>}
          <ol className="goals">
            {goals.map((g, i) => (
              <li key={g.id ?? `new-${i}`} className="row wrap">
                <label className="grow">
                  {t('plan.goal')} {i + 1}
                  <input
                    value={g.text}
                    readOnly={!canWrite}
                    autoComplete="off"
                    maxLength={2000}
                    onChange={(e) => setGoal(i, { text: e.target.value })}
                  />
                </label>
                <label>
                  {t('plan.due')}
                  <input
                    type="date"
                    value={g.due_on ?? ''}
                    readOnly={!canWrite}
                    onChange={(e) => setGoal(i, { due_on: e.target.value || undefined })}
                  />
                </label>
                <label>
                  {t('plan.status')}
                  <select
                    value={g.status}
                    disabled={!canWrite}
                    onChange={(e) => setGoal(i, { status: e.target.value })}
                  >
                    {GOAL_STATUSES.map((s) => (
                      <option key={s} value={s}>
                        {tx('goal', s)}
                      </option>
                    ))}
                  </select>
                </label>
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
        {saved && (
          <p role="status" className="ok">
            {t('case.saved')}
          </p>
        )}
      </form>
      <ErrorText error={error} />
    </div>
  );
}
