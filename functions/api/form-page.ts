import { type Form, type FormField, maxLengthOf, type ReferenceBlock } from '../../domain/catalog/forms';
import { html, SafeHtml } from '../../domain/platform/html';

/*
 * Server-rendered pages for the email links: any form described in domain/catalog/forms.ts as plain
 * HTML that works without JavaScript, with labelled controls, fieldsets for the rating scales and
 * choices, limits from the fields' own, and errors tied to their fields.
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

export type FormState = {
  form: Form;
  action: string;
  context: string;
  /**
   * Where to sign in, when whoever opened the link is not its recipient signed in: the page then
   * keeps back what is someone else's input or results (ReferenceBlock.sensitive) and says so.
   */
  signIn?: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
};

/** The item's description and level descriptors, so a rating means the same to everyone. */
const descriptorHtml = (field: FormField, id: string): SafeHtml | '' => {
  if (field.type !== 'rating' || (!field.description && !field.levels?.length && !field.development?.length))
    return '';
  return html`<div class="descriptor" id="${id}">${field.description ? html`<p>${field.description}</p>` : ''}${
    field.levels?.length
      ? html`<ul>${field.levels.map((l) => html`<li><strong>${l.point}</strong>: ${l.text}</li>`)}</ul>`
      : ''
  }${field.development?.length ? html`<p class="development"><strong>Development plan:</strong> ${field.development.join('; ')}</p>` : ''}</div>`;
};

const inputLimits = (field: Extract<FormField, { type: 'input' }>): SafeHtml | '' => {
  if (field.inputType === 'text' || field.inputType === 'email' || field.inputType === 'url')
    return html` maxlength="${String(maxLengthOf(field))}"`;
  if (field.inputType === 'number')
    return html` min="${String(field.min)}" max="${String(field.max)}" step="1"`;
  return '';
};

const fieldHtml = (field: FormField, value: string | undefined, error: string | undefined): SafeHtml => {
  const errorId = `${field.name}-error`;
  const errorHtml = error ? html`<p class="error" id="${errorId}">${error}</p>` : '';
  if (field.type === 'rating' || field.type === 'choice') {
    const descId = `${field.name}-levels`;
    const descriptor = descriptorHtml(field, descId);
    const describedBy = [descriptor ? descId : '', error ? errorId : ''].filter(Boolean).join(' ');
    return html`<fieldset${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
<legend>${field.label}</legend>${descriptor}${errorHtml}
${(field.type === 'rating' ? field.scale : field.options).map(
  (point) =>
    html`<label><input type="radio" name="${field.name}" value="${point.value}" required${value === point.value ? html` checked` : ''}> ${point.label}</label>`,
)}
</fieldset>`;
  }
  if (field.type === 'input') {
    const current = value ?? field.value ?? '';
    return html`<label for="${field.name}">${field.label}</label>${errorHtml}
<input type="${field.inputType}" id="${field.name}" name="${field.name}" value="${current}"${inputLimits(field)}${field.required ? html` required` : ''}${error ? html` aria-invalid="true" aria-describedby="${errorId}"` : ''}>`;
  }
  const label = field.requiredWhen ? `${field.label} (required ${field.requiredWhen})` : field.label;
  return html`<label for="${field.name}">${label}</label>${errorHtml}
<textarea id="${field.name}" name="${field.name}" maxlength="${String(maxLengthOf(field))}"${field.required ? html` required` : ''}${error ? html` aria-invalid="true" aria-describedby="${errorId}"` : ''}>${value ?? ''}</textarea>`;
};

const referenceHtml = (block: ReferenceBlock): SafeHtml =>
  html`<section class="reference"><h2>${block.heading}</h2>${block.note ? html`<p class="note">${block.note}</p>` : ''}${
    block.rows.length
      ? html`<dl>${block.rows.map((r) => html`<dt>${r.label}</dt><dd>${r.value}</dd>`)}</dl>`
      : ''
  }</section>`;

/** What the page keeps back from whoever is not the recipient signed in, and how to see it. */
const keptBack = (blocks: ReferenceBlock[], signIn: string): SafeHtml =>
  html`<section class="reference"><h2>Signed-in only</h2><p>${`${blocks.map((b) => b.heading).join(', ')}: shown to you once you sign in, so that a forwarded email or a copied link shows them to nobody else. You can answer without it.`}</p><p><a href="${signIn}">Sign in to see it</a></p></section>`;

/** A field as the page shows it: a rating's development plan outcome is the person's own, kept back with the rest. */
const shownField = (field: FormField, full: boolean): FormField => {
  if (full || field.type !== 'rating' || !field.development) return field;
  const { development: _kept, ...rest } = field;
  return rest;
};

export const formPage = ({ form, action, context, values, errors, signIn }: FormState): string => {
  const errorCount = Object.keys(errors ?? {}).length;
  const full = signIn === undefined;
  const fields = (list: FormField[]) =>
    list.map((f) => fieldHtml(shownField(f, full), values?.[f.name], errors?.[f.name]));
  const hidden = full ? [] : form.reference.filter((b) => b.sensitive);
  return page(
    form.title,
    html`<p>${context}</p>
<p class="note">${form.intro}</p>
${form.reference.filter((b) => full || !b.sensitive).map(referenceHtml)}
${signIn && hidden.length ? keptBack(hidden, signIn) : ''}
${errorCount ? html`<p class="error" role="alert">Please correct ${String(errorCount)} field${errorCount > 1 ? 's' : ''} below.</p>` : ''}
<form method="post" action="${action}">
${form.sections.map((s) =>
  s.heading
    ? html`<h2>${s.heading}</h2>${s.note ? html`<p class="note">${s.note}</p>` : ''}
${fields(s.fields)}`
    : fields(s.fields),
)}
<button type="submit">${form.submit}</button>
</form>`,
  );
};

export const messagePage = (title: string, message: string): string => page(title, html`<p>${message}</p>`);

/** 409 for an answer that met another change to the same items twice and was not stored. */
export const notSavedPage = (): string =>
  messagePage(
    'Not saved: please send it again',
    'Your answer met another change made at the same moment and was not saved. Go back and submit the form again.',
  );
