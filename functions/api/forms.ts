import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { PhaseKind } from '../../domain/catalog/forms';
import { submitAnswer } from '../../domain/human-steps/answers';
import { localDate } from '../../domain/mail/compose';
import { checkLink, linkAssignment, linkSecret, signedPath } from '../../domain/mail/links';
import { logger } from '../../domain/platform/logger';
import { db, type HumanRequest, type RequestKind } from '../../domain/platform/table';
import { templateFormFor } from '../../domain/reviews/appraisal-forms';
import { isNominationKind } from '../../domain/reviews/nominations';
import { phaseFormFor } from '../../domain/reviews/phase-forms';
import { type HttpEvent, type HttpResult, header, htmlResult, rawBody } from '../shared/http';
import { stepKinds } from '../shared/step-kinds';
import { FORMS, formPage, messagePage } from './form-pages';
import { handleNominationForm } from './nomination-page';

// A template-driven form has a text per rated item; well under the 400 KB DynamoDB item limit.
const MAX_BODY_BYTES = 128 * 1024;
const text = (label: string) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, `${label} is required`)
    .max(5000, `${label} is at most 5000 characters`);
const rating = z.enum(['1', '2', '3', '4', '5'], { error: 'Choose a rating from 1 to 5' }).transform(Number);

/** The kinds answered through these schemas; phases and nominations have forms of their own. */
type AnswerKind = Exclude<RequestKind, PhaseKind | 'peer-nomination' | 'peer-approval'>;

/** What each form accepts; anything else in the body is ignored, anything missing is named. */
export const AnswerSchemas = {
  'self-assessment': z.object({
    rating,
    achievements: text('What you are most proud of'),
    growth: text('Where you want to grow'),
  }),
  'peer-feedback': z.object({
    rating,
    strengths: text('What they should keep doing'),
    growth: text('What could help them grow'),
  }),
  'manager-appraisal': z.object({
    rating,
    summary: text('The summary'),
    developmentNeeds: text('Development needs'),
  }),
  'action-item': z.object({
    note: z.string().trim().max(5000, 'The note is at most 5000 characters').optional().default(''),
  }),
} satisfies Record<AnswerKind, z.ZodType>;

const notFound = () =>
  htmlResult(
    404,
    messagePage('Link not recognised', 'This link is not valid. Please use the latest link from your email.'),
  );

const contextLine = async (req: HumanRequest): Promise<string> => {
  const [subject, recipient] = await Promise.all(
    [req.subjectId, req.recipientId].map(
      async (employeeId) => (await db().employee.get({ employeeId }).go()).data,
    ),
  );
  // The due date as the person reads it in the email: in their own time zone.
  const due = `Due ${localDate(req.dueAt, recipient?.timeZone ?? 'UTC')}.`;
  if (req.kind === 'action-item') return `Action: ${req.title ?? ''}. ${due}`;
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
export const handleForm = async (event: HttpEvent): Promise<HttpResult> => {
  const requestId = event.pathParameters?.requestId ?? '';
  const query = event.queryStringParameters ?? {};
  const secret = await linkSecret();
  const assignment = linkAssignment(query.a);
  const check =
    assignment === undefined
      ? 'invalid'
      : checkLink(secret, 'respond', requestId, query.e, query.s, undefined, assignment);
  if (check === 'invalid') {
    logger.warn('rejected link', { reason: 'signature' });
    return htmlResult(
      403,
      messagePage(
        'Link not valid',
        'This link is incomplete or has been altered. Please open it again from your email.',
      ),
    );
  }
  if (check === 'expired') {
    return htmlResult(
      410,
      messagePage('Link expired', 'This link has expired. The request it belonged to is closed.'),
    );
  }
  const req = (await db().request.get({ requestId }).go({ consistent: true })).data;
  if (!req || req.status === 'pending') return notFound();
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
  const settled = settledPage(req);
  if (settled) return settled;
  const action = `${signedPath(secret, 'respond', requestId, new Date(Number(query.e) * 1000), assignment)}`;
  const context = await contextLine(req);
  // Nominations offer colleagues per review, so their pages and schemas are built per request.
  if (isNominationKind(req.kind) && req.cycleId)
    return handleNominationForm(event, { ...req, kind: req.kind, cycleId: req.cycleId }, action, context);
  if (isNominationKind(req.kind)) return notFound();
  // A cycle made from a template asks what its template and framework say; other requests keep the fixed forms.
  const templated = await templateFormFor(req);
  // Goal setting, the review meeting and the acknowledgment have forms of their own.
  const phase = templated ? undefined : await phaseFormFor(req);
  const shown = templated?.form ?? phase?.form;
  const form = shown ? { form: shown } : {};

  if (event.requestContext.http.method === 'GET') {
    return htmlResult(200, formPage({ kind: req.kind, action, context, ...form }));
  }

  if (!/^application\/x-www-form-urlencoded\b/i.test(header(event, 'content-type') ?? '')) {
    return htmlResult(415, messagePage('Unsupported form', 'Please submit the form from its page.'));
  }
  const body = rawBody(event);
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    return htmlResult(413, messagePage('Answer too long', 'The answer is longer than the form accepts.'));
  }
  const values = Object.fromEntries(new URLSearchParams(body));
  let answers: Record<string, unknown>;
  let extra: Awaited<ReturnType<NonNullable<typeof phase>['parse']>> | undefined;
  if (phase) {
    extra = phase.parse(values);
    if (!extra.ok)
      return htmlResult(
        400,
        formPage({ kind: req.kind, action, context, values, errors: extra.errors, ...form }),
      );
    answers = extra.answers;
  } else {
    const parsed = (templated?.schema ?? AnswerSchemas[req.kind as AnswerKind]).safeParse(values);
    if (!parsed.success) {
      const errors = Object.fromEntries(
        parsed.error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]),
      );
      return htmlResult(400, formPage({ kind: req.kind, action, context, values, errors, ...form }));
    }
    answers = parsed.data;
  }
  const result = await submitAnswer(stepKinds, req, answers, extra?.ok ? extra.extra : []);
  logger.info('form submitted', { requestId, kind: req.kind, result });
  if (result === 'already-submitted') return settledPage({ ...req, status: 'submitted' }) as HttpResult;
  if (result === 'closed') return settledPage({ ...req, status: 'expired' }) as HttpResult;
  return htmlResult(
    200,
    messagePage('Thank you', `${shown?.title ?? FORMS[req.kind].title}: received. You can close this page.`),
  );
};

export const handler = middy<HttpEvent, HttpResult, Error, Context>().handler(handleForm);
