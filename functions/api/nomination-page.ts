import { errorsOf, maxLengthOf } from '../../domain/catalog/forms';
import { submitAnswer } from '../../domain/human-steps/answers';
import { COMPANY_ADDRESS_REFUSED, insideAddresses } from '../../domain/people/external';
import { html, type SafeHtml } from '../../domain/platform/html';
import { logger } from '../../domain/platform/logger';
import { db, type HumanRequest } from '../../domain/platform/table';
import {
  approvalSchema,
  asNominations,
  defaultChoice,
  EXTERNAL_FIELD,
  EXTERNAL_REVIEWERS,
  effectiveMin,
  type FormBody,
  formBody,
  NOMINATION_PAGES,
  type NominationRules,
  type Nominations,
  nominationContext,
  nominationSchema,
  PEER_FIELD,
} from '../../domain/reviews/nominations';
import { nominationRequestId } from '../../domain/reviews/start';

import { type HttpEvent, type HttpResult, header, htmlResult, rawBody } from '../shared/http';
import { stepKinds } from '../shared/step-kinds';
import { messagePage, notSavedPage, page } from './form-page';

/*
 * The nomination and approval pages behind an email link, rendered from their definitions in
 * domain/reviews/nominations.ts: colleagues to tick, and (nominating) up to two external reviewers.
 * Plain HTML that works without JavaScript; every value escaped; each error next to its field. The
 * link was checked, and the request found open, before this is reached.
 */

const MAX_BODY_BYTES = 16 * 1024;

type PageState = {
  kind: 'peer-nomination' | 'peer-approval';
  action: string;
  context: string;
  rules: NominationRules;
  checked: string[];
  /** Approving: the nominated external reviewers to keep or untick. */
  externals?: Nominations['externals'];
  checkedExternals?: string[];
  values?: FormBody;
  errors?: Record<string, string>;
};

const errorOf = (state: PageState, field: string): SafeHtml | '' =>
  state.errors?.[field] ? html`<p class="error" id="${field}-error">${state.errors[field]}</p>` : '';

const described = (state: PageState, field: string): SafeHtml | '' =>
  state.errors?.[field] ? html` aria-describedby="${field}-error"` : '';

