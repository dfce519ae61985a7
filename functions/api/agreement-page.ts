import { maxLengthOf } from '../../domain/catalog/forms';
import { type AgreementView, agreementView, answerDraft, type Party } from '../../domain/plans/agreement';
import {
  AGREE_FIELD,
  type DraftPlanItem,
  type FormBody,
  fieldsOfItem,
  type ItemFields,
  NEW_KEY,
  REVISION_FIELD,
  readDraftForm,
  TICKED,
  valuesOf,
} from '../../domain/plans/agreement-form';
import type { DraftSource } from '../../domain/plans/draft';
import { planById } from '../../domain/plans/plans';
import { html, type SafeHtml } from '../../domain/platform/html';
import { logger } from '../../domain/platform/logger';
import type { HumanRequest } from '../../domain/platform/table';
import { formBody } from '../../domain/reviews/nominations';
import { type HttpEvent, type HttpResult, header, htmlResult, rawBody } from '../shared/http';
import { signInUnlessRecipient } from '../shared/session';
import { messagePage, page } from './form-page';

/*
 * The page on which a drafted plan's owner and manager agree to it, rendered from the form's
 * definition in domain/plans/agreement-form.ts: each proposed item to reword, re-kind, re-date,
 * define or give a mentor, or remove; one to add; "I agree"; and the revision it shows, posted back
 * so an edit applies only to the draft the person saw. Plain HTML without JavaScript, every value
 * escaped, each error beside its field. GET shows it and changes nothing (mail scanners open links);
 * a POST from a page of an older revision is refused with 409 and the draft shown as it is now.
 */

const MAX_BODY_BYTES = 64 * 1024;

export type AgreementPageState = {
  action: string;
  context: string;
  view: Pick<
    AgreementView,
    'draft' | 'party' | 'ownerName' | 'managerName' | 'agreed' | 'names' | 'timeZone'
  > & { revision: number };
  /** What was posted, shown again beside its errors; the draft's own values otherwise. */
  values?: FormBody;
  errors?: Record<string, string>;
  /** What just happened (saved, stale), above the draft. */
  notice?: { text: string; problem: boolean };
  /**
   * Where to sign in, when whoever opened the link is not its recipient signed in: what the review
   * found (why each item is proposed, the strengths) is then kept back.
   */
  signIn?: string;
};

const SOURCE: Record<DraftSource, string> = {
  gap: 'from the review: below what the role expects',
  manager: 'from the manager’s development needs',
  'next-level': 'towards the role aimed for',
};

