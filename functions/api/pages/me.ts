import * as z from 'zod';
import { html } from '../../../domain/platform/html';
import { callRoute } from '../hr-routes';
import { fieldsOf, firstProblem, formProblem, optionalNumber } from './page-forms';
import {
  aspirationFacts,
  feedbackList,
  goalsTable,
  owedTable,
  plansSection,
  readRecord,
  releasedResults,
  reviewsTable,
} from './person';
import { actionOutcome, appPage, noticeOf, type Pages, postForm, refusal } from './shell';

/*
 * An employee's own page: what they owe (with the signed links their emails carry), their reviews and
 * released results with the acknowledgment, goals with a form to record progress, development plans,
 * their career aspiration with a form to set it, and the feedback they received. Everything is read
 * and done through the HR API's routes as the signed-in person.
 */

const NOTICES = ['Progress recorded.', 'Aspiration saved.'] as const;

const ProgressForm = z.object({
  value: optionalNumber,
  note: z.string().trim().max(2000).default(''),
});

const AspirationForm = z.object({
  track: z.string().trim().max(100).default(''),
  level: z
    .string()
    .trim()
    .regex(/^\d{1,2}$/, 'a whole number'),
  note: z.string().trim().max(1000).default(''),
  revision: z
    .string()
    .regex(/^\d{1,9}$/, 'a whole number')
    .optional(),
});

export const mePages: Pages = {
  'GET /me': {
    audience: 'anyone',
    summary:
      "The signed-in person's own page: what they owe, reviews and released results, goals, plan, aspiration, feedback received",
    handle: async ({ event, user, principal }) => {
      const me = principal.employeeId;
      const found = await readRecord(principal, me);
      if (!found.ok) return refusal(user, found.answer, '/');
      const { record } = found;
      const progressForm = (goalId: string) =>
        postForm(
          user,
          `/me/goals/${encodeURIComponent(goalId)}/progress`,
          html`<label for="value-${goalId}">Value</label><input id="value-${goalId}" name="value" type="text" inputmode="decimal">
<label for="note-${goalId}">Note</label><input id="note-${goalId}" name="note" type="text">`,
          'Record progress',
        );
      const a = record.aspiration;
      return appPage(
        user,
        'My page',
        html`<h2>What you owe</h2>
${owedTable('Requests waiting for you', record.owed)}
<h2>Reviews</h2>
${reviewsTable(record.reviews, record.owed)}
<h2>Released results</h2>
${await releasedResults(principal, me, record.reviews)}
<h2>Goals</h2>
${goalsTable(record.goals, (g) => progressForm(g.goalId))}
<h2>Development plan</h2>
${plansSection(record.plans, record.owed)}
<h2>Career aspiration</h2>
${aspirationFacts(a)}
${postForm(
  user,
  '/me/aspiration',
  html`<fieldset><legend>Where you want to grow next</legend>
<label for="track">Track</label><input id="track" name="track" type="text" value="${a?.track ?? ''}">
<label for="level">Level</label><input id="level" name="level" type="number" min="0" max="20" required value="${a ? String(a.level) : ''}">
<label for="aspiration-note">In your words</label><textarea id="aspiration-note" name="note">${a?.note ?? ''}</textarea></fieldset>
${a ? html`<input type="hidden" name="revision" value="${String(a.revision ?? 1)}">` : ''}`,
  'Save my aspiration',
)}
<h2>Feedback you received</h2>
${feedbackList(record.feedback)}`,
        { path: '/me', notice: noticeOf(event, NOTICES) },
      );
    },
  },

  'POST /me/goals/{goalId}/progress': {
    audience: 'anyone',
    summary: 'Record progress on a goal (through POST /goals/{goalId}/progress)',
    handle: async (context) => {
      const parsed = ProgressForm.safeParse(fieldsOf(context.form));
      if (!parsed.success) return formProblem(context, firstProblem(parsed.error), '/me');
      const { value, note } = parsed.data;
      const answer = await callRoute('POST /goals/{goalId}/progress', context.principal, {
        path: { goalId: context.event.pathParameters?.goalId ?? '' },
        body: { ...(value === undefined ? {} : { value }), ...(note ? { note } : {}) },
      });
      return actionOutcome(context.user, answer, 201, '/me', 'Progress recorded.');
    },
  },

  'POST /me/aspiration': {
    audience: 'anyone',
    summary: "Set one's own career aspiration (through PUT /employees/{employeeId}/aspiration)",
    handle: async (context) => {
      const parsed = AspirationForm.safeParse(fieldsOf(context.form));
      if (!parsed.success) return formProblem(context, firstProblem(parsed.error), '/me');
      const { track, level, note, revision } = parsed.data;
      const answer = await callRoute('PUT /employees/{employeeId}/aspiration', context.principal, {
        path: { employeeId: context.principal.employeeId },
        body: {
          level: Number(level),
          ...(track ? { track } : {}),
          ...(note ? { note } : {}),
          // The revision the page showed: a save made since in another tab is not undone.
          ...(revision ? { revision: Number(revision) } : {}),
        },
      });
      return actionOutcome(context.user, answer, 200, '/me', 'Aspiration saved.');
    },
  },
};
