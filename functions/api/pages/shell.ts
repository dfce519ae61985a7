import type { Principal } from '../../../domain/people/access';
import { config } from '../../../domain/platform/config';
import { html, SafeHtml } from '../../../domain/platform/html';
import { type HttpEvent, type HttpResult, htmlResult } from '../../shared/http';
import { type CurrentUser, redirect as redirectTo } from '../../shared/session';
import type { Upload } from './multipart';

/*
 * What every page of the app shares: its shell (navigation by role, the signed-in person, sign-out),
 * the small vocabulary pages are written in (tables, definition lists, notices, dates), and the
 * shape of a page route. Pages are server-rendered and work without JavaScript; a POST is a plain
 * form carrying the session's CSRF token, answered with a redirect back to the page it came from.
 */

/** Who a page is for: a first gate, before the HR API's own rules decide what each caller sees. */
export type Audience = 'anyone' | 'manager' | 'hr';

export type PageContext = {
  event: HttpEvent;
  user: CurrentUser;
  /** The caller as the HR API's routes know callers. */
  principal: Principal;
  /** A POST's form fields (CSRF already checked); empty for a GET. */
  form: URLSearchParams;
  /** A multipart POST's files, by field name; empty otherwise. */
  files: Map<string, Upload>;
};

export type AppPage = {
  audience: Audience;
  /** What the page shows or the action does, for the OpenAPI document. */
  summary: string;
  handle: (context: PageContext) => Promise<HttpResult>;
};

/** The app's pages and actions, by the key API Gateway routes on ("GET /hr/cycles"). */
export type Pages = Record<string, AppPage>;

const STYLE = `*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;line-height:1.5;background:#fafaf8}
header.top{background:#0b3d2e;color:#fff;padding:0.6rem 1.2rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header.top a{color:#fff}
header.top .brand{font-weight:700;text-decoration:none;margin-right:1rem}
header.top nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:0.9rem;margin:0;padding:0}
header.top nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
header.top .who{margin-left:auto;display:flex;gap:0.6rem;align-items:center}
header.top form{margin:0}
header.top button{background:transparent;color:#fff;border:1px solid #fff;margin:0;padding:0.2em 0.8em}
main{max-width:68rem;margin:1.5rem auto;padding:0 1.2rem}
h1{font-size:1.6rem;margin:0.5rem 0 1rem}
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:0.5rem 0 1rem;background:#fff}
caption{text-align:left;font-weight:600;padding:0.3rem 0}
th,td{border-bottom:1px solid #e2e2e2;padding:0.35rem 0.5rem;text-align:left;vertical-align:top}
th{background:#f0f0ec}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:0.2rem 1rem}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
.note{color:#555}
.notice{background:#e6f4ea;border-left:4px solid #0b6e4f;padding:0.5rem 1rem}
.error{color:#a10000;font-weight:600}
.tag{display:inline-block;border-radius:3px;padding:0 0.4em;font-size:0.85em;background:#eee}
.tag.warn{background:#fde8c8}.tag.bad{background:#f9d0d0}.tag.ok{background:#d7efdf}
label{font-weight:600;display:block;margin-top:0.6rem}
input,select,textarea{font:inherit}
input[type=text],input[type=email],input[type=date],input[type=datetime-local],select,textarea{width:100%;max-width:32rem}
textarea{min-height:5rem}
button{margin-top:0.8rem;background:#0b6e4f;color:#fff;border:0;padding:0.5em 1.2em;border-radius:4px;font:inherit;cursor:pointer}
button.danger{background:#a10000}
fieldset{border:1px solid #ccc;border-radius:4px;margin:1rem 0;background:#fff}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem}
.card{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:0.8rem 1rem}
.card h2{margin-top:0;border:0}
.card .big{font-size:1.8rem;font-weight:700}
figure{margin:1rem 0;background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:0.8rem}
figcaption{font-size:0.95rem}
a{color:#0b5540}`;

type NavLink = { href: string; label: string; audience: Audience };

const NAV: NavLink[] = [
  { href: '/', label: 'Home', audience: 'anyone' },
  { href: '/me', label: 'My page', audience: 'anyone' },
  { href: '/feedback', label: 'Feedback', audience: 'anyone' },
  { href: '/team', label: 'My team', audience: 'manager' },
  { href: '/hr/cycles', label: 'Cycles', audience: 'hr' },
  { href: '/hr/plans', label: 'Plans', audience: 'hr' },
  { href: '/hr/people', label: 'People', audience: 'hr' },
  { href: '/hr/catalog', label: 'Catalog', audience: 'hr' },
  { href: '/hr/audit', label: 'Audit', audience: 'hr' },
];

export const allows = (audience: Audience, user: CurrentUser): boolean =>
  audience === 'anyone' || (audience === 'hr' ? user.hr : user.manager || user.hr);

/** The nav link a path belongs to: the longest href that starts it. */
const currentOf = (path: string): string =>
  NAV.map((l) => l.href)
    .filter((href) => path === href || (href !== '/' && path.startsWith(`${href}/`)))
    .sort((a, b) => b.length - a.length)[0] ?? '';

