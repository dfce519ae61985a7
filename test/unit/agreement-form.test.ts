import { describe, expect, it } from 'vitest';
import { draftChangedEmail } from '../../domain/mail/compose';
import {
  applyEdit,
  type Draft,
  type DraftEdit,
  type DraftPlanItem,
  draftChanges,
  type FormBody,
  MAX_DRAFT_ITEMS,
  readDraftForm,
  valuesOf,
} from '../../domain/plans/agreement-form';
import { agreementPage } from '../../functions/api/agreement-page';

/*
 * The form on which a drafted plan's owner and manager agree to it: what a posted form may ask for,
 * how an edit changes the draft, what both are told changed, and the page that shows it.
 */

const ZONE = 'Europe/Oslo';
const TODAY = '2027-03-10';

const item = (key: string, over: Partial<DraftPlanItem> = {}): DraftPlanItem => ({
  key,
  kind: 'practice',
  title: `Item ${key}`,
  // 17:00 UTC: the hour a draft's items fall due at, 18:00 in Oslo.
  dueAt: '2027-04-09T17:00:00.000Z',
  ...over,
});

const ITEMS = [
  item('d1', {
    kind: 'training',
    title: 'Complete the advanced course',
    competencyId: 'craft',
    source: 'gap',
  }),
  item('d2', { kind: 'mentoring', title: 'Be mentored', competencyId: 'coaching', source: 'gap' }),
];

/** The form as it was shown, posted back with some values changed (undefined: left out). */
const posted = (changes: Record<string, string | undefined> = {}, items = ITEMS): FormBody => {
  const all: Record<string, string | undefined> = { revision: '3', ...valuesOf(items, ZONE), ...changes };
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
};
const read = (body: FormBody, items = ITEMS) => readDraftForm(items, body, { timeZone: ZONE, today: TODAY });
const errors = (body: FormBody, items = ITEMS) => {
  const r = read(body, items);
  return r.ok ? {} : r.errors;
};

describe('reading a posted agreement form', () => {
  it('takes the form as it was shown: the revision, each item as it is, no new item, not agreeing', () => {
    const r = read(posted());
    expect(r).toMatchObject({
      ok: true,
      value: {
        revision: 3,
        agree: false,
        items: [
          {
            key: 'd1',
            remove: false,
            title: 'Complete the advanced course',
            kind: 'training',
            dueDay: '2027-04-09',
          },
          { key: 'd2', remove: false, title: 'Be mentored', kind: 'mentoring', dueDay: '2027-04-09' },
        ],
      },
    });
    expect(r.ok && r.value.added).toBeUndefined();
  });

  it('refuses a form without the revision it was rendered from, naming the field', () => {
    expect(Object.keys(errors(posted({ revision: undefined })))).toEqual(['revision']);
  });

  it('needs a title and a due date on each item kept, but not on one removed', () => {
    expect(errors(posted({ 'd1.title': '  ', 'd2.dueDate': '' }))).toEqual({
      'd1.title': 'Item 1: what it is is required',
      'd2.dueDate': 'Item 2: the due date is a date such as 2027-12-31',
    });
    expect(errors(posted({ 'd1.title': '', 'd1.dueDate': '', 'd1.remove': 'yes' }))).toEqual({});
  });

  it('refuses a due date moved to today or before; one left as it was may stand until someone agrees', () => {
    expect(errors(posted({ 'd1.dueDate': TODAY }))).toEqual({
      'd1.dueDate': 'Item 1: the due date must be after today',
    });
    const past = [item('d1', { dueAt: '2027-03-01T17:00:00.000Z' })];
    expect(errors(posted({}, past), past)).toEqual({});
    expect(errors(posted({ agree: 'yes' }, past), past)).toEqual({
      'd1.dueDate': 'Item 1: the due date must be after today',
    });
  });

  it('adds the new item only with a title: its other fields alone are an error on the title', () => {
    const added = read(
      posted({ 'new.title': 'Read the book', 'new.dueDate': '2027-05-01', 'new.kind': 'practice' }),
    );
    expect(added.ok && added.value.added).toEqual({
      title: 'Read the book',
      kind: 'practice',
      dueDay: '2027-05-01',
      definitionOfDone: '',
      mentorId: '',
    });
    expect(errors(posted({ 'new.dueDate': '2027-05-01' }))).toEqual({
      'new.title': 'The new item: what it is: give it a title, or leave it all blank',
    });
    expect(errors(posted({ 'new.title': 'Read the book' }))).toEqual({
      'new.dueDate': 'The new item: the due date is a date such as 2027-12-31',
    });
  });

  it('asks more of agreeing: a mentor on each mentoring item, and at least one item', () => {
    expect(errors(posted({ agree: 'yes' }))).toEqual({
      'd2.mentorId': 'Item 2: the mentor: a mentoring item names its mentor',
    });
    expect(errors(posted({ agree: 'yes', 'd2.mentorId': 'emp-bo' }))).toEqual({});
    // Without agreeing, a draft may stay incomplete: the other party sees it as it is.
    expect(errors(posted())).toEqual({});
    expect(errors(posted({ agree: 'yes', 'd1.remove': 'yes', 'd2.remove': 'yes' }))).toEqual({
      agree: 'A plan needs at least one item to agree to',
    });
  });

  it(`holds at most ${MAX_DRAFT_ITEMS} items`, () => {
    const full = Array.from({ length: MAX_DRAFT_ITEMS }, (_, i) => item(`d${i + 1}`));
    expect(errors(posted({}, full), full)).toEqual({});
    expect(errors(posted({ 'new.title': 'One more', 'new.dueDate': '2027-05-01' }, full), full)).toEqual({
      'new.title': `A plan has at most ${MAX_DRAFT_ITEMS} items: remove one first`,
    });
  });

  it('refuses a kind, a tick or a text it does not offer, on that field', () => {
    expect(Object.keys(errors(posted({ 'd1.kind': 'sabbatical' })))).toEqual(['d1.kind']);
    expect(Object.keys(errors(posted({ agree: 'please' })))).toEqual(['agree']);
    expect(Object.keys(errors(posted({ 'd2.definitionOfDone': 'x'.repeat(1001) })))).toEqual([
      'd2.definitionOfDone',
    ]);
  });
});

