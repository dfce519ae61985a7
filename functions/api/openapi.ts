import * as z from 'zod';
import { FrameworkDoc, PlanPolicyDoc, TemplateDoc, TriggerDoc } from '../../domain/catalog/documents';
import {
  AddParticipantsInput,
  AskFeedbackInput,
  CalibrationInput,
  CancelCycleInput,
  CancelPlanInput,
  ChangePlanItemInput,
  CreateGoalInput,
  CreatePlanInput,
  DraftPlanInput,
  ExtendCycleInput,
  GoalProgressInput,
  ImportOrgInput,
  PlanItemInput,
  PraiseInput,
  PreviewOrgInput,
  PutAspirationInput,
  PutEmployeesInput,
  ReassignRequestInput,
  ScheduleCycleInput,
  UpdateGoalInput,
} from './hr-schemas';
import { PAGES } from './pages';

/*
 * The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the handlers parse
 * with, so the document cannot promise what the code does not check. Served at GET /openapi.json.
 */

type Operation = {
  summary: string;
  /** session: the app's session cookie, checked by the app (functions/shared/session.ts). */
  auth: 'jwt' | 'none' | 'signed-link' | 'session';
  who?: string;
  body?: z.ZodType;
  bodyType?: 'json' | 'form' | 'multipart';
  ok: number;
  okDescription: string;
  /** What a success is written in, when not JSON (a signed link's page is HTML). */
  okMedia?: 'text/csv' | 'text/html';
  errors: number[];
  /** A page sends whoever is not signed in to sign in. */
  signInRedirect?: boolean;
};

/** An operation's description: who may call it, and how it is authorised. */
const DESCRIPTION: Record<Operation['auth'], (who?: string) => string> = {
  jwt: (who) => `Needs a bearer token. Who may call: ${who ?? 'anyone signed in'}.`,
  none: () => 'Public: no token needed.',
  session: (who) =>
    `Needs the app’s session cookie (signed in through the app) and, for a POST, the session’s CSRF token.${who ? ` Who may open it: ${who}.` : ''}`,
  'signed-link': () =>
    'Authorised by the link’s own HMAC signature, key id, nonce and expiry (the `s`, `k`, `n`, `e` and `a` query parameters), so no token or account is needed.',
};

const pathParameter = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

/** The query of a signed email link (domain/mail/links.ts). */
const LINK_PARAMETERS = [
  {
    name: 'k',
    in: 'query',
    required: true,
    description: 'The id of the key that signed the link (the current or the previous one)',
    schema: { type: 'string' },
  },
  {
    name: 'n',
    in: 'query',
    required: false,
    description: 'The request’s link nonce, 128 random bits, base64url',
    schema: { type: 'string' },
  },
  {
    name: 'e',
    in: 'query',
    required: true,
    description: 'Expiry, in Unix seconds',
    schema: { type: 'string' },
  },
  {
    name: 's',
    in: 'query',
    required: true,
    description: 'HMAC-SHA256 signature, base64url',
    schema: { type: 'string' },
  },
  {
    name: 'a',
    in: 'query',
    required: false,
    description: 'The assignment the link was sent for (absent for the first)',
    schema: { type: 'string' },
  },
];

/** The app's pages and actions, described from their own declarations (functions/api/pages). */
const pageOperations = (): Record<string, Operation> =>
  Object.fromEntries(
    Object.entries(PAGES).map(([key, page]) => {
      const who = { anyone: 'anyone signed in', manager: 'managers and HR', hr: 'HR admins' }[page.audience];
      const operation: Operation = key.startsWith('GET ')
        ? {
            summary: page.summary,
            auth: 'session',
            who,
            ok: 200,
            okDescription: 'An HTML page',
            okMedia: 'text/html',
            errors: [403, 404],
            signInRedirect: key !== 'GET /',
          }
        : {
            summary: page.summary,
            auth: 'session',
            who,
            bodyType: 'form',
            ok: 303,
            okDescription: 'Back to the page, with a notice of what was done',
            errors: [400, 401, 403, 404, 409],
          };
      return [key, operation];
    }),
  );

/** A page of HR's in the app: HTML, behind the session, for HR admins. */
const hrPage = (summary: string, errors: number[], bodyType?: Operation['bodyType']): Operation => ({
  summary,
  auth: 'session',
  who: 'HR',
  ...(bodyType ? { bodyType } : {}),
  ok: 200,
  okDescription: 'An HTML page',
  okMedia: 'text/html',
  errors,
});

