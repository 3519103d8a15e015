import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useI18n, type Key } from '../i18n';
import { api, type Page } from '../lib/api';
import { linkTo } from '../lib/router';
import type { Case, CaseAction, Me, StageMove } from '../lib/types';
import { CLOSURE_REASONS, type EnumName } from '../lib/enums';
import { Confirm, ErrorText, ReflectionBadge, RiskBadge, StageBadge } from './common';
import { bind, Done, FormButtons, Input, EnumSelect } from './form';
import { AccessLogPanel, AssignPanel } from './case/Supervision';
import { ConsentsPanel } from './case/Consents';
import { CaseReferralsPanel } from './case/CaseReferrals';
import { AssistancePanel } from './case/Assistance';
import { PlanPanel } from './case/Plan';
import { NotesPanel } from './case/Notes';
import { DocumentsPanel } from './case/Documents';
import { PrintPanel } from './case/Print';
import { ErasurePanel } from './case/Erasure';
import { EditAttributes } from './case/EditAttributes';
import { EditIdentity } from './case/EditIdentity';
import { AssessmentsPanel } from './case/Assessments';
import { ApprovalsPanel } from './case/Approvals';
import { FlagBadges, FlagsPanel } from './case/Flags';
import { FollowUpsPanel } from './case/FollowUps';
import { PeoplePanel } from './case/People';

/** The case page's sections, each shown in its table of contents when the case allows `action`. */
const SECTIONS: { id: string; label: Key; action?: CaseAction }[] = [
  { id: 'sec-timeline', label: 'case.timeline' },
  { id: 'sec-consents', label: 'case.consents', action: 'consent_list' },
  { id: 'sec-referrals', label: 'case.referrals', action: 'referral_list' },
  { id: 'sec-assistance', label: 'case.assistance', action: 'assistance_list' },
  { id: 'sec-assessments', label: 'cw.assessments', action: 'assessment_list' },
  { id: 'sec-plan', label: 'plan.title', action: 'plan_read' },
  { id: 'sec-people', label: 'cw.people', action: 'person_list' },
  { id: 'sec-follow-ups', label: 'cw.followUps', action: 'follow_up_list' },
  { id: 'sec-approvals', label: 'cw.approvals', action: 'approval_list' },
  { id: 'sec-flags', label: 'cw.flags', action: 'flag_create' },
  { id: 'sec-documents', label: 'case.documents', action: 'document_list' },
  { id: 'sec-print', label: 'print.title', action: 'case_handover' },
  { id: 'sec-notes', label: 'case.notes', action: 'note_list' },
  { id: 'sec-erasure', label: 'erasure.title', action: 'erasure_request' },
];