const text = (v: FormBody[string] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

const externalInputs = (state: PageState): SafeHtml[] =>
  EXTERNAL_REVIEWERS.map(({ legend, name, email }) => {
    const input = (field: typeof name) =>
      html`<label for="${field.name}">${field.label}</label>${errorOf(state, field.name)}
<input type="${field.inputType}" id="${field.name}" name="${field.name}" maxlength="${String(maxLengthOf(field))}" autocomplete="off" value="${text(state.values?.[field.name])}"${described(state, field.name)}>`;
    return html`<fieldset><legend>${legend}</legend>
${input(name)}
${input(email)}
</fieldset>`;
  });

export const nominationPage = (state: PageState): string => {
  const spec = NOMINATION_PAGES[state.kind];
  const { rules } = state;
  const min = effectiveMin(rules);
  const howMany =
    min === rules.maxPeers ? `${min} reviewers` : `between ${min} and ${rules.maxPeers} reviewers`;
  const errorCount = Object.keys(state.errors ?? {}).length;
  return page(
    spec.title,
    html`<p>${state.context}</p>
<p class="note">${spec.intro}</p>
${errorCount ? html`<p class="error" role="alert">Please correct ${String(errorCount)} field${errorCount > 1 ? 's' : ''} below.</p>` : ''}
<form method="post" action="${state.action}">
<fieldset data-min="${String(min)}" data-max="${String(rules.maxPeers)}"${described(state, PEER_FIELD)}>
<legend>Colleagues: choose ${howMany} in all</legend>${errorOf(state, PEER_FIELD)}
${rules.suggestions.map(
  (s) =>
    html`<div><label><input type="checkbox" name="${PEER_FIELD}" value="${s.employeeId}"${state.checked.includes(s.employeeId) ? html` checked` : ''}> ${s.name}, ${s.title}${s.teammate ? ' (same team)' : ''}</label></div>`,
)}
</fieldset>
${
  state.kind === 'peer-nomination'
    ? externalInputs(state)
    : state.externals?.length
      ? html`<fieldset${described(state, EXTERNAL_FIELD)}><legend>Reviewers outside the company</legend>${errorOf(state, EXTERNAL_FIELD)}
${state.externals.map(
  (x) =>
    html`<div><label><input type="checkbox" name="${EXTERNAL_FIELD}" value="${x.id}"${state.checkedExternals?.includes(x.id) ? html` checked` : ''}> ${x.name} (${x.email})</label></div>`,
)}</fieldset>`
      : ''
}
<button type="submit">${spec.submit}</button>
</form>`,
  );
};

const asList = (v: FormBody[string] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** An error on each external reviewer's address that an employee holds or the company owns. */
const insideAddressErrors = async (values: FormBody): Promise<Record<string, string>> => {
  const given = EXTERNAL_REVIEWERS.flatMap((x) => {
    const email = asList(values[x.email.name])[0]?.trim();
    return email ? [{ field: x.email.name, email }] : [];
  });
  const inside = await insideAddresses(given.map((g) => g.email));
  return Object.fromEntries(
    given.filter((g) => inside.has(g.email.toLowerCase())).map((g) => [g.field, COMPANY_ADDRESS_REFUSED]),
  );
};

/** GET shows the choice (changing nothing); POST validates it and answers the request once. */
export const handleNominationForm = async (
  event: HttpEvent,
  req: HumanRequest & { kind: 'peer-nomination' | 'peer-approval'; cycleId: string },
  action: string,
  context: string,
): Promise<HttpResult> => {
  const ctx = await nominationContext(req.cycleId, req.subjectId);
  const nominated =
    req.kind === 'peer-approval'
      ? (asNominations(
          (
            await db()
              .request.get({ requestId: nominationRequestId(req.cycleId, req.subjectId) })
              .go()
          ).data?.answer,
        ) ?? { peers: [], externals: [] })
      : undefined;
  const base = {
    kind: req.kind,
    action,
    context,
    rules: ctx.rules,
    ...(nominated ? { externals: nominated.externals } : {}),
  };
  if (event.requestContext.http.method === 'GET') {
    return htmlResult(
      200,
      nominationPage({
        ...base,
        checked: nominated ? nominated.peers : defaultChoice(ctx.employee, ctx.rules, ctx.teammates),
        checkedExternals: nominated?.externals.map((x) => x.id) ?? [],
      }),
    );
  }
  if (!/^application\/x-www-form-urlencoded\b/i.test(header(event, 'content-type') ?? '')) {
    return htmlResult(415, messagePage('Unsupported form', 'Please submit the form from its page.'));
  }
  const body = rawBody(event);
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    return htmlResult(413, messagePage('Answer too long', 'The answer is longer than the form accepts.'));
  }
  const values = formBody(body);
  const schema = nominated ? approvalSchema(ctx.rules, nominated) : nominationSchema(ctx.rules);
  const parsed = schema.safeParse(values);
  const errors = parsed.success ? await insideAddressErrors(values) : errorsOf(parsed.error);
  if (!parsed.success || Object.keys(errors).length > 0) {
    return htmlResult(
      400,
      nominationPage({
        ...base,
        checked: asList(values[PEER_FIELD]),
        checkedExternals: asList(values[EXTERNAL_FIELD]),
        values,
        errors,
      }),
    );
  }
  const result = await submitAnswer(stepKinds, req, { ...parsed.data });
  // Counts only: who was chosen stays out of the logs.
  logger.info('nominations submitted', {
    requestId: req.requestId,
    kind: req.kind,
    result,
    peers: parsed.data.peers.length,
    externals: parsed.data.externals.length,
  });
  if (result === 'already-submitted')
    return htmlResult(409, messagePage('Already submitted', 'This choice was already sent. Thank you.'));
  if (result === 'busy') return htmlResult(409, notSavedPage());
  if (result === 'closed')
    return htmlResult(
      410,
      messagePage('This request has closed', 'The deadline for this request has passed and it is closed.'),
    );
  return htmlResult(
    200,
    messagePage('Thank you', `${NOMINATION_PAGES[req.kind].title}: received. You can close this page.`),
  );
};