/** A kind of catalog document's list, its revisions, and one revision. */
const catalogLists = (
  segment: string,
  param: string,
  label: string,
  who: string,
): Record<string, Operation> => ({
  [`GET /${segment}`]: {
    summary: `Every one of the ${label} as it is now, with its revision and who saved it`,
    auth: 'jwt',
    who,
    ok: 200,
    okDescription: 'The documents',
    errors: [403],
  },
  [`GET /${segment}/{${param}}/revisions`]: {
    summary: `Every revision of one of the ${label}, newest first: its number, when and by whom`,
    auth: 'jwt',
    who,
    ok: 200,
    okDescription: 'The revisions, without their contents',
    errors: [403, 404],
  },
  [`GET /${segment}/{${param}}/revisions/{revision}`]: {
    summary: `One revision of one of the ${label}, whole, as it was saved`,
    auth: 'jwt',
    who,
    ok: 200,
    okDescription: 'The revision',
    errors: [400, 403, 404],
  },
});

/** Every route of the API, by the key API Gateway routes on. */
export const OPERATIONS: Record<string, Operation> = {
  ...pageOperations(),
  'GET /health': { summary: 'Liveness', auth: 'none', ok: 200, okDescription: 'The API is up', errors: [] },
  'GET /openapi.json': {
    summary: 'This document',
    auth: 'none',
    ok: 200,
    okDescription: 'OpenAPI 3.1',
    errors: [],
  },
  'GET /auth/sign-in': {
    summary:
      "Start signing in: a redirect to the issuer's authorize endpoint (code flow with PKCE); `next`, a path of this site, is where the callback comes back to",
    auth: 'none',
    ok: 303,
    okDescription: 'To the issuer, with the sign-in attempt in a short-lived HttpOnly cookie',
    errors: [500],
  },
  'GET /auth/callback': {
    summary: "The issuer's answer: checks state, redeems the code with its PKCE verifier, starts a session",
    auth: 'none',
    ok: 303,
    okDescription:
      'The path the sign-in was started for, or home, with the session cookie (HttpOnly, Secure, SameSite=Lax)',
    errors: [400, 500],
  },
  'POST /auth/sign-out': {
    summary:
      "End the session and sign out of the issuer (needs the session's CSRF token and the app's origin)",
    auth: 'session',
    bodyType: 'form',
    ok: 303,
    okDescription: "To the issuer's logout, which returns home",
    errors: [403, 500],
  },
  'GET /auth/config': {
    summary: "Where the CLI signs in: the issuer's endpoints and the CLI's client id",
    auth: 'none',
    ok: 200,
    okDescription: 'The sign-in configuration',
    errors: [500],
  },
  'POST /hr/import/preview': hrPage(
    "Preview an uploaded HRIS export (multipart/form-data): each column's field, chosen in a form, and every row's change or problem",
    [400, 401, 403, 413],
    'multipart',
  ),
  'POST /hr/import/apply': hrPage(
    "Apply a previewed HRIS export with the chosen mapping; the import's report",
    [400, 401, 403, 422],
    'form',
  ),
  'GET /r/{requestId}': {
    summary: 'The form behind an email link (changes nothing: mail scanners prefetch links)',
    auth: 'signed-link',
    ok: 200,
    okDescription: 'An HTML form',
    errors: [403, 404, 409, 410],
  },
  'POST /r/{requestId}': {
    summary: 'Submit the form behind an email link, once',
    auth: 'signed-link',
    bodyType: 'form',
    ok: 200,
    okDescription: 'An HTML thank-you page',
    errors: [400, 403, 404, 409, 410, 413, 415],
  },
  'GET /audit/{entityKey}': {
    summary:
      'The audit trail of one entity (org, cycle#ID, plan#ID, goal#ID, aspiration#EMPLOYEE, framework#ID, template#ID, request#ID): who, when, what',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription: 'The events, oldest first',
    errors: [400, 403],
  },
  'GET /audit': {
    summary:
      'The changes of one UTC day across the organisation (today by default; ?day=YYYY-MM-DD), newest first, a page at a time (?limit, ?cursor)',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription: 'The day, its events and the cursor of the next page',
    errors: [400, 403],
  },
  'GET /employees': {
    summary: 'The whole organisation by employee id, a page at a time (?limit up to 1000, ?cursor)',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription: 'The employees and the cursor of the next page',
    errors: [400, 403],
  },
  'GET /employees/{employeeId}': {
    summary: 'One employee',
    auth: 'jwt',
    who: 'HR, the employee, their reporting line',
    ok: 200,
    okDescription: 'The employee',
    errors: [403, 404],
  },
  'GET /employees/{employeeId}/goals': {
    summary: 'An employee’s goals, by due date',
    auth: 'jwt',
    who: 'HR, the employee, their reporting line',
    ok: 200,
    okDescription: 'The goals',
    errors: [403],
  },
  'GET /employees/{employeeId}/aspiration': {
    summary: 'An employee’s career aspiration: the track and level they work towards next, with their note',
    auth: 'jwt',
    who: 'HR, the employee, their reporting line',
    ok: 200,
    okDescription: 'The aspiration, with who set it and when',
    errors: [403, 404],
  },
  'GET /employees/{employeeId}/reports': {
    summary: 'The people who report to an employee directly, leavers left out',
    auth: 'jwt',
    who: 'HR, the employee, their reporting line',
    ok: 200,
    okDescription: 'The direct reports',
    errors: [403],
  },
  'GET /employees/{employeeId}/export': {
    summary:
      'Everything held about a person, for a request for their data: their record, aspiration, goals, reviews as HR reads them, open requests, feedback, plans, audit trail and the answers they gave about others, and what the export does not hold',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription: 'The person’s data as one JSON document',
    errors: [403, 404],
  },
  'POST /employees/{employeeId}/pseudonymise': {
    summary:
      'Pseudonymise a leaver once the retention period since they left has passed: their name and address replaced by a pseudonym, every free text they wrote or that is about them replaced, ids, ratings, dates and counts kept; run again, it changes nothing',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription:
      '`{outcome: "done", employeeId, pseudonymisedAt, items}`: when, and how many items were rewritten',
    errors: [403, 404, 409],
  },
  'GET /employees/{employeeId}/requests': {
    summary:
      'What an employee owes: the requests addressed to them still to answer, newest first; the signed link of each open one only to the employee themselves',
    auth: 'jwt',
    who: 'HR, the employee, their reporting line',
    ok: 200,
    okDescription: 'The pending and open requests',
    errors: [403],
  },
  'GET /employees/{employeeId}/reviews': {
    summary:
      'An employee’s reviews, one per cycle: where each stands, and whether its results are released and acknowledged',
    auth: 'jwt',
    who: 'HR, the employee, their reporting line',
    ok: 200,
    okDescription: 'The reviews',
    errors: [403],
  },
  'PUT /employees/{employeeId}/aspiration': {
    summary:
      'Record an employee’s career aspiration in place of the one before (a track or note left out is cleared); a drafted development plan measures next-level gaps against it. With the `revision` read, 409 (with the aspiration as it is now) once another save came first',
    auth: 'jwt',
    who: 'the employee, their direct manager, HR',
    body: PutAspirationInput,
    ok: 200,
    okDescription: 'The aspiration',
    errors: [400, 403, 404, 409, 415],
  },
  'POST /goals': {
    summary:
      'Set a goal (ownerId "company" for a company goal others align to); with an `Idempotency-Key` a retry answers the goal as it is now and changes nothing',
    auth: 'jwt',
    who: 'the owner, their direct manager, HR; company goals: HR',
    body: CreateGoalInput,
    ok: 201,
    okDescription: 'The goal',
    errors: [400, 403, 415],
  },
  'GET /goals/{goalId}': {
    summary: 'A goal, its progress updates and the goals it aligns to',
    auth: 'jwt',
    who: 'HR, the owner, their reporting line; company goals: everyone',
    ok: 200,
    okDescription: 'The goal',
    errors: [403, 404],
  },
  'PATCH /goals/{goalId}': {
    summary:
      'Change a goal (target, weight, due date, status, alignment), from the `revision` the caller read; 409 with the goal as it is now once another change came first',
    auth: 'jwt',
    who: 'the owner, their direct manager, HR',
    body: UpdateGoalInput,
    ok: 200,
    okDescription: 'The goal, at its next revision',
    errors: [400, 403, 404, 409, 415],
  },
  'POST /goals/{goalId}/progress': {
    summary: 'Record progress on a goal (ongoing assessment)',
    auth: 'jwt',
    who: 'the owner, their direct manager, HR',
    body: GoalProgressInput,
    ok: 201,
    okDescription: 'The goal with the new update',
    errors: [400, 403, 404, 415],
  },
  'PUT /employees': {
    summary:
      'Upsert up to 1,000 employees, each written only if unchanged since it was read (and with `revision`, only at that revision); 409 names the employees another write changed',
    auth: 'jwt',
    who: 'HR',
    body: PutEmployeesInput,
    ok: 200,
    okDescription: 'How many were upserted',
    errors: [400, 403, 409, 415],
  },
  'POST /org/import': {
    summary:
      'Import the organisation from an HRIS export (CSV or rows), its columns mapped as the preview shows; with any bad row nothing is written unless `skipInvalid`; 409 names the people another write changed while it ran (the rest are written, importing again writes them)',
    auth: 'jwt',
    who: 'HR',
    body: ImportOrgInput,
    ok: 200,
    okDescription: 'Counts and every bad row (applied, dry run, or skip-invalid)',
    errors: [400, 403, 409, 415, 422],
  },
  'POST /org/import/preview': {
    summary:
      'Preview an import of an HRIS export, writing nothing: how its columns map (given in `map`, or recognised from common HRIS header names), and every row that would be new, changed or a leaver, or has a problem (its column and value as the export wrote them)',
    auth: 'jwt',
    who: 'HR',
    body: PreviewOrgInput,
    ok: 200,
    okDescription: '`{columns, counts, rows, leavers}`: unchanged rows are only counted',
    errors: [400, 403, 415],
  },
  ...catalogLists('frameworks', 'frameworkId', 'competency frameworks', 'anyone signed in'),
  ...catalogLists('templates', 'templateId', 'cycle templates', 'anyone signed in'),
  ...catalogLists('triggers', 'triggerId', 'review triggers', 'HR'),
  ...catalogLists('plan-policies', 'planPolicyId', 'plan policies', 'anyone signed in'),
  'PUT /frameworks/{frameworkId}': {
    summary: 'Create or replace a competency framework (a new revision)',
    auth: 'jwt',
    who: 'HR',
    body: FrameworkDoc,
    ok: 200,
    okDescription: 'The stored framework and its revision',
    errors: [400, 403, 409, 415],
  },
  'GET /frameworks/{frameworkId}': {
    summary: 'A competency framework',
    auth: 'jwt',
    who: 'anyone signed in',
    ok: 200,
    okDescription: 'The framework',
    errors: [403, 404],
  },
  'PUT /templates/{templateId}': {
    summary: 'Create or replace a cycle template (its framework must exist)',
    auth: 'jwt',
    who: 'HR',
    body: TemplateDoc,
    ok: 200,
    okDescription: 'The stored template and its revision',
    errors: [400, 403, 409, 415],
  },
  'GET /templates/{templateId}': {
    summary: 'A cycle template',
    auth: 'jwt',
    who: 'anyone signed in',
    ok: 200,
    okDescription: 'The template',
    errors: [403, 404],
  },
  'PUT /triggers/{triggerId}': {
    summary:
      'Create or replace a review trigger: a one-person review from a template, N days after each start date',
    auth: 'jwt',
    who: 'HR',
    body: TriggerDoc,
    ok: 200,
    okDescription: 'The stored trigger and its revision',
    errors: [400, 403, 409, 415],
  },
  'GET /triggers/{triggerId}': {
    summary: 'A review trigger',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription: 'The trigger',
    errors: [403, 404],
  },
  'GET /cycles': {
    summary:
      'List cycles, latest start first: ?status=scheduled|running|closed|cancelled, ?limit= (1-100, 50 by default), ?cursor= the `next` of the page before',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription: '`{cycles, next?}`: `next` is there when more cycles follow',
    errors: [400, 403],
  },
  'GET /cycles/{cycleId}/calibration': {
    summary:
      'The cycle’s ratings for calibration: each participant’s department, manager, the manager’s overall rating, HR’s calibration of it and the rating that counts, and the framework’s scale',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription:
      '`{scale: {min, max}, reviews: [{employeeId, name, department, managerId, managerName, status, rating, final, calibration}]}`',
    errors: [403, 404],
  },
  'POST /cycles': {
    summary: 'Schedule an appraisal cycle (Idempotency-Key makes a retry schedule it once)',
    auth: 'jwt',
    who: 'HR',
    body: ScheduleCycleInput,
    ok: 201,
    okDescription: 'The scheduled cycle',
    errors: [400, 403, 415],
  },
  'GET /cycles/{cycleId}': {
    summary:
      'A cycle: review counts by state, requests by phase and state, the overdue list, and the development plans its reviews led to (plans by status, their items by status and overdue)',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription:
      'The cycle, reviews, phases, overdue, bounced, acknowledgments and plans ({total, active, closed, cancelled, items: {total, done, open, blocked, overdue, missed, dropped}})',
    errors: [403, 404],
  },
  'POST /cycles/{cycleId}/extend': {
    summary:
      'Extend deadlines by whole days: the whole cycle, one person, or one phase; running workflows follow at their next wake-up. 409 when another extension of the whole cycle went in at the same moment',
    auth: 'jwt',
    who: 'HR',
    body: ExtendCycleInput,
    ok: 200,
    okDescription: 'How many requests moved',
    errors: [400, 403, 404, 409, 415],
  },
  'POST /cycles/{cycleId}/cancel': {
    summary: 'Cancel a cycle: its workflows stop and no email goes out after',
    auth: 'jwt',
    who: 'HR',
    body: CancelCycleInput,
    ok: 200,
    okDescription: 'The cycle is cancelled',
    errors: [400, 403, 404, 409, 415],
  },
  'POST /cycles/{cycleId}/participants': {
    summary: 'Add people to a scheduled or running cycle (their reviews start at once in a running one)',
    auth: 'jwt',
    who: 'HR',
    body: AddParticipantsInput,
    ok: 200,
    okDescription: 'Who was added, and who was in already',
    errors: [400, 403, 404, 409, 415],
  },
  'DELETE /cycles/{cycleId}/participants/{employeeId}': {
    summary: 'Take one person out of a cycle: their workflow stops and their open requests close',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription: 'Removed',
    errors: [403, 404, 409],
  },
  'POST /requests/{requestId}/reassign': {
    summary:
      'Pass an open peer-feedback, manager-appraisal, peer-nomination or peer-approval request to another employee (a bounced or departed reviewer): the old link stops working, the new reviewer is emailed once, the workflow keeps waiting on the same request',
    auth: 'jwt',
    who: 'HR',
    body: ReassignRequestInput,
    ok: 200,
    okDescription: 'The request with its new recipient and assignment number',
    errors: [400, 403, 404, 409, 415, 422],
  },
  'GET /cycles/{cycleId}/export': {
    summary:
      'The results as CSV, one row per participant (peer answers combined), ending with their development plan from the cycle: plan_status, plan_items, plan_done, plan_overdue',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription: 'The results, one row per participant',
    okMedia: 'text/csv',
    errors: [403, 404],
  },
  'GET /cycles/{cycleId}/reviews/{employeeId}': {
    summary:
      'A review, with peer feedback and the gap analysis (expected levels against self, peer, manager or calibrated ratings; ranked development needs) as the caller may see them (?view=hr|employee)',
    auth: 'jwt',
    who: 'HR (attributed), the employee and their reporting line (combined, above the anonymity threshold)',
    ok: 200,
    okDescription: 'The review',
    errors: [400, 403, 404],
  },
  'POST /cycles/{cycleId}/reviews/{employeeId}/calibration': {
    summary:
      'Calibrate a review once the manager appraisal is in: the overall and/or competency ratings, with a justification; the originals are kept',
    auth: 'jwt',
    who: 'HR',
    body: CalibrationInput,
    ok: 200,
    okDescription:
      'The calibration (original and calibrated values, who, when) and the recomputed gap analysis',
    errors: [400, 403, 404, 409, 415],
  },
  'POST /cycles/{cycleId}/reviews/{employeeId}/release': {
    summary:
      'Release one review’s results to the employee (their ratings, the manager’s texts and the gap analysis become visible, and they are asked to acknowledge) and draft their development plan from it; repeating it changes nothing',
    auth: 'jwt',
    who: 'HR, the employee’s direct manager',
    ok: 200,
    okDescription: '`{released: true, alreadyReleased, planId?}`: `planId` names the plan drafted from it',
    errors: [403, 404, 409],
  },
  'POST /cycles/{cycleId}/release': {
    summary:
      'Release the results of every review of the cycle whose manager appraisal is in, and draft each released employee’s development plan from their review, as many as fit in 20 s; call again with ?cursor=<next> while `next` is given',
    auth: 'jwt',
    who: 'HR',
    ok: 200,
    okDescription:
      '`{released, alreadyReleased, notReady, next?}`: how many reviews each, and where to go on from',
    errors: [400, 403, 404, 409],
  },
  'POST /plans': {
    summary:
      'Create a development plan (items of kind training, coaching, mentoring, stretch or practice, each with a due date) under a plan policy, and start its follow-up; with `draft: true` (a promotion, an improvement plan) it starts only once the owner and their manager agree to it on their forms. An improvement plan follows the performance-improvement policy when HR keeps one',
    auth: 'jwt',
    who: 'HR, the owner’s direct manager',
    body: CreatePlanInput,
    ok: 201,
    okDescription:
      '`{planId, plan}`: the plan with its items (a draft: status `draft`, its items under `draft.items`)',
    errors: [400, 403, 415],
  },
  'POST /plans/draft': {
    summary:
      'Draft a development plan from an employee’s released review (its gap analysis, the manager’s development needs, next-level gaps against their career aspiration), once per cycle; it starts once the employee and their manager agree to it. Releasing results drafts it too',
    auth: 'jwt',
    who: 'HR, the employee’s direct manager',
    body: DraftPlanInput,
    ok: 201,
    okDescription:
      '`{planId, plan}` with status `draft`; 200 with `alreadyDrafted: true` when the employee has a plan for the cycle already',
    errors: [400, 403, 404, 409, 415],
  },
  'GET /plans': {
    summary:
      'List plans: ?ownerId= one employee’s, ?team= a manager’s reports’, ?mentorId= the items a mentor mentors, ?overdue=true every active plan with an overdue item, ?status=draft|active|closed|cancelled|any every plan of that status, newest first, a page at a time (?cursor= the `next` of the page before)',
    auth: 'jwt',
    who: 'HR; the owner and their reporting line; a manager for their team; a mentor for their own items',
    ok: 200,
    okDescription:
      '`{plans}` (or `{items}` for a mentor), each item with `overdue`; with ?status, `next` when more plans follow',
    errors: [400, 403],
  },
  'GET /plans/{planId}': {
    summary: 'A development plan, each item with its status, due date, evidence and history',
    auth: 'jwt',
    who: 'HR, the owner, their reporting line; a mentor sees only the items they mentor',
    ok: 200,
    okDescription: '`{plan}`',
    errors: [403, 404],
  },
  'POST /plans/{planId}/items': {
    summary:
      'Add an item to a running plan; its follow-up starts at once. 409 when another item was added, or the plan ended, since it was read',
    auth: 'jwt',
    who: 'HR, the owner’s direct manager',
    body: PlanItemInput,
    ok: 201,
    okDescription: '`{item}`',
    errors: [400, 403, 404, 409, 415],
  },
  'PATCH /plans/{planId}/items/{itemId}': {
    summary:
      'Change an item from the `revision` the caller read: a new due date (its follow-up starts again from it), new words, a new mentor, or `drop: true`; the running workflow honours it at once. 409 naming `revision`, with the item as it is now, once another change came first',
    auth: 'jwt',
    who: 'HR, the owner’s direct manager',
    body: ChangePlanItemInput,
    ok: 200,
    okDescription: '`{item}`, at its next revision',
    errors: [400, 403, 404, 409, 415],
  },
  'POST /plans/{planId}/cancel': {
    summary:
      'Cancel a plan, running or still a draft: nothing more is asked or sent about it, and it closes with its summary',
    auth: 'jwt',
    who: 'HR',
    body: CancelPlanInput,
    ok: 200,
    okDescription: '`{plan}`',
    errors: [400, 403, 404, 409, 415],
  },
  'PUT /plan-policies/{planPolicyId}': {
    summary:
      'Create or replace a plan policy: reminders, escalation chain, send window, check-ins, how far an owner may move a date, what a blocked item does',
    auth: 'jwt',
    who: 'HR',
    body: PlanPolicyDoc,
    ok: 200,
    okDescription: 'The stored policy with its revision',
    errors: [400, 403, 409, 415],
  },
  'GET /plan-policies/{planPolicyId}': {
    summary: 'A plan policy',
    auth: 'jwt',
    who: 'anyone signed in',
    ok: 200,
    okDescription: 'The stored policy with its revision',
    errors: [404],
  },
  'POST /feedback/requests': {
    summary:
      'Ask up to ten colleagues or external addresses for feedback, about yourself or (for your own view) a direct report, on catalog items and/or a question, within 1-30 days; each gets a signed-link form and one reminder; with an `Idempotency-Key` a retry asks nobody twice',
    auth: 'jwt',
    who: 'the person themselves, or their direct manager',
    body: AskFeedbackInput,
    ok: 201,
    okDescription: 'The request for feedback',
    errors: [400, 403, 415],
  },
  'GET /feedback/requests/{askId}': {
    summary:
      'A request for feedback and the answers the caller may read; an anonymous one shows no answer, nor their number, below its threshold, and never a name',
    auth: 'jwt',
    who: 'the asker, HR, the asker’s manager when shared',
    ok: 200,
    okDescription: 'The request and its answers',
    errors: [403, 404],
  },
  'GET /employees/{employeeId}/feedback-requests': {
    summary:
      'The requests for feedback about an employee the caller may read, newest first, each with how many were asked and (above the anonymity threshold) answered',
    auth: 'jwt',
    who: 'HR, the asker, the employee’s direct manager when shared',
    ok: 200,
    okDescription: 'The requests for feedback',
    errors: [403],
  },
  'POST /feedback/praise': {
    summary:
      'Praise or give feedback unprompted, tied to a value or behaviour of the template’s framework; the person reads it in their digest, their manager on the record',
    auth: 'jwt',
    who: 'any employee, about someone else',
    body: PraiseInput,
    ok: 201,
    okDescription: 'The praise',
    errors: [400, 403, 415],
  },
  'GET /employees/{employeeId}/feedback': {
    summary:
      'Feedback on an employee’s record (praise, answers to requests for feedback) as the caller may read it, with a summary by competency and value',
    auth: 'jwt',
    who: 'HR, the employee, their direct manager (praise and what is shared with them)',
    ok: 200,
    okDescription: 'The feedback and its summary',
    errors: [403],
  },
  // HR: cycles, calibration and plans (functions/api/pages/hr-cycles.ts, hr-calibration.ts, hr-plans.ts)
  'GET /hr/cycles/{cycleId}/export': {
    summary: 'HR: the cycle’s results as a CSV download, as GET /cycles/{cycleId}/export gives them',
    auth: 'session',
    ok: 200,
    okDescription: 'The results, one row per participant',
    okMedia: 'text/csv',
    errors: [403, 404, 500],
  },
};

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input; `errors[].field` names each failing field',
  401: 'Missing, expired or invalid token (from the gateway)',
  403: 'Not allowed for this caller, or a link that was altered',
  404: 'Not found',
  409: 'Conflicts with the current state: already submitted, a closed or cancelled cycle, no manager appraisal to calibrate or release yet, results not released to draft a plan from; a stale draft-plan form, goal or plan-item revision; a write that met a concurrent one',
  410: 'Expired link or closed request',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Import rejected: bad rows, nothing written',
  500: 'An unexpected error; `correlationId` names the request in the logs',
};