export function CasePage({ id, me }: { id: string; me: Me }) {
  const { t } = useI18n();
  const [c, setCase] = useState<Case | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Consents change what a referral may carry: the referral form reloads them.
  const [consentsVersion, setConsentsVersion] = useState(0);
  // A signed consent form attached from the consents panel joins the documents.
  const [documentsVersion, setDocumentsVersion] = useState(0);

  const reload = useCallback(async () => {
    try {
      setCase(await api<Case>(`/cases/${id}`));
    } catch (e) {
      setError(e);
    }
  }, [id]);
  useEffect(() => {
    setCase(null);
    setError(null);
    void reload();
  }, [reload]);

  if (error)
    return (
      <section>
        <ErrorText error={error} />
        <BackLink />
      </section>
    );
  if (!c) return <p role="status">{t('common.loading')}</p>;
  // What the caller may do on this case, as the server computed it.
  const may = (a: CaseAction) => c.allowed_actions?.includes(a) ?? false;
  return (
    <section className="case">
      <BackLink />
      <div className="page-head">
        <h1>
          {t('case.title')} <span className="code">{c.code}</span>
        </h1>
        <div className="row wrap">
          <StageBadge stage={c.stage} />
          <ReflectionBadge c={c} />
          <FlagBadges flags={c.flags} />
          {c.needs_guardian && (
            <span className="badge flag" data-testid="needs-guardian">
              {t('cw.needsGuardian')}
            </span>
          )}
        </div>
      </div>
      <nav aria-label={t('case.sections')} className="toc">
        <ul>
          {SECTIONS.filter((s) => !s.action || may(s.action)).map((s) => (
            <li key={s.id}>
              <a href={`#${s.id}`}>{t(s.label)}</a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="grid2">
        <IdentityPanel c={c} edit={may('update') && !!c.identity ? reload : null} />
        <AttributesPanel c={c} edit={may('update') ? reload : null} />
      </div>
      <Timeline c={c} targets={may('move_stage') ? (c.allowed_stages ?? []) : []} onMoved={reload} />
      {may('assign') && <AssignPanel c={c} me={me} onChanged={reload} />}
      {may('consent_list') && (
        <ConsentsPanel
          caseId={c.id}
          canCreate={may('consent_create')}
          canWithdraw={may('consent_withdraw')}
          canAttach={may('document_create')}
          onChanged={() => setConsentsVersion((v) => v + 1)}
          onAttached={() => setDocumentsVersion((v) => v + 1)}
        />
      )}
      {may('referral_list') && (
        <CaseReferralsPanel c={c} me={me} canCreate={may('refer')} consentsVersion={consentsVersion} />
      )}
      {may('assistance_list') && (
        <AssistancePanel
          c={c}
          me={me}
          canCreate={may('assistance_create')}
          canUpdate={me.permissions.includes('assistance.update')}
        />
      )}
      {may('assessment_list') && (
        <AssessmentsPanel caseId={c.id} canCreate={may('assessment_create')} onSaved={reload} />
      )}
      {may('plan_read') && <PlanPanel caseId={c.id} canWrite={may('plan_edit')} />}
      {may('person_list') && <PeoplePanel caseId={c.id} canCreate={may('person_create')} />}
      {may('follow_up_list') && <FollowUpsPanel caseId={c.id} canCreate={may('follow_up_create')} />}
      {may('approval_list') && (
        <ApprovalsPanel
          c={c}
          me={me}
          canRequest={may('approval_request')}
          canDecide={may('approval_decide')}
          onChanged={reload}
        />
      )}
      {(may('flag_create') || may('flag_remove')) && (
        <FlagsPanel c={c} canCreate={may('flag_create')} canRemove={may('flag_remove')} onChanged={reload} />
      )}
      {may('document_list') && (
        <DocumentsPanel
          key={documentsVersion}
          caseId={c.id}
          canUpload={may('document_create')}
          canRemove={may('document_remove')}
        />
      )}
      {(may('case_file') || may('case_handover') || may('subject_access')) && (
        <PrintPanel
          caseId={c.id}
          canFile={may('case_file')}
          canHandover={may('case_handover')}
          canSubjectAccess={may('subject_access')}
        />
      )}
      {may('note_list') && <NotesPanel caseId={c.id} canCreate={may('note_create')} />}
      {may('access_log') && <AccessLogPanel caseId={c.id} />}
      {(may('erasure_request') || may('legal_hold') || (c.identity_erased && may('access_log'))) && (
        <ErasurePanel c={c} me={me} onChanged={reload} />
      )}
    </section>
  );
}

function BackLink() {
  const { t } = useI18n();
  return (
    <a href="/cases" onClick={linkTo('/cases')} className="back">
      ← {t('common.back')}
    </a>
  );
}

function Field({ label, value, free }: { label: string; value: string | null | undefined; free?: boolean }) {
  // Free text typed by people is marked translate="no".
  return (
    <>
      <dt>{label}</dt>
      <dd translate={free ? 'no' : undefined}>{value || '—'}</dd>
    </>
  );
}

function IdentityPanel({ c, edit }: { c: Case; edit: (() => Promise<void>) | null }) {
  const { t, f } = useI18n();
  const id = c.identity;
  return (
    <div className="panel">
      <h2>{t('case.identity')}</h2>
      {c.identity_erased ? (
        <p className="muted">{t('case.identityErased')}</p>
      ) : !id ? (
        <p className="muted">{t('case.identityHidden')}</p>
      ) : (
        <dl className="fields">
          <Field free label={t('cases.familyName')} value={id.family_name} />
          <Field free label={t('cases.givenName')} value={id.given_name} />
          <Field free label={t('cases.patronymic')} value={id.patronymic} />
          <Field free label={t('cases.birthDate')} value={id.birth_date ? f.date(id.birth_date) : null} />
          <Field free label={t('cases.documentNumber')} value={id.document_number} />
          <Field free label={t('cases.phone')} value={id.phone} />
          <Field free label={t('cases.address')} value={id.address} />
        </dl>
      )}
      {edit && <EditIdentity key={c.version} c={c} onSaved={edit} />}
    </div>
  );
}

function AttributesPanel({ c, edit }: { c: Case; edit: (() => Promise<void>) | null }) {
  const { t, tx, f } = useI18n();
  const list = (prefix: EnumName, values: string[] | null | undefined) =>
    values && values.length ? values.map((v) => tx(prefix, v)).join(', ') : null;
  return (
    <div className="panel">
      <h2>{t('case.attributes')}</h2>
      <dl className="fields">
        <dt>{t('cases.status')}</dt>
        <dd>{tx('status', c.status)}</dd>
        <dt>{t('cases.risk')}</dt>
        <dd>
          <RiskBadge risk={c.risk_level} />
        </dd>
        <Field label={t('cases.identifiedAt')} value={f.date(c.identified_at)} />
        <Field label={t('case.reflectionEnds')} value={c.reflection_ends_on ? f.date(c.reflection_ends_on) : null} />
        <Field label={t('case.traffickingStatus')} value={tx('tstatus', c.trafficking_status)} />
        <Field label={t('cases.sex')} value={tx('sex', c.sex)} />
        <Field label={t('cases.age')} value={c.age_bracket === 'unknown' ? t('age.unknown') : c.age_bracket} />
        <Field
          label={t('case.minor')}
          value={c.is_minor == null ? null : c.is_minor ? t('common.yes') : t('common.no')}
        />
        <Field label={t('case.citizenship')} value={c.citizenship} />
        <Field label={t('case.region')} value={c.region_of_origin ? tx('region', c.region_of_origin) : null} />
        <Field
          label={t('case.channel')}
          value={c.identification_channel ? tx('channel', c.identification_channel) : null}
        />
        <Field label={t('case.exploitation')} value={list('exploit', c.exploitation_types)} />
        <Field label={t('case.countries')} value={c.countries_of_exploitation?.join(', ')} />
        <Field label={t('case.measures')} value={c.measure_codes?.join(', ')} />
        {c.closure_reason && <Field label={t('case.closureReason')} value={tx('closure', c.closure_reason)} />}
      </dl>
      {edit && <EditAttributes key={c.version} c={c} onSaved={edit} />}
    </div>
  );
}

function Timeline({
  c,
  targets,
  onMoved,
}: {
  c: Case;
  /** The stages the caller may move the case to (allowed_stages). */
  targets: string[];
  onMoved: () => Promise<void>;
}) {
  const { t, tx, f } = useI18n();
  const [moves, setMoves] = useState<StageMove[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [stage, setStage] = useState('');
  const [reason, setReason] = useState('');
  const [done, setDone] = useState(false);
  // Closing cannot be undone by the person closing unless a supervisor reopens: asked first.
  const [asking, setAsking] = useState(false);

  const load = useCallback(async () => {
    try {
      setMoves((await api<Page<StageMove>>(`/cases/${c.id}/stages`)).items);
    } catch (e) {
      setError(e);
    }
  }, [c.id]);
  useEffect(() => {
    void load();
  }, [load, c.version]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!stage) return;
    if (stage === 'closed') setAsking(true);
    else void move();
  };
  const move = async () => {
    setAsking(false);
    setError(null);
    setDone(false);
    try {
      await api(`/cases/${c.id}/stage`, { method: 'POST', body: reason ? { stage, reason } : { stage } });
      setStage('');
      setReason('');
      setDone(true);
      await onMoved();
    } catch (err) {
      setError(err);
    }
  };

  const moveLabel: Key = c.stage === 'closed' ? 'case.reopen' : 'case.move';
  return (
    <div className="panel" id="sec-timeline">
      <h2>{t('case.timeline')}</h2>
      <ol className="timeline" data-testid="timeline">
        {moves.map((m) => (
          <li key={m.id}>
            <StageBadge stage={m.to_stage} />
            <span className="muted"> {f.dateTime(m.moved_at)}</span>
            {m.closure_reason ? (
              <span> · {tx('closure', m.closure_reason)}</span>
            ) : m.reason ? (
              <span translate="no"> · {m.reason}</span>
            ) : null}
          </li>
        ))}
      </ol>
      {targets.length > 0 && (
        <form onSubmit={submit} className="row wrap" data-testid="stage-form">
          <EnumSelect
            label={t(moveLabel)}
            name="stage"
            required
            empty="—"
            of="stage"
            values={targets}
            value={stage}
            onValue={(v) => {
              setStage(v);
              setReason('');
            }}
          />
          {stage === 'closed' ? (
            <EnumSelect
              label={t('case.closureReason')}
              name="closure_reason"
              required
              empty="—"
              of="closure"
              values={CLOSURE_REASONS}
              {...bind(reason, setReason)}
            />
          ) : (
            <Input label={t('case.reason')} name="reason" maxLength={2000} {...bind(reason, setReason)} />
          )}
          <FormButtons className="row end" submit={t('case.moveSubmit')} />
        </form>
      )}
      <Confirm
        open={asking}
        title={`${t('case.closeConfirmTitle')} ${c.code}`}
        text={`${t('case.closureReason')}: ${tx('closure', reason)}. ${t('case.closeConfirmText')}`}
        confirm={t('case.closeConfirm')}
        onConfirm={() => void move()}
        onCancel={() => setAsking(false)}
      />
      <Done show={done} text={t('case.moved')} />
      <ErrorText error={error} />
    </div>
  );
}
