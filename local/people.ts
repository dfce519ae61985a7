import { ITEMS_HEADER, KIND_HEADER } from '../domain/mail/send';

/*
 * Simulated people for the demo and the end-to-end tests: they read the captured emails, click the
 * link, and submit the form over HTTP exactly as a browser without JavaScript would.
 */

export type CapturedEmail = {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: Array<{ name: string; value: string }>;
  /** As aws-ses-v2-local stores them: the content base64-encoded. */
  attachments?: Array<{ filename: string; contentType: string; content: string }>;
  at: number;
};

export const emailKind = (email: CapturedEmail): string =>
  email.headers?.find((h) => h.name.toLowerCase() === KIND_HEADER.toLowerCase())?.value ?? 'unknown';

const header = (email: CapturedEmail, name: string): string | undefined =>
  email.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

const LINK = /https?:\/\/[^\s"<]+\/r\/[^\s"<]+/;

/** One thing an email asks or tells: its kind (`peer-feedback.request`), title and form link, if any. */
export type EmailItem = { kind: string; title: string; link: string | undefined; text: string };

/**
 * What an email carries: itself, or each item of a digest (domain/mail/digest.ts), read from its header
 * of item kinds and its text, where each item is a paragraph of its own after the greeting.
 */
export const itemsIn = (email: CapturedEmail): EmailItem[] =>
  digestParts(email)?.map(({ kind, title, text }) => ({ kind, title, text, link: LINK.exec(text)?.[0] })) ?? [
    { kind: emailKind(email), title: email.subject, text: email.body.text ?? '', link: linkIn(email) },
  ];

const digestParts = (email: CapturedEmail) => {
  const kinds = header(email, ITEMS_HEADER)?.split(',');
  if (!kinds) return undefined;
  const blocks = (email.body.text ?? '').split('\n\n').slice(2);
  return kinds.map((kind, i) => {
    const text = blocks[i] ?? '';
    return { kind, title: text.split('\n')[0] ?? '', text };
  });
};

/**
 * The inbox as what it asks of people: a digest becomes one email per item (its kind, its title as
 * the subject, its paragraph as the body), everything else stays as it is. Tests of a workflow's
 * steps read this; tests of the emails themselves read fetchInbox.
 */
export const fetchInboxItems = async (inboxUrl: string): Promise<CapturedEmail[]> =>
  (await fetchInbox(inboxUrl)).flatMap(
    (email) =>
      digestParts(email)?.map(({ kind, title, text }, i) => ({
        ...email,
        messageId: `${email.messageId}#${i}`,
        subject: title,
        body: { text, html: text },
        headers: [{ name: KIND_HEADER, value: kind }],
      })) ?? [email],
  );

/** The captured emails, or those sent at or after `since` (epoch seconds). */
export const fetchInbox = async (inboxUrl: string, since?: number): Promise<CapturedEmail[]> => {
  const res = await fetch(`${inboxUrl}/store${since === undefined ? '' : `?since=${Math.floor(since)}`}`);
  if (!res.ok) throw new Error(`Inbox answered ${res.status}`);
  return ((await res.json()) as { emails: CapturedEmail[] }).emails;
};

/**
 * Reads only what is new in the inbox, on each call. The inbox's `since` counts whole seconds, so
 * the last second's emails come again and are skipped. Reading the whole inbox every round would
 * cost more CPU than a long run's own work.
 */
export const inboxReader = (inboxUrl: string): (() => Promise<CapturedEmail[]>) => {
  let lastAt = 0;
  const lastIds = new Set<string>();
  return async () => {
    const fresh = (await fetchInbox(inboxUrl, lastAt)).filter((e) => !lastIds.has(e.messageId));
    const last = fresh.at(-1)?.at;
    if (last !== undefined && last !== lastAt) {
      lastAt = last;
      lastIds.clear();
    }
    for (const e of fresh) if (e.at === lastAt) lastIds.add(e.messageId);
    return fresh;
  };
};

export const linkIn = (email: CapturedEmail): string | undefined => LINK.exec(email.body.text ?? '')?.[0];

const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

export type FormFields = {
  action: string;
  /** Radio groups in page order, each with the values it offers. */
  ratings: Array<{ name: string; values: string[] }>;
  texts: string[];
  /** Single-line inputs (goal fields) with the value they hold. */
  inputs: Array<{ name: string; type: string; value: string }>;
  /** Checkboxes in page order (the nomination pages), and how many of them must be ticked at least. */
  checkboxes: Array<{ name: string; value: string; checked: boolean }>;
  minChecked: number;
};