const edit = (over: Partial<DraftEdit> = {}): DraftEdit => {
  const r = read(posted());
  if (!r.ok) throw new Error('the form as shown is not accepted');
  return { ...r.value, ...over };
};

describe('applying an edit to the draft', () => {
  const draft: Pick<Draft, 'items' | 'nextKey'> = { items: ITEMS, nextKey: 3 };

  it('keeps an item’s instant while its day is the same, and its competency and source however it is reworded', () => {
    const next = applyEdit(
      draft,
      edit({ items: edit().items.map((i) => (i.key === 'd1' ? { ...i, title: 'Finish the course' } : i)) }),
      ZONE,
    );
    expect(next.items[0]).toEqual({ ...ITEMS[0], title: 'Finish the course' });
    expect(next.items[1]).toEqual(ITEMS[1]);
  });

  it('makes a new day due at its end where the owner lives, and clears what was blanked', () => {
    const changed = edit().items.map((i) =>
      i.key === 'd2' ? { ...i, dueDay: '2027-06-30', mentorId: '', definitionOfDone: '' } : i,
    );
    const withMentor = {
      ...draft,
      items: [
        ITEMS[0] as DraftPlanItem,
        { ...(ITEMS[1] as DraftPlanItem), mentorId: 'emp-bo', definitionOfDone: 'Met six times' },
      ],
    };
    const next = applyEdit(withMentor, edit({ items: changed }), ZONE);
    expect(next.items[1]).toEqual({ ...ITEMS[1], dueAt: '2027-06-30T21:59:59.000Z' });
  });

  it('keeps a due date the draft proposed a proposal only while nobody moves it to another day', () => {
    const proposed = { ...draft, items: ITEMS.map((i) => ({ ...i, dueProposed: true as const })) };
    const changed = edit().items.map((i) =>
      i.key === 'd2' ? { ...i, dueDay: '2027-06-30' } : { ...i, title: 'Finish the course' },
    );
    const next = applyEdit(proposed, edit({ items: changed }), ZONE);
    expect(next.items[0]).toEqual({ ...proposed.items[0], title: 'Finish the course' });
    expect(next.items[1]).toEqual({ ...ITEMS[1], dueAt: '2027-06-30T21:59:59.000Z' });
  });

  it('leaves a removed item out and adds the new one last under a key never used before', () => {
    const next = applyEdit(
      draft,
      edit({
        items: edit().items.map((i) => (i.key === 'd1' ? { ...i, remove: true } : i)),
        added: {
          title: 'Read the book',
          kind: 'practice',
          dueDay: '2027-05-01',
          definitionOfDone: '',
          mentorId: '',
        },
      }),
      ZONE,
    );
    expect(next.nextKey).toBe(4);
    expect(next.items.map((i) => i.key)).toEqual(['d2', 'd3']);
    expect(next.items[1]).toEqual({
      key: 'd3',
      title: 'Read the book',
      kind: 'practice',
      dueAt: '2027-05-01T21:59:59.000Z',
    });
  });
});

