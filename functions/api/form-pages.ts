import type { AppraisalForm, FormField, ReferenceBlock, ScalePoint } from '../../domain/catalog/forms';
import { html, SafeHtml } from '../../domain/platform/html';
import type { RequestKind } from '../../domain/platform/table';

/*
 * Server-rendered pages for the email links: plain HTML forms that work without JavaScript, with
 * labelled controls, fieldsets for the rating scales and errors tied to their fields.
 */

const STYLE = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}
label,legend{font-weight:600;display:block;margin-top:1rem}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit}
input[type=text]{width:100%;box-sizing:border-box;font:inherit}
fieldset{border:1px solid #ccc;border-radius:4px;margin-top:1rem}
fieldset label{font-weight:400;display:inline-block;margin:0 1rem 0 0}
.error{color:#a10000;font-weight:600}
button{margin-top:1.5rem;background:#0b6e4f;color:#fff;border:0;padding:0.7em 1.4em;border-radius:4px;font:inherit;cursor:pointer}
.note{color:#555}
h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.descriptor{font-weight:400;color:#333;margin:0.25rem 0 0.5rem}
.descriptor ul{margin:0.25rem 0;padding-left:1.2rem}
.reference{background:#f6f6f4;padding:0.5rem 1rem;border-radius:4px;margin-top:1rem}
.reference dt{font-weight:600}.reference dd{margin:0 0 0.5rem 0}`;

export const page = (title: string, body: SafeHtml): string =>
  html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · growcycle</title><style>${new SafeHtml(STYLE)}</style></head>
<body><main>
<h1>${title}</h1>
${body}
</main></body></html>`.value;

export const RATING_LABELS = [
  '1 · Well below',
  '2 · Below',
  '3 · Meets',
  '4 · Above',
  '5 · Well above',
] as const;

type Field = FormField;

export type FormSpec = { title: string; intro: string; fields: Field[]; submit: string };

export const FORMS: Record<RequestKind, FormSpec> = {
  'self-assessment': {
    title: 'Your self-assessment',
    intro: 'Look back on this cycle: what you achieved, what you learned, and where you want to grow next.',
    submit: 'Submit my self-assessment',
    fields: [
      { name: 'rating', type: 'rating', label: 'Overall, how did this cycle go against your goals?' },
      { name: 'achievements', type: 'text', label: 'What are you most proud of?', required: true },
      { name: 'growth', type: 'text', label: 'Where do you want to grow next?', required: true },
    ],
  },
  'peer-feedback': {
    title: 'Peer feedback',
    intro:
      'Your answers are shown to your colleague only combined with other peers’ answers, never with your name.',
    submit: 'Send my feedback',
    fields: [
      { name: 'rating', type: 'rating', label: 'How well do they live our competencies and values?' },
      { name: 'strengths', type: 'text', label: 'What should they keep doing?', required: true },
      { name: 'growth', type: 'text', label: 'What could help them grow?', required: true },
    ],
  },
  'manager-appraisal': {
    title: 'Manager appraisal',
    intro:
      'You have their self-assessment and peer feedback. Your appraisal and the development needs you see come next.',
    submit: 'Submit the appraisal',
    fields: [
      { name: 'rating', type: 'rating', label: 'Overall performance this cycle' },
      { name: 'summary', type: 'text', label: 'Summary of the cycle', required: true },
      {
        name: 'developmentNeeds',
        type: 'text',
        label: 'Development needs for the next cycle',
        required: true,
      },
    ],
  },
  // The phases' forms are built per request (domain/reviews/phase-forms.ts); these name them when nothing else can.
  'goal-setting': { title: 'Your goals', intro: '', submit: 'Submit my goals for approval', fields: [] },
  'goal-approval': { title: 'Goal approval', intro: '', submit: 'Send my decision', fields: [] },
  'review-meeting': { title: 'Review meeting', intro: '', submit: 'Record the meeting as held', fields: [] },
  acknowledgment: {
    title: 'Acknowledge your review',
    intro: '',
    submit: 'Acknowledge my review',
    fields: [],
  },
  'action-item': {
    title: 'Complete a development action',
    intro: 'Mark this action as done. A short note on what you did and learned helps your next check-in.',
    submit: 'Mark as complete',
    fields: [{ name: 'note', type: 'text', label: 'What did you do and learn? (optional)', required: false }],
  },
  // The nomination pages (nomination-page.ts) list their own choices; these give their wording.
  'peer-nomination': {
    title: 'Peer reviewers',
    intro:
      'Tick the colleagues who know the work well enough to give useful feedback. You may add up to two reviewers from outside the company; they need no account.',
    submit: 'Send my choice',
    fields: [],
  },
  'peer-approval': {
    title: 'Approve peer reviewers',
    intro: 'These are the nominated reviewers. Approve them as they are, or untick some and tick others.',
    submit: 'Approve these reviewers',
    fields: [],
  },
};

export type FormState = {
  kind: RequestKind;
  action: string;
  context: string;
  /** A template-driven form; without one the request's fixed form is shown. */
  form?: AppraisalForm;
  values?: Record<string, string>;
  errors?: Record<string, string>;
};

const DEFAULT_SCALE: ScalePoint[] = RATING_LABELS.map((label, i) => ({ value: String(i + 1), label }));

/** The item's description and level descriptors, so a rating means the same to everyone. */
const descriptorHtml = (field: Field, id: string): SafeHtml | '' => {
  if (field.type !== 'rating' || (!field.description && !field.levels?.length)) return '';
  return html`<div class="descriptor" id="${id}">${field.description ? html`<p>${field.description}</p>` : ''}${
    field.levels?.length
      ? html`<ul>${field.levels.map((l) => html`<li><strong>${l.point}</strong>: ${l.text}</li>`)}</ul>`
      : ''
  }</div>`;
};

const fieldHtml = (field: Field, value: string | undefined, error: string | undefined): SafeHtml => {
  const errorId = `${field.name}-error`;
  const errorHtml = error ? html`<p class="error" id="${errorId}">${error}</p>` : '';
  if (field.type === 'rating') {
    const descId = `${field.name}-levels`;
    const descriptor = descriptorHtml(field, descId);
    const describedBy = [descriptor ? descId : '', error ? errorId : ''].filter(Boolean).join(' ');
    return html`<fieldset${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
<legend>${field.label}</legend>${descriptor}${errorHtml}
${(field.scale ?? DEFAULT_SCALE).map(
  (point) =>
    html`<label><input type="radio" name="${field.name}" value="${point.value}" required${value === point.value ? html` checked` : ''}> ${point.label}</label>`,
)}
</fieldset>`;
  }
  if (field.type === 'input') {
    const current = value ?? field.value ?? '';
    return html`<label for="${field.name}">${field.label}</label>${errorHtml}
<input type="${field.inputType}" id="${field.name}" name="${field.name}" value="${current}"${field.inputType === 'text' ? html` maxlength="500"` : ''}${field.inputType === 'number' ? html` min="0" max="100" step="1"` : ''}${field.required ? html` required` : ''}${error ? html` aria-invalid="true" aria-describedby="${errorId}"` : ''}>`;
  }
  return html`<label for="${field.name}">${field.label}</label>${errorHtml}
<textarea id="${field.name}" name="${field.name}" maxlength="5000"${field.required ? html` required` : ''}${error ? html` aria-invalid="true" aria-describedby="${errorId}"` : ''}>${value ?? ''}</textarea>`;
};

const referenceHtml = (block: ReferenceBlock): SafeHtml =>
  html`<section class="reference"><h2>${block.heading}</h2>${block.note ? html`<p class="note">${block.note}</p>` : ''}${
    block.rows.length
      ? html`<dl>${block.rows.map((r) => html`<dt>${r.label}</dt><dd>${r.value}</dd>`)}</dl>`
      : ''
  }</section>`;

export const formPage = (state: FormState): string => {
  const spec = state.form ?? FORMS[state.kind];
  const errorCount = Object.keys(state.errors ?? {}).length;
  const fields = (list: Field[]) =>
    list.map((f) => fieldHtml(f, state.values?.[f.name], state.errors?.[f.name]));
  return page(
    spec.title,
    html`<p>${state.context}</p>
<p class="note">${spec.intro}</p>
${state.form ? state.form.reference.map(referenceHtml) : ''}
${errorCount ? html`<p class="error" role="alert">Please correct ${String(errorCount)} field${errorCount > 1 ? 's' : ''} below.</p>` : ''}
<form method="post" action="${state.action}">
${
  state.form
    ? state.form.sections.map(
        (s) => html`<h2>${s.heading}</h2>${s.note ? html`<p class="note">${s.note}</p>` : ''}
${fields(s.fields)}`,
      )
    : fields(FORMS[state.kind].fields)
}
<button type="submit">${spec.submit}</button>
</form>`,
  );
};

export const messagePage = (title: string, message: string): string => page(title, html`<p>${message}</p>`);