const text = (v: FormBody[string] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

type Ctx = { values: FormBody; errors: Record<string, string> };

const errorOf = (ctx: Ctx, name: string): SafeHtml | '' =>
  ctx.errors[name] ? html`<p class="error" id="${name}-error">${ctx.errors[name]}</p>` : '';
const described = (ctx: Ctx, name: string): SafeHtml | '' =>
  ctx.errors[name] ? html` aria-invalid="true" aria-describedby="${name}-error"` : '';

const itemControls = (f: ItemFields, ctx: Ctx, names: Record<string, string>): SafeHtml => {
  const value = (name: string) => text(ctx.values[name]);
  const kind = value(f.kind.name);
  const mentor = value(f.mentorId.name);
  return html`<label for="${f.title.name}">${f.title.label}</label>${errorOf(ctx, f.title.name)}
<input type="text" id="${f.title.name}" name="${f.title.name}" value="${value(f.title.name)}" maxlength="${String(maxLengthOf(f.title))}"${described(ctx, f.title.name)}>
<label for="${f.kind.name}">${f.kind.label}</label>${errorOf(ctx, f.kind.name)}
<select id="${f.kind.name}" name="${f.kind.name}"${described(ctx, f.kind.name)}>${f.kind.options.map(
    (o) => html`<option value="${o.value}"${o.value === kind ? html` selected` : ''}>${o.label}</option>`,
  )}</select>
<label for="${f.dueDate.name}">${f.dueDate.label}</label>${errorOf(ctx, f.dueDate.name)}
<input type="date" id="${f.dueDate.name}" name="${f.dueDate.name}" value="${value(f.dueDate.name)}"${described(ctx, f.dueDate.name)}>
<label for="${f.definitionOfDone.name}">${f.definitionOfDone.label}</label>${errorOf(ctx, f.definitionOfDone.name)}
<textarea id="${f.definitionOfDone.name}" name="${f.definitionOfDone.name}" maxlength="${String(maxLengthOf(f.definitionOfDone))}"${described(ctx, f.definitionOfDone.name)}>${value(f.definitionOfDone.name)}</textarea>
<label for="${f.mentorId.name}">${f.mentorId.label}</label>${errorOf(ctx, f.mentorId.name)}
<input type="text" id="${f.mentorId.name}" name="${f.mentorId.name}" value="${mentor}" maxlength="${String(maxLengthOf(f.mentorId))}"${described(ctx, f.mentorId.name)}>${
    mentor && names[mentor] && names[mentor] !== mentor ? html`<p class="note">${names[mentor]}</p>` : ''
  }`;
};

const itemFieldset = (
  item: DraftPlanItem,
  i: number,
  ctx: Ctx,
  names: Record<string, string>,
  full: boolean,
) => {
  const f = fieldsOfItem(item.key, i);
  const removed = text(ctx.values[f.remove.name]) === TICKED;
  return html`<fieldset>
<legend>Item ${String(i + 1)}${full && item.source ? html` <span class="note">(${SOURCE[item.source]})</span>` : ''}</legend>
${itemControls(f, ctx, names)}
${errorOf(ctx, f.remove.name)}<label><input type="checkbox" name="${f.remove.name}" value="${TICKED}"${removed ? html` checked` : ''}> ${f.remove.label}</label>
</fieldset>`;
};

const stance = (name: string, agrees: boolean) =>
  html`<dt>${name}</dt><dd>${agrees ? 'agrees to this version' : 'has not agreed to this version'}</dd>`;

export const agreementPage = (state: AgreementPageState): string => {
  const { view } = state;
  const full = state.signIn === undefined;
  const own = view.party === 'owner';
  const other = own ? view.managerName : view.ownerName;
  const ctx: Ctx = {
    values: state.values ?? valuesOf(view.draft.items, view.timeZone),
    errors: state.errors ?? {},
  };
  const agrees = state.values ? text(state.values[AGREE_FIELD]) === TICKED : view.agreed[view.party as Party];
  const errorCount = Object.keys(ctx.errors).length;
  const change = view.draft.lastChange;
  const added = fieldsOfItem(NEW_KEY, view.draft.items.length);
  return page(
    own ? 'Your draft development plan' : `${view.ownerName}’s draft development plan`,
    html`<p>${state.context}</p>
<p class="note">Change what should change, then tick “I agree”. The plan starts once you and ${other} agree to the same version; any change makes a new version, which ${other} is told of and must agree to again.${
      view.draft.items.some((i) => i.dueProposed)
        ? ' The due dates the draft proposed move later by the days it takes you both to agree; a date either of you sets stays as set.'
        : ''
    }</p>
${state.notice ? html`<p class="${state.notice.problem ? 'error' : 'note'}" role="status">${state.notice.text}</p>` : ''}
<section class="reference"><h2>Version ${String(view.revision)}</h2><dl>
${stance(view.ownerName, view.agreed.owner)}
${stance(view.managerName, view.agreed.manager)}
${
  change
    ? html`<dt>Changed by ${view.names[change.by] ?? change.by}</dt><dd><ul>${change.changes.map((c) => html`<li>${c}</li>`)}</ul></dd>`
    : ''
}
${
  full && view.draft.mentoringGiven?.length
    ? html`<dt>Where ${view.ownerName} could mentor others</dt><dd>${view.draft.mentoringGiven.map((m) => m.name).join(', ')}</dd>`
    : ''
}
</dl></section>
${state.signIn ? html`<p class="note">Why each item is proposed is shown once you sign in, so that a forwarded email shows it to nobody else: <a href="${state.signIn}">Sign in to see it</a>.</p>` : ''}
${errorCount ? html`<p class="error" role="alert">Please correct ${String(errorCount)} field${errorCount > 1 ? 's' : ''} below.</p>` : ''}
<form method="post" action="${state.action}">
<input type="hidden" name="${REVISION_FIELD}" value="${String(view.revision)}">
${errorOf(ctx, REVISION_FIELD)}
${view.draft.items.map((item, i) => itemFieldset(item, i, ctx, view.names, full))}
<fieldset>
<legend>Add an item (optional)</legend>
${itemControls(added, ctx, view.names)}
</fieldset>
<fieldset${described(ctx, AGREE_FIELD)}>
<legend>Agreement</legend>${errorOf(ctx, AGREE_FIELD)}
<label><input type="checkbox" name="${AGREE_FIELD}" value="${TICKED}"${agrees ? html` checked` : ''}> I agree to this plan as it stands</label>
</fieldset>
<button type="submit">Save</button>
</form>`,
  );
};

/** The page for a request whose draft is no longer one: started, or cancelled. */
const notADraft = async (req: HumanRequest): Promise<HttpResult> => {
  const plan = req.planId ? await planById(req.planId) : undefined;
  if (plan?.status === 'active' || plan?.status === 'closed')
    return htmlResult(
      409,
      messagePage('The plan has started', 'Both of you agreed to this plan, and it has started.'),
    );
  return htmlResult(
    410,
    messagePage('This draft plan is closed', 'This draft plan was not agreed in time, or HR cancelled it.'),
  );
};

/**
 * GET shows the draft (changing nothing); POST reads the form against the revision it was rendered
 * from and saves the edit, the agreement, or both, in one transaction. The link was checked, and the
 * request found open or agreed, before this is reached.
 */
export const handleAgreementForm = async (
  event: HttpEvent,
  req: HumanRequest,
  action: string,
  context: string,
): Promise<HttpResult> => {
  const view = await agreementView(req);
  if (!view) return notADraft(req);
  const signIn = await signInUnlessRecipient(event, req.recipientId);
  const stateOf = (shown: AgreementView) => ({
    action,
    context,
    view: { ...shown, revision: shown.plan.revision ?? 1 },
    ...signIn,
  });
  if (event.requestContext.http.method === 'GET') return htmlResult(200, agreementPage(stateOf(view)));
  if (!/^application\/x-www-form-urlencoded\b/i.test(header(event, 'content-type') ?? ''))
    return htmlResult(415, messagePage('Unsupported form', 'Please submit the form from its page.'));
  const body = rawBody(event);
  if (Buffer.byteLength(body) > MAX_BODY_BYTES)
    return htmlResult(413, messagePage('Answer too long', 'The answer is longer than the form accepts.'));
  const values = formBody(body);
  const stale = (current: AgreementView) =>
    htmlResult(
      409,
      agreementPage({
        ...stateOf(current),
        notice: {
          text: 'The draft changed since you opened this page, so nothing you sent was saved. Here it is as it stands now: make your changes again if they are still needed.',
          problem: true,
        },
      }),
    );
  const parsed = readDraftForm(view.draft.items, values, { timeZone: view.timeZone, today: view.today });
  if (!parsed.ok) {
    // Errors against a draft that has changed since are beside the point: the draft is shown anew.
    if (text(values[REVISION_FIELD]) !== String(view.plan.revision)) return stale(view);
    return htmlResult(400, agreementPage({ ...stateOf(view), values, errors: parsed.errors }));
  }
  const answer = await answerDraft(req, parsed.value);
  logger.info('draft plan answered', {
    requestId: req.requestId,
    outcome: answer.outcome,
    revision: parsed.value.revision,
  });
  if (answer.outcome === 'invalid')
    return htmlResult(400, agreementPage({ ...stateOf(view), values, errors: answer.errors }));
  if (answer.outcome === 'started')
    return htmlResult(
      200,
      messagePage(
        'The plan has started',
        'You both agree to this plan: it has started, and each item’s first request goes out at its send hour.',
      ),
    );
  if (answer.outcome === 'closed' && answer.why === 'passed-on')
    return htmlResult(
      410,
      messagePage(
        'This request was passed on',
        'The plan’s owner has a new manager, who agrees to it now. Nothing more is needed from you.',
      ),
    );
  if (answer.outcome === 'closed') return notADraft(req);
  const current = await agreementView(req);
  if (!current) return notADraft(req);
  if (answer.outcome === 'stale') return stale(current);
  const other = view.party === 'owner' ? current.managerName : current.ownerName;
  const revision = current.plan.revision ?? 1;
  const notice =
    answer.outcome === 'unchanged'
      ? 'Nothing changed.'
      : answer.changed
        ? `Saved as version ${revision}${parsed.value.agree ? ', which you agree to' : ''}. ${other} has been told, and asked to agree to it.`
        : parsed.value.agree
          ? `You agree to version ${revision}. The plan starts once ${other} agrees too.`
          : `You no longer agree to version ${revision}.`;
  return htmlResult(200, agreementPage({ ...stateOf(current), notice: { text: notice, problem: false } }));
};
