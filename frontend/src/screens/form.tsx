// The form's building blocks: a labelled input, select or text area with an
// optional hint and error (both tied to the control by aria-describedby), the
// option lists of enumerations and organizations, a form's buttons, its
// messages, and a row's button that names the row for screen readers.
import {
  useEffect,
  useId,
  useRef,
  useState,
  type KeyboardEvent,
  type FormEvent,
  type InputHTMLAttributes,
  type InvalidEvent,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';
import { useI18n } from '../i18n';
import type { EnumName } from '../lib/enums';
import { formatDay, parseDay } from '../lib/format';
import type { Organization } from '../lib/types';

/** What every field has besides its control: a label, a hint below it, an error. */
interface Described {
  label: ReactNode;
  /** Help shown below the field (class "muted small"). */
  hint?: ReactNode;
  /** true marks the control invalid; a text also shows it below the field as an alert. */
  error?: boolean | string;
  labelClass?: string;
}

/** The ARIA attributes a field gives its control: its hint and error, and whether it is invalid. */
interface FieldAria {
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

/**
 * A field: its label with the label's text first and then the control, as
 * in every form of the app; below it the hint and the error, tied to the
 * control by aria-describedby.
 */
function Field({ label, hint, error, labelClass, control }: Described & { control: (aria: FieldAria) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = typeof error === 'string' && error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <label className={labelClass}>
        {label}
        {control({ 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      </label>
      {hintId && (
        <p className="muted small" id={hintId}>
          {hint}
        </p>
      )}
      {errorId && (
        <p className="error" role="alert" id={errorId}>
          {error}
        </p>
      )}
    </>
  );
}

/** A field's own props split from its control's. */
type FieldProps<A> = Described & Omit<A, 'onChange'> & { onValue: (value: string) => void };

/**
 * A text field's props split into the field's and its control's; the control
 * reports its value, and the browser does not remember what is typed unless
 * `autoComplete` says.
 */
function textField<P extends Described & { onValue: (value: string) => void }>(props: P) {
  const { label, hint, error, labelClass, onValue, ...control } = props;
  return {
    field: { label, hint, error, labelClass },
    control: {
      autoComplete: 'off',
      ...control,
      onChange: (e: { target: { value: string } }) => onValue(e.target.value),
    },
  };
}

/** A labelled input. */
export function Input(props: FieldProps<InputHTMLAttributes<HTMLInputElement>>) {
  const { field, control } = textField(props);
  return <Field {...field} control={(aria) => <input {...aria} {...control} />} />;
}

/** A labelled text area. */
export function TextArea(props: FieldProps<TextareaHTMLAttributes<HTMLTextAreaElement>>) {
  const { field, control } = textField(props);
  return <Field {...field} control={(aria) => <textarea {...aria} {...control} />} />;
}

/** The day before or after a calendar day (YYYY-MM-DD). */
function dayAfter(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Today in Asia/Bishkek (UTC+6, no daylight saving), as YYYY-MM-DD. */
function todayInBishkek(): string {
  return new Date(Date.now() + 6 * 3600_000).toISOString().slice(0, 10);
}

type DateFieldProps = Described & {
  /** The day as YYYY-MM-DD, or '' for none. */
  value: string;
  /** Gets the day typed as YYYY-MM-DD, or '' while the field is empty or holds no day. */
  onValue: (value: string) => void;
  name?: string;
  required?: boolean;
  readOnly?: boolean;
  disabled?: boolean;
  translate?: 'yes' | 'no';
  /** The earliest and latest days allowed (YYYY-MM-DD). */
  min?: string;
  max?: string;
};

/**
 * A calendar day as the app's language writes it (dd.mm.yyyy in Russian and
 * Kyrgyz, dd/mm/yyyy in English) whatever the browser's own locale, where a
 * native date input would follow the browser (mm/dd/yyyy under an American
 * one). A text input: it also takes 8.3.2025 and 2025-03-08, writes the day
 * in the language's form once left, moves it a day with the arrow keys, and
 * stops the form with the app's message (in the bubble and below the field)
 * while the text is no day or lies outside min and max.
 */
export function DateField({ label, hint, error, labelClass, value, onValue, min, max, ...rest }: DateFieldProps) {
  const { t, lang } = useI18n();
  const [text, setText] = useState(() => formatDay(value, lang));
  // The value and language the text shows; another value from outside (a
  // reset, another record) or another language writes the text anew.
  const [shows, setShows] = useState({ value, lang });
  const [left, setLeft] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  if (shows.value !== value || shows.lang !== lang) {
    setShows({ value, lang });
    setText(formatDay(value, lang));
  }
  const iso = parseDay(text);
  let problem = '';
  if (text.trim() === '' ? rest.required : !iso) problem = t('date.invalid');
  else if (iso && min && iso < min) problem = `${t('date.min')} ${formatDay(min, lang)}`;
  else if (iso && max && iso > max) problem = `${t('date.max')} ${formatDay(max, lang)}`;
  useEffect(() => ref.current?.setCustomValidity(problem), [problem]);

  const change = (next: string) => {
    setText(next);
    const day = parseDay(next) ?? '';
    setShows({ value: day, lang });
    if (day !== value) onValue(day);
  };
  const step = (e: KeyboardEvent<HTMLInputElement>) => {
    if (rest.readOnly || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    change(formatDay(dayAfter(iso ?? todayInBishkek(), e.key === 'ArrowUp' ? 1 : -1), lang));
  };
  return (
    <Field
      label={
        <>
          {label} <span className="muted small">({t('date.format')})</span>
        </>
      }
      {...{ hint, labelClass }}
      error={error || (left && problem) || undefined}
      control={(aria) => (
        <input
          {...aria}
          {...rest}
          ref={ref}
          type="text"
          inputMode="numeric"
          autoComplete="off"
          maxLength={10}
          size={10}
          placeholder={t('date.format')}
          data-date-field=""
          value={text}
          onChange={(e) => change(e.target.value)}
          onKeyDown={step}
          onInvalid={() => setLeft(true)}
          onBlur={() => {
            setLeft(true);
            if (iso) setText(formatDay(iso, lang));
          }}
        />
      )}
    />
  );
}

/** An option of a Select; `personal` marks a person's name, kept from translation. */
export interface Option {
  value: string | number;
  label: ReactNode;
  personal?: boolean;
  /** Shown but not choosable (its label says why). */
  disabled?: boolean;
}

type SelectProps = FieldProps<SelectHTMLAttributes<HTMLSelectElement>> & {
  options: readonly Option[];
  /** The label of a first option with the empty value ("—", "All"); none when absent. */
  empty?: ReactNode;
};

/** A labelled select of the given options. */
export function Select({ label, hint, error, labelClass, options, empty, onValue, ...rest }: SelectProps) {
  return (
    <Field
      {...{ label, hint, error, labelClass }}
      control={(aria) => (
        <select {...aria} {...rest} onChange={(e) => onValue(e.target.value)}>
          {empty !== undefined && <option value="">{empty}</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value} translate={o.personal ? 'no' : undefined} disabled={o.disabled}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

/** A field's value and its setter, as the field's props: `<Input {...bind(name, setName)} />`. */
export function bind(value: string, set: (v: string) => void): { value: string; onValue: (v: string) => void } {
  return { value, onValue: set };
}

/**
 * Binds a field of a draft object: `const field = bindDraft(d, setD)`, then
 * `<Input {...field('title')} />` (the field's name is its key).
 */
export function bindDraft<D extends object>(d: D, setD: (d: D) => void) {
  return (k: keyof D & string) => ({
    name: k,
    value: String(d[k] ?? ''),
    onValue: (v: string) => setD({ ...d, [k]: v }),
  });
}

/** A checkbox with its label after it. */
export function Check({
  label,
  checked,
  onChange,
  name,
  disabled,
  className = 'check',
}: {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  name?: string;
  disabled?: boolean;
  className?: string;
}) {
  return (
    <label className={className}>
      <input
        type="checkbox"
        name={name}
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
      />{' '}
      {label}
    </label>
  );
}

/** Toggles a value in a list of chosen values. */
export function toggled<T>(list: readonly T[], v: T): T[] {
  return list.includes(v) ? list.filter((x) => x !== v) : [...list, v];
}

/**
 * A group of checkboxes choosing several values: a fieldset with its legend.
 * `namePrefix` names each box (prefix + value); `dim` shows a value muted
 * (offered elsewhere, still choosable); an option `disabled` is shown and
 * not choosable (its label says why); `children` stand after the legend.
 */
export function Checks({
  legend,
  options,
  chosen,
  onChange,
  namePrefix,
  dim,
  className = 'checks',
  children,
}: {
  legend: ReactNode;
  options: readonly Option[];
  chosen: readonly string[];
  onChange: (chosen: string[]) => void;
  namePrefix?: string;
  dim?: (value: string) => boolean;
  className?: string;
  children?: ReactNode;
}) {
  return (
    <fieldset className={className}>
      <legend>{legend}</legend>
      {children}
      {options.map((o) => {
        const v = String(o.value);
        return (
          <Check
            key={v}
            className={dim?.(v) || o.disabled ? 'check muted' : 'check'}
            name={namePrefix && `${namePrefix}${v}`}
            disabled={o.disabled}
            label={o.label}
            checked={chosen.includes(v)}
            onChange={() => onChange(toggled(chosen, v))}
          />
        );
      })}
    </fieldset>
  );
}

/** A labelled select of an enumeration's values (`of`), each labelled in the current language. */
export function EnumSelect({
  of,
  values,
  ...rest
}: Omit<SelectProps, 'options'> & { of: EnumName; values: readonly string[] }) {
  return <Select {...rest} options={useEnumOptions()(of, values)} />;
}

/** Options of an enumeration, each labelled in the current language (lib/enums.ts). */
export function useEnumOptions(): (name: EnumName, values: readonly string[]) => Option[] {
  const { tx } = useI18n();
  return (name, values) => values.map((v) => ({ value: v, label: tx(name, v) }));
}

/** A labelled select of organizations, by their name in the current language (or code). */
export function OrgSelect({ orgs, ...rest }: Omit<SelectProps, 'options'> & { orgs: readonly Organization[] }) {
  const { lang } = useI18n();
  return <Select {...rest} options={orgs.map((o) => ({ value: o.id, label: o.name[lang] || o.code }))} />;
}

/** Options that show their own value (years, codes). */
export function plainOptions(values: readonly (string | number)[]): Option[] {
  return values.map((v) => ({ value: v, label: v }));
}

/** A form's message to its user: an alert when given a text, nothing otherwise. */
export function Alert({ text }: { text: ReactNode }) {
  if (!text) return null;
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}

/** A form's confirmation after it succeeded: a status message when `show`. */
export function Done({ show, text }: { show: boolean; text: ReactNode }) {
  if (!show) return null;
  return (
    <p role="status" className="ok">
      {text}
    </p>
  );
}

/**
 * A form's buttons: submit, and a secondary one (cancel, sign out, clear)
 * when `other` is given. `className` is the row's ("row", "row end").
 */
export function FormButtons({
  submit,
  busy,
  disabled,
  other,
  className = 'row',
}: {
  submit: ReactNode;
  busy?: boolean;
  disabled?: boolean;
  other?: { label: ReactNode; onClick: () => void };
  className?: string;
}) {
  return (
    <div className={className}>
      <button type="submit" disabled={busy || disabled}>
        {submit}
      </button>
      {other && (
        <button type="button" className="secondary" onClick={other.onClick}>
          {other.label}
        </button>
      )}
    </div>
  );
}

/**
 * The confirmation of an action that takes a reason or an outcome in words:
 * one text field, the action's button and cancel. `onSubmit` gets the text
 * trimmed.
 */
export function ReasonForm({
  label,
  submit,
  required,
  maxLength,
  onSubmit,
  onCancel,
}: {
  label: ReactNode;
  submit: ReactNode;
  required?: boolean;
  maxLength: number;
  onSubmit: (text: string) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  return (
    <form
      className="row wrap"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(text.trim());
      }}
    >
      <Input label={label} required={required} maxLength={maxLength} autoComplete="off" {...bind(text, setText)} />
      <FormButtons className="row end" submit={submit} other={{ label: t('common.cancel'), onClick: onCancel }} />
    </form>
  );
}

/** The save and cancel buttons of an edit form. */
export function SaveCancel({ onCancel }: { onCancel: () => void }) {
  const { t } = useI18n();
  return <FormButtons submit={t('common.save')} other={{ label: t('common.cancel'), onClick: onCancel }} />;
}

/**
 * A small button of a table row or list item, whose accessible name also
 * names its row (`subject`, hidden from sight): "Edit SEZIM", "Approve Name".
 */
export function RowButton({
  label,
  subject,
  personal,
  secondary = true,
  onClick,
}: {
  label: ReactNode;
  subject: string;
  /** The subject is a person's name: kept from translation. */
  personal?: boolean;
  secondary?: boolean;
  onClick: () => void;
}) {
  return (
    <button type="button" className={secondary ? 'secondary small' : 'small'} onClick={onClick}>
      {label}
      <span className="visually-hidden" translate={personal ? 'no' : undefined}>
        {' '}
        {subject}
      </span>
    </button>
  );
}

/** The length the server asks of a new password (internal/platform/passwd). */
export const PASSWORD_MIN = 12;

/**
 * The props of a new-password input: the rule stated under it and, when the
 * browser refuses the value, its message in the app's language rather than
 * the browser's.
 */
export function newPasswordProps(rule: string) {
  return {
    type: 'password',
    autoComplete: 'new-password',
    minLength: PASSWORD_MIN,
    hint: rule,
    onInvalid: (e: InvalidEvent<HTMLInputElement>) => e.currentTarget.setCustomValidity(rule),
    onInput: (e: FormEvent<HTMLInputElement>) => e.currentTarget.setCustomValidity(''),
  } as const;
}
