import type { Framework, PlanItemKind } from '../catalog/documents';
import type { DevelopmentNeed, GapAnalysis, ItemType } from '../catalog/ratings';

/*
 * A development plan drafted from the evidence a review leaves: the gaps against the employee's
 * current role, what the manager wrote under "Development needs", and the gaps against the role the
 * employee aims for (their career aspiration). The draft is a proposal the manager edits before a
 * plan starts, so it only suggests: pure and deterministic, the same evidence always giving the same
 * draft, and nothing read or written here.
 */

/** Where a drafted item comes from, so the manager can see why it is proposed. */
export type DraftSource = 'gap' | 'next-level' | 'manager';

export type DraftItem = {
  kind: PlanItemKind;
  title: string;
  /** The framework item the action develops; none for the manager's own words. */
  competencyId?: string;
  definitionOfDone?: string;
  /** ISO instant. */
  dueAt: string;
  source: DraftSource;
};

export type PlanDraft = {
  title: string;
  items: DraftItem[];
  /** Items the employee is well above expectation on: where they could mentor others. */
  mentoringGiven: Array<{ competencyId: string; name: string }>;
};

export type DraftInput = {
  employeeName: string;
  /** The employee's review's analysis against their current role. */
  gapAnalysis: GapAnalysis;
  /** The manager's free-text "Development needs" from the appraisal. */
  managerNeeds?: string | undefined;
  /** The role the employee aims for, and `nextLevelGaps` for it (undefined: nothing to compare with). */
  nextLevel?:
    | { target: { track: string | null; level: number }; gaps: DevelopmentNeed[] | undefined }
    | undefined;
  /** The framework as it is now: its development suggestions, and item types for the defaults. */
  framework: Framework;
  startAt: Date;
  /** A whole number from 1 (default 4): a draft proposes a few actions, not one per gap. */
  maxItems?: number | undefined;
};

export const DEFAULT_MAX_ITEMS = 4;
/** A drafted plan runs a quarter: its items fall due evenly over these days. */
export const DRAFT_SPAN_DAYS = 90;
/** Items fall due at this hour, UTC: a fixed hour, so a start gives the same dates wherever it is drafted. */
export const DRAFT_DUE_HOUR_UTC = 17;
const DAY_MS = 86_400_000;
/** From this many levels short, a competency or behaviour is worked on with the manager, not alone. */
const COACHING_FROM_SHORTFALL = 2;
/** The limits of the framework's suggestions, so a drafted item fits wherever a suggestion does. */
const TITLE_MAX = 200;
const DONE_MAX = 1000;

/** Cut to `max` characters, marking the cut, so a long text still fits the field it goes into. */
const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;

/** A title is one line, however the text it comes from was laid out. */
const titleFrom = (text: string): string => clip(text.replace(/\s+/g, ' ').trim(), TITLE_MAX);

/**
 * The due date of the i-th (from 0) of n items: the start's UTC calendar day plus
 * round(90 × (i + 1) / n) days (halves round up), at 17:00 UTC. The last item is due on day 90
 * whatever n is, and the items between are spread evenly; the time of day of the start plays no part.
 */
export const draftDueAt = (startAt: Date, i: number, n: number): string => {
  const days = Math.round((DRAFT_SPAN_DAYS * (i + 1)) / n);
  return new Date(
    Date.UTC(
      startAt.getUTCFullYear(),
      startAt.getUTCMonth(),
      startAt.getUTCDate() + days,
      DRAFT_DUE_HOUR_UTC,
    ),
  ).toISOString();
};

/**
 * A proposed due date once the draft is agreed: moved later by the whole days (UTC) from the draft to
 * the agreement, so that an item keeps the time the draft gave it however long the two took to agree,
 * and is due as if drafted the day it was agreed (the same hour, as `draftDueAt` gives it).
 */
export const agreedDueAt = (dueAt: string, draftedAt: string, agreedAt: string): string => {
  const days = Math.max(
    0,
    Math.round((Date.parse(agreedAt.slice(0, 10)) - Date.parse(draftedAt.slice(0, 10))) / DAY_MS),
  );
  return new Date(Date.parse(dueAt) + days * DAY_MS).toISOString();
};

/**
 * When HR wrote no suggestion: a competency or behaviour far below expectation is worked on with the
 * manager, anything else by practising it. Values are lived rather than taught, so they get practice.
 */
const defaultAction = (type: ItemType | undefined, need: DevelopmentNeed) =>
  type !== undefined && type !== 'value' && need.shortfall >= COACHING_FROM_SHORTFALL
    ? { kind: 'coaching' as const, title: `Coaching with your manager on ${need.name}` }
    : { kind: 'practice' as const, title: `Practise ${need.name} in your day-to-day work` };

type Undated = Omit<DraftItem, 'dueAt'>;

const competencyItem = (input: DraftInput, need: DevelopmentNeed, source: 'gap' | 'next-level'): Undated => {
  const competency = input.framework.competencies.find((c) => c.id === need.competencyId);
  // An item the framework no longer has keeps the type the review judged it as.
  const type =
    competency?.type ?? input.gapAnalysis.items.find((i) => i.competencyId === need.competencyId)?.type;
  const suggestion = competency?.development?.[0];
  const action = suggestion ?? defaultAction(type, need);
  const atLevel = need.expectedDescriptor
    ? `Working at level ${need.expected}: ${need.expectedDescriptor}`
    : undefined;
  const definitionOfDone = suggestion?.definitionOfDone || atLevel;
  return {
    kind: action.kind,
    title: titleFrom(action.title),
    competencyId: need.competencyId,
    ...(definitionOfDone ? { definitionOfDone: clip(definitionOfDone, DONE_MAX) } : {}),
    source,
  };
};

/**
 * Drafts a development plan. Items, at most `maxItems` (4 unless given) in this order: the current
 * role's gaps, largest shortfall first; then the manager's stated need, as one practice item titled
 * from their text; then the target role's gaps that are not gaps already. An item never comes
 * without evidence: no gap, no item. A competency's action is the framework's first suggestion for
 * it, else coaching with the manager (a competency or behaviour 2 or more levels short) or practice;
 * its definition of done is the suggestion's, else the expected level's descriptor. Due dates are
 * spread over a quarter (see `draftDueAt`), in item order.
 */
export const draftPlan = (input: DraftInput): PlanDraft => {
  const maxItems = input.maxItems ?? DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(maxItems) || maxItems < 1)
    throw new RangeError(`maxItems must be a whole number from 1, not ${maxItems}`);
  const current = input.gapAnalysis.developmentNeeds;
  const covered = new Set(current.map((n) => n.competencyId));
  const managerNeed = titleFrom(input.managerNeeds ?? '');
  const undated: Undated[] = [
    ...current.map((need) => competencyItem(input, need, 'gap')),
    ...(managerNeed ? [{ kind: 'practice' as const, title: managerNeed, source: 'manager' as const }] : []),
    ...(input.nextLevel?.gaps ?? [])
      .filter((need) => !covered.has(need.competencyId))
      .map((need) => competencyItem(input, need, 'next-level')),
  ].slice(0, maxItems);
  const byId = new Map(input.gapAnalysis.items.map((i) => [i.competencyId, i]));
  return {
    title: titleFrom(`Development plan: ${input.employeeName}`),
    items: undated.map((item, i) => ({ ...item, dueAt: draftDueAt(input.startAt, i, undated.length) })),
    mentoringGiven: input.gapAnalysis.strengths.flatMap((id) => {
      const item = byId.get(id);
      return item && item.gap !== null && item.gap >= 1 ? [{ competencyId: id, name: item.name }] : [];
    }),
  };
};
