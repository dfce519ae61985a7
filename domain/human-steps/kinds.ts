import type { Employee, HumanRequest, Params, RequestKind } from '../platform/table';

/*
 * What a kind of request adds to the generic human step. The mechanism in this folder never imports
 * a kind: each kind describes itself in this table (the review's kinds in domain/reviews/step-kinds.ts)
 * and whoever runs a step hands the table over, as functions/shared/step-kinds.ts does for every
 * Lambda. A kind that needs nothing of this has no entry.
 */

/** Where a request that opens only behind a gate (the appraisal in, the results released) stands. */
export type Gate = { open: true } | { open: false; expire: boolean; wakeAt: string };

/** A calendar invitation that travels with a request's first email. */
export type CalendarInvite = {
  ics: string;
  /** The attachment's name without `.ics`; a digest adds the subject's name to tell several apart. */
  fileStem: string;
  /** Sends the other party their own copy of the invitation, once. */
  sendAttendeeCopy: () => Promise<void>;
};

/** Lines of context for a request's emails, and the answers its email links to one by one. */
export type EmailExtras = { details?: string[]; choices?: Array<{ label: string; choice: string }> };

/** A notice of an answer, to someone other than who gave it: a subject and its paragraphs. */
export type Notice = { subject: string; lines: string[] };

/** How an answer is stored beside the request's own move to submitted, in one transaction. */
export type AnswerStorage = {
  /** Writes that put the answer where its readers look for it (the review, a feedback row). */
  writes: Params[];
  /** True when those writes hold the answer whole, so it is not copied onto the request too. */
  storedElsewhere: boolean;
  /**
   * Runs once the transaction is in, after resuming the waiting workflow was tried; a failure is
   * logged and the answer stands.
   */
  after?: () => Promise<void>;
};

export type StepKind = {
  answer?: (req: HumanRequest, answer: Record<string, unknown>, at: string) => Promise<AnswerStorage>;
  /**
   * What the workflow is handed beside a settled request's outcome, given its answer (none when it
   * expired). It may do work (finishing a review); when that fails after an answer was stored, the
   * workflow is woken to settle the request in its own step, with its retries.
   */
  settled?: (req: HumanRequest, answer: unknown) => Promise<Record<string, unknown>>;
  gate?: (req: HumanRequest, at: Date) => Promise<Gate>;
  /** After a pending request parked behind its gate: true when the gate opened meanwhile. */
  gateOpened?: (req: HumanRequest) => Promise<boolean>;
  calendarInvite?: (req: HumanRequest) => Promise<CalendarInvite | undefined>;
  /**
   * True once the request is no longer wanted (its plan cancelled, its item dropped, its owner gone):
   * it closes unanswered at its next wake-up and nothing more is sent about it, escalations included.
   */
  withdrawn?: (req: HumanRequest) => Promise<boolean>;
  /** What its emails add: lines of context, and one link per answer where it offers several. */
  email?: (req: HumanRequest) => Promise<EmailExtras>;
  /** What its notice says once answered (./digest-items.ts queueNotice), or undefined for none. */
  notice?: (req: HumanRequest) => Promise<Notice | undefined>;
  /** Present when HR may pass the request to someone else. */
  reassign?: {
    /** Why this recipient may not take it, or undefined when they may. */
    refuse?: (req: HumanRequest, recipientId: string) => Promise<string | undefined>;
    /** The escalation chain the new recipient's request follows. */
    escalations?: (req: HumanRequest, recipient: Employee) => HumanRequest['escalations'];
    /** Writes that move with the request, in the reassignment's transaction. */
    writes?: (req: HumanRequest, recipientId: string) => Params[];
  };
};

export type StepKinds = Partial<Record<RequestKind, StepKind>>;

export const kindOf = (kinds: StepKinds, kind: RequestKind): StepKind => kinds[kind] ?? {};
