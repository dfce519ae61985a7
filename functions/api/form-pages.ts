import type { RequestKind } from '../../domain/db';
import { html, SafeHtml } from '../../domain/html';

/*
 * Server-rendered pages for the email links: plain HTML forms that work without JavaScript, with
 * labelled controls, fieldsets for the rating scales and errors tied to their fields.
 */

const STYLE = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}
label,legend{font-weight:600;display:block;margin-top:1rem}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit}
fieldset{border:1px solid #ccc;border-radius:4px;margin-top:1rem}
fieldset label{font-weight:400;display:inline-block;margin:0 1rem 0 0}
.error{color:#a10000;font-weight:600}
button{margin-top:1.5rem;background:#0b6e4f;color:#fff;border:0;padding:0.7em 1.4em;border-radius:4px;font:inherit;cursor:pointer}
.note{color:#555}`;

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

type Field =
  | { name: string; type: 'rating'; label: string }
  | { name: string; type: 'text'; label: string; hint?: string; required: boolean };

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
  'action-item': {
    title: 'Complete a development action',
    intro: 'Mark this action as done. A short note on what you did and learned helps your next check-in.',
    submit: 'Mark as complete',
    fields: [{ name: 'note', type: 'text', label: 'What did you do and learn? (optional)', required: false }],
  },
};

export type FormState = {
  kind: RequestKind;
  action: string;
  context: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
};

const fieldHtml = (field: Field, value: string | undefined, error: string | undefined): SafeHtml => {
  const errorId = `${field.name}-error`;
  const errorHtml = error ? html`<p class="error" id="${errorId}">${error}</p>` : '';
  if (field.type === 'rating') {
    return html`<fieldset${error ? html` aria-describedby="${errorId}"` : ''}>
<legend>${field.label}</legend>${errorHtml}
${RATING_LABELS.map(
  (label, i) =>
    html`<label><input type="radio" name="${field.name}" value="${String(i + 1)}" required${value === String(i + 1) ? html` checked` : ''}> ${label}</label>`,
)}
</fieldset>`;
  }
  return html`<label for="${field.name}">${field.label}</label>${errorHtml}
<textarea id="${field.name}" name="${field.name}" maxlength="5000"${field.required ? html` required` : ''}${error ? html` aria-invalid="true" aria-describedby="${errorId}"` : ''}>${value ?? ''}</textarea>`;
};

export const formPage = (state: FormState): string => {
  const spec = FORMS[state.kind];
  const errorCount = Object.keys(state.errors ?? {}).length;
  return page(
    spec.title,
    html`<p>${state.context}</p>
<p class="note">${spec.intro}</p>
${errorCount ? html`<p class="error" role="alert">Please correct ${String(errorCount)} field${errorCount > 1 ? 's' : ''} below.</p>` : ''}
<form method="post" action="${state.action}">
${spec.fields.map((f) => fieldHtml(f, state.values?.[f.name], state.errors?.[f.name]))}
<button type="submit">${spec.submit}</button>
</form>`,
  );
};

export const messagePage = (title: string, message: string): string => page(title, html`<p>${message}</p>`);
