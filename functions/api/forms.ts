import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { FIXED_FORMS, isFixedKind } from '../../domain/catalog/fixed-forms';
import { answerSchema, errorsOf, type Form } from '../../domain/catalog/forms';
import { appraisalFeedback } from '../../domain/feedback/record';
import { feedbackFormFor } from '../../domain/feedback/requests';
import { type Answer, submitAnswer } from '../../domain/human-steps/answers';
import { aboutRequest } from '../../domain/human-steps/step';
import { localDate } from '../../domain/mail/compose';
import { checkLink, linkAssignment, linkKeyById, signedPath } from '../../domain/mail/links';
import { checkInFormFor } from '../../domain/plans/check-ins';
import { planFormFor } from '../../domain/plans/forms';
import { developedByCompetency } from '../../domain/plans/plans';
import { logger } from '../../domain/platform/logger';
import { db, type HumanRequest } from '../../domain/platform/table';
import { templateFormFor } from '../../domain/reviews/appraisal-forms';
import { isNominationKind } from '../../domain/reviews/nominations';
import { type Parsed, type PhaseForm, phaseFormFor } from '../../domain/reviews/phase-forms';
import { type HttpEvent, type HttpResult, header, htmlResult, rawBody } from '../shared/http';
import { httpErrors, observed } from '../shared/middleware';
import { signInUnlessRecipient } from '../shared/session';
import { stepKinds } from '../shared/step-kinds';
import { handleAgreementForm } from './agreement-page';
import { formPage, messagePage, notSavedPage } from './form-page';
import { handleNominationForm } from './nomination-page';

// A template-driven form has a text per rated item; well under the 400 KB DynamoDB item limit.
const MAX_BODY_BYTES = 128 * 1024;

/** A form checked by its schema alone: its answer is the parsed values, with no other writes. */
const bySchema = (form: Form, schema: z.ZodType<Answer, unknown>): PhaseForm => ({
  form,
  parse: (values): Parsed => {
    const parsed = schema.safeParse(values);
    return parsed.success
      ? { ok: true, answers: parsed.data, extra: [] }
      : { ok: false, errors: errorsOf(parsed.error) };
  },
});

/**
 * The form behind a request and how its answer is read: what a cycle's template asks, a phase's own
 * form, or else the fixed form of its kind.
 */
const formFor = async (req: HumanRequest): Promise<PhaseForm | undefined> => {
  const behind = await formBehind(req);
  // The manager appraises with the feedback any time the person received in front of them.
  const received = behind && (await appraisalFeedback(req));
  return received && behind
    ? { ...behind, form: { ...behind.form, reference: [...behind.form.reference, received] } }
    : behind;
};

const formBehind = async (req: HumanRequest): Promise<PhaseForm | undefined> => {
  const templated = await templateFormFor(req, developedByCompetency);
  if (templated) return bySchema(templated.form, templated.schema);
  const phase =
    (await phaseFormFor(req)) ??
    (await planFormFor(req)) ??
    (await checkInFormFor(req)) ??
    (await feedbackFormFor(req));
  if (phase) return phase;
  return isFixedKind(req.kind)
    ? bySchema(FIXED_FORMS[req.kind], answerSchema(FIXED_FORMS[req.kind]))
    : undefined;
};

const notFound = () =>
  htmlResult(
    404,
    messagePage('Link not recognised', 'This link is not valid. Please use the latest link from your email.'),
  );

const employeeOf = async (employeeId: string) => (await db().employee.get({ employeeId }).go()).data;

const contextLine = async (req: HumanRequest): Promise<string> => {
  // Most requests (goals, a self-assessment, an acknowledgment) are about their own recipient: one read.
  const [subject, recipient] =
    req.subjectId === req.recipientId
      ? await employeeOf(req.subjectId).then((e) => [e, e])
      : await Promise.all([employeeOf(req.subjectId), employeeOf(req.recipientId)]);
  // The due date as the person reads it in the email: in their own time zone.
  const due = `Due ${localDate(req.dueAt, recipient?.timeZone ?? 'UTC')}.`;
  if (req.kind === 'action-item') return `Action: ${req.title ?? ''}. ${due}`;
  if (req.kind === 'check-in') return `Your development plan: ${req.title ?? ''}. ${due}`;
  if (req.kind === 'session') return `With ${subject?.name ?? 'your colleague'}: ${req.title ?? ''}. ${due}`;
  if (req.kind === 'item-decision') return `${subject?.name ?? 'Your report'}: ${req.title ?? ''}. ${due}`;
  if (req.kind === 'plan-agreement')
    return `${req.title ?? 'A development plan'}: agree to it by ${due.slice(4)}`;
  if (req.kind === 'feedback') return `Feedback about ${subject?.name ?? 'a colleague'}. ${due}`;
  if (req.kind === 'self-assessment' || req.kind === 'goal-setting' || req.kind === 'acknowledgment')
    return `For ${subject?.name ?? 'you'}. ${due}`;
  return `About ${subject?.name ?? 'a colleague'}. ${due}`;
};

