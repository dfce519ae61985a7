import * as z from 'zod';
import { html } from '../../../domain/platform/html';
import { callRoute } from '../hr-routes';
import { appPage, link, type Pages, refusal, table } from './shell';

/*
 * HR's audit page: the changes of one day across the organisation, newest first, a page at a time;
 * or, for an entity key, that entity's whole trail. Read through the HR API's audit routes.
 */

type AuditEvent = {
  at: string;
  eventId: string;
  actor: string;
  action: string;
  entityKey?: string;
  details?: unknown;
};

const AuditQuery = z.object({
  entityKey: z.string().trim().max(200).optional().catch(undefined),
  day: z.iso.date().optional().catch(undefined),
  cursor: z.string().max(2048).optional().catch(undefined),
});

const time = (iso: string) => iso.replace('T', ' ').slice(0, 19);

/** A list of ids as a line of a table: the first few, and how many in all. */
const idList = (values: unknown[]) =>
  values.length > 5
    ? `${values.slice(0, 5).map(String).join(', ')}… (${values.length} in all)`
    : values.length
      ? values.map(String).join(', ')
      : 'none';

/** Details hold ids and counts: shown as `name: value` pairs, long lists shortened. */
const detailsText = (details: unknown) =>
  details && typeof details === 'object'
    ? Object.entries(details as Record<string, unknown>)
        .map(
          ([k, v]) =>
            `${k}: ${Array.isArray(v) ? idList(v) : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
        )
        .join('; ')
    : '';

const AUDIT_STYLE = html`<style>main td:nth-child(-n+2),main td:nth-child(4){white-space:nowrap}main td:last-child{overflow-wrap:anywhere}
form.lookup{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:end}form.lookup label{margin:0}</style>`;

const entityLink = (key: string) => link(`/hr/audit?entityKey=${encodeURIComponent(key)}`, key);

const shiftDay = (dayText: string, days: number) =>
  new Date(Date.parse(`${dayText}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const lookupForm = (entityKey: string, dayText: string) =>
  html`${AUDIT_STYLE}<form method="get" action="/hr/audit" class="lookup">
<div><label for="entityKey">Entity key (org, cycle#ID, plan#ID, goal#ID, template#ID…)</label>
<input id="entityKey" type="text" name="entityKey" value="${entityKey}"></div>
<div><label for="day">Or a day (UTC)</label><input id="day" type="date" name="day" value="${dayText}"></div>
<button type="submit">Show</button></form>`;

export const hrAuditPages: Pages = {
  'GET /hr/audit': {
    audience: 'hr',
    summary:
      'The audit trail: a day of changes across the organisation (?day, ?cursor), or one entity (?entityKey)',
    handle: async ({ user, principal, event }) => {
      const query = AuditQuery.parse(event.queryStringParameters ?? {});
      if (query.entityKey) {
        const answer = await callRoute('GET /audit/{entityKey}', principal, {
          path: { entityKey: query.entityKey },
        });
        if (answer.status !== 200) return refusal(user, answer, '/hr/audit');
        const events = [...(answer.body as { events: AuditEvent[] }).events].reverse();
        return appPage(
          user,
          `Audit trail of ${query.entityKey}`,
          html`${lookupForm(query.entityKey, '')}
${table(
  `Every change to ${query.entityKey}, newest first`,
  ['When (UTC)', 'Who', 'What', 'Details'],
  events.map((e) => [time(e.at), e.actor, e.action, detailsText(e.details)]),
  'no change recorded.',
)}
<p>${link('/hr/audit', 'Recent changes')}</p>`,
          { path: '/hr/audit' },
        );
      }
      const answer = await callRoute('GET /audit', principal, {
        query: {
          limit: '100',
          ...(query.day ? { day: query.day } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
        },
      });
      if (answer.status !== 200) return refusal(user, answer, '/');
      const {
        day: shown,
        events,
        cursor,
      } = answer.body as { day: string; events: AuditEvent[]; cursor?: string };
      const older = cursor
        ? link(`/hr/audit?day=${shown}&cursor=${encodeURIComponent(cursor)}`, 'Earlier changes this day')
        : '';
      return appPage(
        user,
        'Audit trail',
        html`${lookupForm('', shown)}
${table(
  `Changes on ${shown} (UTC), newest first`,
  ['When (UTC)', 'Who', 'Entity', 'What', 'Details'],
  events.map((e) => [time(e.at), e.actor, entityLink(e.entityKey ?? ''), e.action, detailsText(e.details)]),
  'no change recorded that day.',
)}
<p>${older ? html`${older} · ` : ''}${link(`/hr/audit?day=${shiftDay(shown, -1)}`, 'Previous day')} · ${link(`/hr/audit?day=${shiftDay(shown, 1)}`, 'Next day')}</p>`,
        { path: '/hr/audit' },
      );
    },
  },
};