/** Reads a growcycle form page the way a browser would: its action, radio groups and text areas. */
export const readForm = (page: string): FormFields | undefined => {
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
  if (!action) return undefined;
  const groups = new Map<string, string[]>();
  for (const m of page.matchAll(/type="radio" name="([^"]+)" value="([^"]+)"/g)) {
    const name = decode(m[1] as string);
    groups.set(name, [...(groups.get(name) ?? []), decode(m[2] as string)]);
  }
  const ratings = [...groups].map(([name, values]) => ({ name, values }));
  const texts = [...page.matchAll(/<textarea id="[^"]+" name="([^"]+)"/g)].map((m) => decode(m[1] as string));
  const inputs = [
    ...page.matchAll(/<input type="(text|number|date)" id="[^"]+" name="([^"]+)" value="([^"]*)"/g),
  ].map((m) => ({ type: m[1] as string, name: decode(m[2] as string), value: decode(m[3] as string) }));
  const checkboxes = [...page.matchAll(/type="checkbox" name="([^"]+)" value="([^"]+)"( checked)?/g)].map(
    (m) => ({
      name: decode(m[1] as string),
      value: decode(m[2] as string),
      checked: m[3] !== undefined,
    }),
  );
  const minChecked = Number(/data-min="(\d+)"/.exec(page)?.[1] ?? 0);
  return { action: decode(action), ratings, texts, inputs, checkboxes, minChecked };
};

const PHRASES = [
  'Clear written updates that keep the whole team aligned.',
  'Took ownership of the on-call handbook and made it much better.',
  'Mentoring newer colleagues more often would multiply their impact.',
  'Could share work earlier to get feedback sooner.',
  'Calm and structured under pressure.',
];

/**
 * What a person posts to a form page (`seed` varies the answers): the form's action and its body, or
 * undefined for a page without a form.
 */
export const filledForm = (page: string, seed: number): { action: string; body: string } | undefined => {
  const form = readForm(page);
  if (!form) return undefined;
  const body = new URLSearchParams();
  // Mostly the middle and upper points of the scale, varying per question so gaps and strengths show.
  for (const [i, { name, values }] of form.ratings.entries()) {
    if (values.some((v) => Number.isNaN(Number(v)))) {
      // A choice (approve or return, agree or disagree): mostly the first, now and then the last.
      body.set(name, (seed % 4 === 3 ? values.at(-1) : values[0]) as string);
      continue;
    }
    const middle = Math.floor((values.length - 1) / 2);
    const pick = Math.min(values.length - 1, middle + ((seed + i) % 3));
    body.set(name, values[pick] as string);
  }
  for (const [i, name] of form.texts.entries())
    body.set(name, PHRASES[(seed + i) % PHRASES.length] as string);
  // Prefilled inputs keep their value; an empty line of text gets one.
  for (const [i, { name, type, value }] of form.inputs.entries())
    body.set(name, value || (type === 'text' ? (PHRASES[(seed + i) % PHRASES.length] as string) : ''));
  // A nomination page ticks a sensible choice already: keep it, topped up to the minimum if need be.
  let ticked = form.checkboxes.filter((c) => c.checked).length;
  for (const c of form.checkboxes) {
    if (c.checked || ticked < form.minChecked) {
      if (!c.checked) ticked += 1;
      body.append(c.name, c.value);
    }
  }
  return { action: form.action, body: body.toString() };
};

/** Opens a link, fills in the form and posts it. Returns the HTTP status of the POST. */
export const answer = async (link: string, seed: number): Promise<number> => {
  const page = await fetch(link);
  if (page.status !== 200) return page.status;
  const filled = filledForm(await page.text(), seed);
  if (!filled) return 0;
  const res = await fetch(new URL(filled.action, link).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: filled.body,
  });
  await res.text();
  return res.status;
};

/** Opens a link and posts its form with the values `fill` gives for it; the POST's status. */
const postForm = async (
  link: string,
  fill: (form: FormFields) => Record<string, string> | Array<[string, string]>,
): Promise<number> => {
  const page = await fetch(link);
  if (page.status !== 200) return page.status;
  const form = readForm(await page.text());
  if (!form) return 0;
  const res = await fetch(new URL(form.action, link).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fill(form)).toString(),
  });
  await res.text();
  return res.status;
};

/** Opens a link and posts the given values to its form (a person who knows what to answer). */
export const submitForm = (link: string, values: Record<string, string>): Promise<number> =>
  postForm(link, () => values);

/**
 * Opens a link and writes each text area of its form from `write`, given the field's name (a
 * check-in's line on each action and goal, its note). Returns the HTTP status of the POST.
 */
export const writeForm = (link: string, write: (name: string) => string): Promise<number> =>
  postForm(link, (form) => form.texts.map((name): [string, string] => [name, write(name)]));

/**
 * What a browser would post from a page as it stands, with its form's action: every line, date and
 * hidden value, every text area's text, each select's chosen option and each ticked box.
 */
export const pageValues = (page: string): { action: string; values: Record<string, string> } => {
  const values: Record<string, string> = {};
  for (const m of page.matchAll(
    /<input type="(?:text|email|url|number|date|hidden)" (?:id="[^"]*" )?name="([^"]+)" value="([^"]*)"/g,
  ))
    values[decode(m[1] as string)] = decode(m[2] as string);
  for (const m of page.matchAll(/<textarea id="[^"]*" name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g))
    values[decode(m[1] as string)] = decode(m[2] as string);
  for (const m of page.matchAll(/<select id="[^"]*" name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const options = m[2] as string;
    const chosen =
      /<option value="([^"]*)" selected/.exec(options) ?? /<option value="([^"]*)"/.exec(options);
    values[decode(m[1] as string)] = decode(chosen?.[1] ?? '');
  }
  for (const m of page.matchAll(/<input type="checkbox" name="([^"]+)" value="([^"]+)" checked/g))
    values[decode(m[1] as string)] = decode(m[2] as string);
  return { action: decode(/<form method="post" action="([^"]+)"/.exec(page)?.[1] ?? ''), values };
};

/**
 * Opens a drafted plan's agreement form and agrees to it as it stands, naming `mentorId` as the
 * mentor of any mentoring item that has none (the form refuses to agree without one). Returns the
 * HTTP status of the POST: 200 saved or started, 409 when the draft changed meanwhile.
 */
export const agreeToDraft = async (link: string, mentorId: string): Promise<number> => {
  const page = await fetch(link);
  if (page.status !== 200) return page.status;
  const { action, values } = pageValues(await page.text());
  for (const [name, kind] of Object.entries(values))
    if (name.endsWith('.kind') && kind === 'mentoring') {
      const mentor = name.replace(/\.kind$/, '.mentorId');
      if (!values[mentor] && !name.startsWith('new.')) values[mentor] = mentorId;
    }
  const res = await fetch(new URL(action, link).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...values, agree: 'yes' }).toString(),
  });
  await res.text();
  return res.status;
};