const settledPage = (req: HumanRequest): HttpResult | undefined => {
  if (req.status === 'submitted') {
    return htmlResult(
      409,
      messagePage(
        'Already submitted',
        'This form was already submitted. Thank you — nothing more is needed.',
      ),
    );
  }
  if (req.status === 'expired') {
    return htmlResult(
      410,
      messagePage('This request has closed', 'The deadline for this request has passed and it is closed.'),
    );
  }
  return undefined;
};

/**
 * GET shows the form and changes nothing, because mail scanners prefetch links. Only the POST
 * consumes the request, once, through a conditional write.
 */
const invalidLink = (): HttpResult =>
  htmlResult(
    403,
    messagePage(
      'Link not valid',
      'This link is incomplete or has been altered. Please open it again from your email.',
    ),
  );

export const handleForm = async (event: HttpEvent): Promise<HttpResult> => {
  const requestId = event.pathParameters?.requestId ?? '';
  const query = event.queryStringParameters ?? {};
  const key = await linkKeyById(query.k);
  const assignment = linkAssignment(query.a);
  const target = { requestId, nonce: query.n, assignment };
  const check = assignment === undefined ? 'invalid' : checkLink(key, 'respond', target, query.e, query.s);
  if (!key || check === 'invalid') {
    logger.warn('rejected link', { reason: 'signature' });
    return invalidLink();
  }
  if (check === 'expired') {
    return htmlResult(
      410,
      messagePage(
        'Link expired',
        'This link has expired: the request it belongs to has closed or, if it is still open, the latest email about it has a fresh link.',
      ),
    );
  }
  const req = (await db().request.get({ requestId }).go({ consistent: true })).data;
  if (!req || req.status === 'pending') return notFound();
  aboutRequest(req);
  // The signature binds the nonce the link carries; it must also be the one the request holds, so a
  // link made with a leaked key but without the request's own random nonce opens nothing.
  if ((req.linkNonce ?? undefined) !== query.n) {
    logger.warn('rejected link', { reason: 'nonce' });
    return invalidLink();
  }
  // HR passed the request to someone else: this (older) link no longer answers it.
  if ((req.assignment ?? 0) !== assignment) {
    return htmlResult(
      410,
      messagePage(
        'This request was passed on',
        'HR has asked someone else to answer it. Nothing more is needed from you.',
      ),
    );
  }
  // The form posts back to the link it was opened with, signed by the same key.
  const action = signedPath(key, 'respond', target, new Date(Number(query.e) * 1000));
  // A party who agreed to a draft plan may still read it, take the agreement back or change it.
  if (req.kind === 'plan-agreement' && req.status !== 'expired')
    return handleAgreementForm(event, req, action, await contextLine(req));
  const settled = settledPage(req);
  if (settled) return settled;
  // Nominations offer colleagues per review, so their pages and schemas are built per request.
  if (isNominationKind(req.kind) && req.cycleId)
    return handleNominationForm(
      event,
      { ...req, kind: req.kind, cycleId: req.cycleId },
      action,
      await contextLine(req),
    );
  if (isNominationKind(req.kind)) return notFound();
  // The context line and the form read different items: both at once, one round trip instead of two.
  const [context, behind] = await Promise.all([contextLine(req), formFor(req)]);
  if (!behind) return notFound();
  const { form } = behind;
  // Someone else's input or results only to the recipient signed in; to anyone else, a way to sign in.
  const shown = { form, action, context, ...(await signInUnlessRecipient(event, req.recipientId)) };

  if (event.requestContext.http.method === 'GET') {
    // An email may link once per answer (a plan item: done, blocked, new date): that answer is chosen.
    const chosen = query.choice
      ? { values: { [form.sections[0]?.fields[0]?.name ?? '']: query.choice } }
      : {};
    return htmlResult(200, formPage({ ...shown, ...chosen }));
  }

  if (!/^application\/x-www-form-urlencoded\b/i.test(header(event, 'content-type') ?? '')) {
    return htmlResult(415, messagePage('Unsupported form', 'Please submit the form from its page.'));
  }
  const body = rawBody(event);
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    return htmlResult(413, messagePage('Answer too long', 'The answer is longer than the form accepts.'));
  }
  const values = Object.fromEntries(new URLSearchParams(body));
  const parsed = behind.parse(values);
  if (!parsed.ok) return htmlResult(400, formPage({ ...shown, values, errors: parsed.errors }));
  const result = await submitAnswer(stepKinds, req, parsed.answers, parsed.extra);
  logger.info('form submitted', { requestId, kind: req.kind, result });
  if (result === 'already-submitted') return settledPage({ ...req, status: 'submitted' }) as HttpResult;
  if (result === 'closed') return settledPage({ ...req, status: 'expired' }) as HttpResult;
  if (result === 'busy') return htmlResult(409, notSavedPage());
  return htmlResult(200, messagePage('Thank you', `${form.title}: received. You can close this page.`));
};

// A person follows these links in a browser: an error reaches them as a page.
export const handler = middy<HttpEvent, HttpResult, Error, Context>()
  .use(observed())
  .use(httpErrors(messagePage))
  .handler(handleForm);