/** Sign-out's form is answered with a redirect to the issuer's logout: the CSP lets the form go there. */
const withSignOutTarget = (result: HttpResult): HttpResult => {
  const headers = result.headers as Record<string, string>;
  const csp = headers['content-security-policy'] ?? '';
  return {
    ...result,
    headers: {
      ...headers,
      'content-security-policy': csp.replace(
        "form-action 'self'",
        `form-action 'self' ${new URL(config.authDomainUrl).origin}`,
      ),
    },
  };
};

export type ShellOptions = {
  /** The path whose nav link is marked current; the request's own path by default. */
  path?: string;
  /** A one-line outcome of the action just taken, shown above the page. */
  notice?: string;
  status?: number;
};

/** A whole page of the app, for the signed-in `user`. */
export const appPage = (user: CurrentUser, title: string, body: SafeHtml, options: ShellOptions = {}) => {
  const current = currentOf(options.path ?? '/');
  const links = NAV.filter((l) => allows(l.audience, user));
  const document = html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · growcycle</title><style>${new SafeHtml(STYLE)}</style></head>
<body>
<header class="top"><a class="brand" href="/">growcycle</a>
<nav aria-label="Main"><ul>${links.map(
    (l) =>
      html`<li><a href="${l.href}"${l.href === current ? html` aria-current="page"` : ''}>${l.label}</a></li>`,
  )}</ul></nav>
<div class="who"><span>${user.name}${user.hr ? ' (HR)' : ''}</span>
<form method="post" action="/auth/sign-out"><input type="hidden" name="csrf" value="${user.csrfToken}"><button type="submit">Sign out</button></form></div>
</header>
<main>
<h1>${title}</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
${body}
</main></body></html>`;
  return withSignOutTarget(htmlResult(options.status ?? 200, document.value));
};

/** A page's own form: posts to `action` with the session's CSRF token. */
export const postForm = (
  user: CurrentUser,
  action: string,
  fields: SafeHtml,
  submit: string,
  danger = false,
) =>
  html`<form method="post" action="${action}"><input type="hidden" name="csrf" value="${user.csrfToken}">${fields}<button type="submit"${danger ? html` class="danger"` : ''}>${submit}</button></form>`;

/** A table with a caption and header cells; numbers are right-aligned when a column is marked `num`. */
export const table = (
  caption: string,
  columns: Array<string | { label: string; num: true }>,
  rows: Array<Array<SafeHtml | string | number>>,
  empty = 'Nothing here yet.',
) => {
  if (!rows.length) return html`<p class="note">${caption}: ${empty}</p>`;
  const num = columns.map((c) => typeof c !== 'string');
  return html`<table><caption>${caption}</caption>
<thead><tr>${columns.map((c) => html`<th scope="col"${typeof c === 'string' ? '' : html` class="num"`}>${typeof c === 'string' ? c : c.label}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((cell, i) => html`<td${num[i] ? html` class="num"` : ''}>${typeof cell === 'number' ? String(cell) : cell}</td>`)}</tr>`)}</tbody></table>`;
};

export const facts = (rows: Array<[string, SafeHtml | string | number | undefined]>) =>
  html`<dl class="facts">${rows
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'number' ? String(v) : v}</dd>`)}</dl>`;

export const link = (href: string, text: string) => html`<a href="${href}">${text}</a>`;

export const tag = (text: string, tone: 'ok' | 'warn' | 'bad' | '' = '') =>
  html`<span class="tag${tone ? ` ${tone}` : ''}">${text}</span>`;

/** A date as people read it (4 Dec 2026), in UTC unless a time zone is given. */
export const day = (iso: string | undefined, timeZone = 'UTC'): string =>
  iso
    ? new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone })
    : '';

/** The outcome of an action, carried to the page it redirects to as `?notice=`, from a fixed list. */
export const afterAction = (location: string, notice: string): HttpResult =>
  redirectTo(`${location}${location.includes('?') ? '&' : '?'}notice=${encodeURIComponent(notice)}`);

/** The notice a redirect carried, if it is one the page's action can give (never free text from a URL). */
export const noticeOf = (event: HttpEvent, known: readonly string[]): string | undefined => {
  const notice = event.queryStringParameters?.notice;
  return notice && known.includes(notice) ? notice : undefined;
};

/** An action's end: back to `back` with `notice` when the HR API answered `ok`, else its refusal there. */
export const actionOutcome = (
  user: CurrentUser,
  answer: { status: number; body: unknown },
  ok: number,
  back: string,
  notice: string,
): HttpResult => (answer.status === ok ? afterAction(back, notice) : refusal(user, answer, back));

/** What an HR API route refused, as a page: its status and its problem's detail, with a way back. */
export const refusal = (
  user: CurrentUser,
  answer: { status: number; body: unknown },
  back: string,
): HttpResult => {
  const problem = (answer.body ?? {}) as { title?: string; detail?: string };
  return appPage(
    user,
    problem.title ?? 'Not done',
    html`<p class="error" role="alert">${problem.detail ?? 'The request was refused.'}</p><p>${link(back, 'Back')}</p>`,
    { path: back, status: answer.status },
  );
};