describe('what an edit changed', () => {
  it('says nothing when nothing changed', () => {
    expect(draftChanges(ITEMS, ITEMS, ZONE)).toEqual([]);
  });

  it('names each change in words, a mentor by name', () => {
    const after: DraftPlanItem[] = [
      {
        ...(ITEMS[1] as DraftPlanItem),
        title: 'Be mentored by Kari',
        mentorId: 'kari',
        dueAt: '2027-05-14T21:59:59.000Z',
      },
      item('d3', { kind: 'stretch', title: 'Run the planning', dueAt: '2027-05-01T21:59:59.000Z' }),
    ];
    expect(draftChanges(ITEMS, after, ZONE, (id) => (id === 'kari' ? 'Kari Oslo' : id))).toEqual([
      'Removed “Complete the advanced course”',
      '“Be mentored” is now “Be mentored by Kari”',
      '“Be mentored by Kari”: now due Fri, 14 May 2027',
      '“Be mentored by Kari”: mentored by Kari Oslo',
      'Added “Run the planning” (Stretch assignment, due Sat, 1 May 2027)',
    ]);
  });
});

describe('the agreement page and email', () => {
  const view = {
    draft: { items: [item('d1', { title: '<script>alert(1)</script>' })], nextKey: 2, managerId: 'mgr' },
    party: 'manager' as const,
    ownerName: 'Ola & "Sons"',
    managerName: 'Mona Manager',
    agreed: { owner: true, manager: false },
    names: {},
    timeZone: ZONE,
    revision: 4,
  };

  it('escapes everything it shows, and posts back the revision it shows', () => {
    const page = agreementPage({ action: '/r/x?e=1&s=a', context: 'Plan <b>x</b>', view });
    expect(page).not.toContain('<script>');
    expect(page).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).toContain('Ola &amp; &quot;Sons&quot;');
    expect(page).toContain('Plan &lt;b&gt;x&lt;/b&gt;');
    expect(page).toContain('action="/r/x?e=1&amp;s=a"');
    expect(page).toContain('<input type="hidden" name="revision" value="4">');
  });

  it('shows where each party stands, ticks "I agree" only for one who agrees, and puts each error by its field', () => {
    const page = agreementPage({
      action: '/r/x',
      context: '',
      view,
      values: posted({ 'd1.title': '' }, view.draft.items),
      errors: { 'd1.title': 'Item 1: what it is is required' },
    });
    expect(page).toContain('<dt>Ola &amp; &quot;Sons&quot;</dt><dd>agrees to this version</dd>');
    expect(page).toContain('<dt>Mona Manager</dt><dd>has not agreed to this version</dd>');
    expect(page).not.toMatch(/name="agree" value="yes" checked/);
    expect(page).toContain('<p class="error" id="d1.title-error">Item 1: what it is is required</p>');
    expect(page).toContain('aria-describedby="d1.title-error"');
  });

  it('says the dates the draft proposed move by the days agreeing takes, only when it has such dates', () => {
    const note = 'The due dates the draft proposed move later by the days it takes you both to agree';
    expect(agreementPage({ action: '/r/x', context: '', view })).not.toContain(note);
    const proposed = {
      ...view,
      draft: { ...view.draft, items: [item('d1', { source: 'gap', dueProposed: true })] },
    };
    expect(agreementPage({ action: '/r/x', context: '', view: proposed })).toContain(note);
  });

  it('tells the other party what changed, with their link, every value escaped', () => {
    const email = draftChangedEmail({
      recipientName: 'Ola',
      editorName: 'Mona <Manager>',
      ownerName: 'Ola',
      ownPlan: true,
      revision: 2,
      changes: ['Removed “<b>x</b>”'],
      dueAt: '2027-03-24T22:59:59.000Z',
      timeZone: ZONE,
      url: 'https://growcycle.example/r/abc?e=1&s=x',
    });
    expect(email.subject).toBe('Mona <Manager> changed the draft plan');
    expect(email.html).toContain('Mona &lt;Manager&gt; changed your draft development plan (version 2)');
    expect(email.html).toContain('<li>Removed “&lt;b&gt;x&lt;/b&gt;”</li>');
    expect(email.text).toContain('Open the draft plan: https://growcycle.example/r/abc?e=1&s=x');
  });
});