/**
 * What the gateway answers itself, before any handler runs: a missing or bad token (401), and the
 * stage's throttle (infra/stack.ts), which may answer 429 on any route.
 */
const GATEWAY_ERRORS: Record<number, string> = {
  401: ERROR_TEXT[401] as string,
  429: 'Too many requests: the gateway’s throttle; retry after a pause',
};

/** The API's parts, one tag each, named by a route's first path segment. */
const TAGS = {
  Service: { description: 'Liveness and this document', segments: ['health', 'openapi.json'] },
  App: {
    description: 'The web app’s pages and their actions (HTML), and signing in and out',
    segments: ['', 'auth', 'hr', 'me', 'team'],
  },
  'Email links': { description: 'The forms behind signed email links (no account needed)', segments: ['r'] },
  People: {
    description: 'Employees, the organisation imported from an HRIS export, aspirations',
    segments: ['employees', 'org'],
  },
  Catalog: {
    description: 'Competency frameworks, cycle templates, review triggers and plan policies, with revisions',
    segments: ['frameworks', 'templates', 'triggers', 'plan-policies'],
  },
  Cycles: {
    description: 'Appraisal cycles, their reviews, requests, calibration and release',
    segments: ['cycles', 'requests'],
  },
  Goals: { description: 'Goals and their progress', segments: ['goals'] },
  Feedback: { description: 'Feedback asked for or given at any time, and praise', segments: ['feedback'] },
  Plans: { description: 'Development plans and their items', segments: ['plans'] },
  Audit: { description: 'Who did what, when', segments: ['audit'] },
} as const;

const tagOf = (path: string): string => {
  const segment = path.split('/')[1] ?? '';
  const tag = Object.entries(TAGS).find(([, t]) => (t.segments as readonly string[]).includes(segment));
  if (!tag) throw new Error(`No OpenAPI tag for ${path}`);
  return tag[0];
};

const GatewayMessage = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string', examples: ['Unauthorized', 'Too Many Requests'] } },
};

const Problem = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    correlationId: {
      type: 'string',
      description:
        'Given with an unexpected error (500) or a write that met a concurrent one (409): the id the log line about it carries',
    },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const jsonSchema = (schema: z.ZodType) => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as Record<string, unknown>;
  return rest;
};

export const openApiDocument = (serverUrl?: string): Record<string, unknown> => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method = '', path = ''] = key.split(' ');
    const params = [
      ...[...path.matchAll(/\{([^}]+)\}/g)].map((m) => pathParameter(m[1] as string)),
      ...(op.auth === 'signed-link' ? LINK_PARAMETERS : []),
    ];
    // Every route that does work may fail unexpectedly; /health and this document do none.
    const errors = [
      ...(op.auth === 'jwt' ? [401] : []),
      ...op.errors,
      429,
      ...(op.auth === 'none' ? [] : [500]),
    ].sort((a, b) => a - b);
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[method.toLowerCase()] = {
      summary: op.summary,
      description: DESCRIPTION[op.auth](op.who),
      tags: [tagOf(path)],
      operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
      ...(params.length ? { parameters: params } : {}),
      security: op.auth === 'jwt' ? [{ cognito: [] }] : op.auth === 'session' ? [{ session: [] }] : [],
      ...(op.body
        ? {
            requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } },
          }
        : op.bodyType === 'form' || op.bodyType === 'multipart'
          ? {
              requestBody: {
                required: true,
                content: {
                  [op.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'multipart/form-data']: {
                    schema: { type: 'object', additionalProperties: { type: 'string' } },
                  },
                },
              },
            }
          : {}),
      responses: {
        ...(op.signInRedirect ? { '303': { description: 'Nobody signed in: to /auth/sign-in' } } : {}),
        [String(op.ok)]: {
          description: op.okDescription,
          // A redirect's body is nothing to describe: its Location header is the answer.
          ...(op.ok >= 300 && op.ok < 400
            ? {}
            : {
                content:
                  op.auth === 'signed-link'
                    ? { 'text/html': { schema: { type: 'string' } } }
                    : op.okMedia
                      ? { [op.okMedia]: { schema: { type: 'string' } } }
                      : { 'application/json': { schema: { type: 'object' } } },
              }),
        },
        ...Object.fromEntries(
          errors
            .map((status) => [status, status === 429 || (status === 401 && op.auth === 'jwt')] as const)
            .map(([status, byGateway]) => [
              String(status),
              {
                description:
                  (byGateway ? GATEWAY_ERRORS[status] : undefined) ?? ERROR_TEXT[status] ?? 'Error',
                ...(byGateway
                  ? {
                      content: {
                        'application/json': { schema: { $ref: '#/components/schemas/GatewayMessage' } },
                      },
                    }
                  : op.auth === 'jwt'
                    ? {
                        content: {
                          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
                        },
                      }
                    : // The signed-link forms and the app's pages answer a browser with an HTML page.
                      { content: { 'text/html': { schema: { type: 'string' } } } }),
              },
            ]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'growcycle API',
      version: '0.1.0',
      description:
        'Appraisal cycles, peer feedback and development-plan follow-up. Errors are RFC 9457 problem documents.',
      license: { name: 'Apache 2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      serverUrl
        ? { url: serverUrl }
        : {
            url: '/',
            description: 'The origin this document is served from (locally http://localhost:4000)',
          },
    ],
    tags: Object.entries(TAGS).map(([name, { description }]) => ({ name, description })),
    paths,
    components: {
      schemas: { Problem, GatewayMessage },
      securitySchemes: {
        cognito: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Cognito ID token (locally: growcycle dev-token)',
        },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'growcycle_session',
          description: "The app's session cookie, set by GET /auth/callback",
        },
      },
    },
  };
};
