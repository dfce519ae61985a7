import { Entity, type EntityItem } from 'electrodb';
import { documentClient } from './clients';
import { config } from './config';
import { newLinkNonce } from './ids';
import { TABLE_SERVICE } from './table-keys';

/*
 * One table, single-table design. Access patterns, each served by a key, never a Scan:
 *
 *   employee by id ................................ pk EMPLOYEE#id
 *   direct reports of a manager ................... gsi1 MANAGER#id
 *   the whole organisation (org import, org chart)  gsi2 EMPLOYEES / id
 *   people of a department (peer suggestions) ..... gsi3 DEPARTMENT#name / id
 *   employee by email address (external refusal) .. gsi4 EMAIL#address
 *   cycle by id ................................... pk CYCLE#id
 *   every cycle by start (HR's list of cycles) .... gsi2 CYCLES / start, id
 *   the catalog a cycle was scheduled with ........ pk CYCLECATALOG#id
 *   reviews of a cycle (launch in pages, report) .. pk CYCLE#id / sk REVIEW#employee
 *   reviews of an employee under way .............. gsi1 EMPLOYEE#id / REVIEW#cycle (a finished review leaves it)
 *   every review of an employee (their page) ...... gsi3 EMPLOYEE#id / cycle
 *   request (a human step) by its link id ......... pk REQUEST#id
 *   requests addressed to a person (their page) ... gsi3 RECIPIENT#id / created, id (filtered to open ones)
 *   feedback given on one review .................. pk FEEDBACK#cycle#employee
 *   a request for feedback any time by id ......... pk FEEDBACKASK#id
 *   requests for feedback about an employee ....... gsi1 SUBJECT#id / created
 *   those keeping external addresses, by due date . gsi2 EXTERNALS#kept / due (daily forgetting)
 *   feedback any time and praise an employee got .. pk FEEDBACKENTRY#employee / at, id
 *   a review's end, counted once .................. pk REVIEWEND#cycle#employee
 *   the token of a wait (human step, calibration, . pk WAITTOKEN#request, review or cycle id
 *   the cycle's wait for its reviews)
 *   development plan by id, with its items ........ pk PLAN#id / sk item
 *   plans of an employee .......................... gsi1 OWNER#id / created
 *   plans from a cycle's reviews (status, export) . its reviews' owners, then gsi1 OWNER#id of each
 *   every plan (HR's overdue list, by status) ..... gsi2 PLANS / created
 *   plan items a mentor mentors ................... gsi1 MENTOR#id (sparse)
 *   plan policy by id ............................. pk PLANPOLICY#id
 *   competency framework / cycle template by id ... pk FRAMEWORK#id, TEMPLATE#id
 *   all frameworks, templates, plan policies ...... gsi2 FRAMEWORKS, TEMPLATES, PLANPOLICIES / id
 *   review trigger by id, and all of them ......... pk TRIGGER#id, gsi2 TRIGGERS / id
 *   a catalog document's revisions, each kept ..... pk REVISION#kind#id / sk revision
 *   requests of a cycle (status, overdue, extend) . gsi2 CYCLE#id / subject, request
 *   goal by id .................................... pk GOAL#id
 *   goals of an employee (or the company) by due .. gsi1 OWNER#id / due date
 *   career aspiration of an employee .............. pk EMPLOYEE#id / sk ASPIRATION (beside the employee)
 *   outbox entry by idempotency key ............... pk OUTBOX#key
 *   outbox entry by SES message id (bounces) ...... gsi1 MESSAGE#id (sparse: sent rows only)
 *   audit trail of one entity ..................... pk AUDIT#entity / sk time
 *   the audit trail of one day, newest first ...... gsi1 AUDITDAY#day / time (HR's recent changes)
 *   email send counter of one second .............. pk EMAILRATE#second (domain/mail/send-rate.ts; TTL)
 *   digest items to deliver at one send time ...... pk send time / sk recipient, item (domain/mail/digest.ts)
 *   one send time's delivery run .................. pk send time
 *   a signed-in app session by its cookie's hash .. pk SESSION#hash (functions/shared/session.ts; TTL)
 *
 * ElectroDB builds the key strings; entities map onto the generic pk/sk/gsi1pk/gsi1sk attributes.
 */
const service = TABLE_SERVICE;

/** A TTL in epoch seconds, `days` after an ISO time. */
const expiry = (at: unknown, days: number): number | undefined =>
  typeof at === 'string' && !Number.isNaN(Date.parse(at))
    ? Math.floor(Date.parse(at) / 1000) + days * 86_400
    : undefined;

const employee = () =>
  new Entity({
    model: { entity: 'employee', version: '1', service },
    attributes: {
      employeeId: { type: 'string', required: true },
      name: { type: 'string', required: true },
      email: { type: 'string', required: true },
      managerId: { type: 'string' },
      title: { type: 'string', required: true },
      level: { type: 'number', required: true },
      department: { type: 'string' },
      track: { type: 'string' },
      location: { type: 'string' },
      startDate: { type: 'string' },
      timeZone: { type: 'string', required: true },
      status: { type: ['active', 'on-leave', 'left'] as const, required: true, default: 'active' },
      /** When the record first read `left`: the retention period before pseudonymisation runs from it. */
      leftAt: { type: 'string' },
      /**
       * Counts the record's writes: each write is made on condition that the record is still at the
       * revision it read (domain/people/org.ts), so two writers never silently undo each other. A
       * record stored before revisions were counted has none.
       */
      revision: { type: 'number' },
      /** When HR pseudonymised this leaver (domain/people/pseudonymise.ts): name, address and texts replaced. */
      pseudonymisedAt: { type: 'string' },
      /** Set when SES reports a permanent bounce or a complaint for this address; cleared when it changes. */
      emailProblem: {
        type: 'map',
        properties: {
          type: { type: ['bounce', 'complaint'] as const, required: true },
          at: { type: 'string', required: true },
          messageId: { type: 'string', required: true },
        },
      },
    },
    indexes: {
      byId: { pk: { field: 'pk', composite: ['employeeId'] }, sk: { field: 'sk', composite: [] } },
      byManager: {
        index: 'gsi1',
        pk: { field: 'gsi1pk', composite: ['managerId'] },
        sk: { field: 'gsi1sk', composite: ['employeeId'] },
      },
      // One partition for the whole organisation: read by the org import only (a few times a day),
      // so the single GSI partition is never hot.
      everyone: {
        index: 'gsi2',
        pk: { field: 'gsi2pk', composite: [] },
        sk: { field: 'gsi2sk', composite: ['employeeId'] },
      },
      // Read for a nomination page's suggestions, one page of a department at a time.
      byDepartment: {
        index: 'gsi3',
        pk: { field: 'gsi3pk', composite: ['department'] },
        sk: { field: 'gsi3sk', composite: ['employeeId'] },
      },
      // Whose address this is: an address an employee holds is never an external reviewer's
      // (domain/people/external.ts). ElectroDB lowercases keys, so the lookup ignores case.
      byEmail: {
        index: 'gsi4',
        pk: { field: 'gsi4pk', composite: ['email'] },
        sk: { field: 'gsi4sk', composite: [] },
      },
    },
  });

const cycle = () =>
  new Entity({
    model: { entity: 'cycle', version: '1', service },
    attributes: {
      cycleId: { type: 'string', required: true },
      name: { type: 'string', required: true },
      startAt: { type: 'string', required: true },
      selfDueAt: { type: 'string', required: true },
      peerDueAt: { type: 'string', required: true },
      managerDueAt: { type: 'string', required: true },
      closeAt: { type: 'string', required: true },
      status: { type: ['scheduled', 'running', 'closed', 'cancelled'] as const, required: true },
      participants: { type: 'number', required: true },
      openReviews: { type: 'number', required: true },
      report: { type: 'any' },
      /** When its external reviewers' names and addresses were forgotten (domain/cycles/forget-externals.ts). */
      externalsForgottenAt: { type: 'string' },
      templateId: { type: 'string' },
      /** Reminder ladder, escalation policy and peer settings the cycle's requests follow. */
      policy: { type: 'any' },
      /** A recurring cycle: which series it belongs to, its number in it, and who takes part next time. */
      repeat: {
        type: 'map',
        properties: {
          seriesId: { type: 'string', required: true },
          seriesName: { type: 'string', required: true },
          everyMonths: { type: 'number', required: true },
          number: { type: 'number', required: true },
          participants: { type: ['template-filters', 'same-people'] as const, required: true },
        },
      },
      createdAt: { type: 'string', required: true },
    },
    indexes: {
      byId: { pk: { field: 'pk', composite: ['cycleId'] }, sk: { field: 'sk', composite: [] } },
      // Every cycle by start date, in one partition: cycles are few (a handful a year per series),
      // and the list is read by HR, not by workflows. Its keys are never patched: startAt is fixed.
      all: {
        index: 'gsi2',
        pk: { field: 'gsi2pk', composite: [] },
        sk: { field: 'gsi2sk', composite: ['startAt', 'cycleId'] },
      },
    },
  });

/**
 * The template and framework a cycle was scheduled with, kept beside it: HR may edit a template
 * while cycles made from it run, and those cycles keep asking what they started asking.
 */
const cycleCatalog = () =>
  new Entity({
    model: { entity: 'cycleCatalog', version: '1', service },
    attributes: {
      cycleId: { type: 'string', required: true },
      template: { type: 'any', required: true },
      framework: { type: 'any', required: true },
      createdAt: { type: 'string', required: true },
    },
    indexes: {
      byCycle: { pk: { field: 'pk', composite: ['cycleId'] }, sk: { field: 'sk', composite: [] } },
    },
  });

const review = () =>
  new Entity({
    model: { entity: 'review', version: '1', service },
    attributes: {
      cycleId: { type: 'string', required: true },
      employeeId: { type: 'string', required: true },
      managerId: { type: 'string', required: true },
      status: {
        type: ['scheduled', 'in-progress', 'completed', 'incomplete', 'cancelled'] as const,
        required: true,
      },
      selfRequestId: { type: 'string' },
      managerRequestId: { type: 'string' },
      peerRequestIds: { type: 'list', items: { type: 'string' } },
      selfAssessment: { type: 'any' },
      managerAppraisal: { type: 'any' },
      /** Template-driven cycles: the overall rating from the template's formula, when the manager submits. */
      overallRating: { type: 'number' },
      /** HR's calibration: calibrated values beside the manager's originals, with who and when. */
      calibration: { type: 'any' },
      calibratedAt: { type: 'string' },
      /** Expected levels against self, peer and manager ratings; stored when the review finishes. */
      gapAnalysis: { type: 'any' },
      /*
       * The phases around the appraisal (domain/reviews/): which ones the template enables, the goal
       * round under way, the meeting and acknowledgment requests, and the release.
       */
      phases: { type: 'any' },
      goalRound: { type: 'number' },
      goalStatus: { type: ['approved', 'escalated', 'expired'] as const },
      meetingRequestId: { type: 'string' },
      acknowledgmentRequestId: { type: 'string' },
      releasedAt: { type: 'string' },
      releasedBy: { type: 'string' },
      /** The employee's acknowledgment: when, and the disagreement they recorded, if any. */
      acknowledgment: { type: 'any' },
      startedAt: { type: 'string' },
      finishedAt: { type: 'string' },
    },
    indexes: {
      byCycle: {
        pk: { field: 'pk', composite: ['cycleId'] },
        sk: { field: 'sk', composite: ['employeeId'] },
      },
      byEmployee: {
        index: 'gsi1',
        pk: { field: 'gsi1pk', composite: ['employeeId'] },
        sk: { field: 'gsi1sk', composite: ['cycleId'] },
      },
      // Every review of the person, finished ones too: their own page and their manager's team page.
      // Each write of a review also writes its copy here (answers included): the price of listing a
      // person's past reviews by key.
      everyOfEmployee: {
        index: 'gsi3',
        pk: { field: 'gsi3pk', composite: ['employeeId'] },
        sk: { field: 'gsi3sk', composite: ['cycleId'] },
      },
    },
  });

export const REQUEST_KINDS = [
  'self-assessment',
  'peer-feedback',
  'manager-appraisal',
  'action-item',
  'goal-setting',
  'goal-approval',
  'review-meeting',
  'acknowledgment',
  // Appended: peer nominations (domain/reviews/nominations.ts); the order above is stored, so it stays.
  'peer-nomination',
  'peer-approval',
  // Development plans (domain/plans/): the manager's decision on a blocked item or a later date,
  // the owner's check-in, and a coach's or mentor's confirmation that a session was held.
  'item-decision',
  'check-in',
  'session',
  // A drafted plan's agreement: the owner's and the manager's form (domain/plans/agreement.ts).
  'plan-agreement',
  // A plan's end told to its owner and their manager: a request that asks nothing, stored answered,
  // whose notice is the summary, so it reaches each in their digest (domain/plans/follow-up.ts).
  'plan-summary',
  // Feedback any time (domain/feedback/): one person's answer to a colleague's request for feedback,
  // and praise given unprompted: asks nothing, stored answered, its notice tells the person.
  'feedback',
  'praise',
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** The requests of a development plan: they follow a plan, never a phase of a cycle. */
export const PLAN_REQUEST_KINDS: readonly RequestKind[] = [
  'action-item',
  'item-decision',
  'check-in',
  'session',
  'plan-agreement',
  'plan-summary',
];

/** The requests of feedback any time: they follow nobody's cycle or plan. */
export const FEEDBACK_REQUEST_KINDS: readonly RequestKind[] = ['feedback', 'praise'];

const request = () =>
  new Entity({
    model: { entity: 'request', version: '1', service },
    attributes: {
      requestId: { type: 'string', required: true },
      /**
       * 128 random bits every link to the request carries (domain/mail/links.ts): set when the request
       * is created, kept by a retried create (a conditional one), so a link's secrecy never rests on
       * the key alone. Requests stored before links carried one have none.
       */
      linkNonce: { type: 'string', default: () => newLinkNonce(), readOnly: true },
      kind: { type: REQUEST_KINDS, required: true },
      recipientId: { type: 'string', required: true },
      subjectId: { type: 'string', required: true },
      cycleId: { type: 'string' },
      /**
       * The subject and the request again, on a cycle's requests only: the cycle's list (byCycle) is
       * keyed on them, so a request outside a cycle leaves every part of that key unset and writes no
       * copy to the index (ElectroDB writes an index's keys when any of their attributes is set).
       * Stored under short names: every byte counts towards a request's write units, and its copies'.
       */
      cycleSubjectId: {
        type: 'string',
        field: 'cs',
        hidden: true,
        watch: ['cycleId', 'subjectId'],
        set: (_, { cycleId, subjectId }) => (cycleId ? subjectId : undefined),
      },
      cycleRequestId: {
        type: 'string',
        field: 'cr',
        hidden: true,
        watch: ['cycleId', 'requestId'],
        set: (_, { cycleId, requestId }) => (cycleId ? requestId : undefined),
      },
      planId: { type: 'string' },
      /** The plan item a request follows up (domain/plans/). */
      itemId: { type: 'string' },
      title: { type: 'string' },
      dueAt: { type: 'string', required: true },
      closeAt: { type: 'string', required: true },
      reminderHoursBefore: { type: 'list', items: { type: 'number' }, required: true },
      escalations: {
        type: 'list',
        required: true,
        items: {
          type: 'map',
          properties: {
            afterHours: { type: 'number', required: true },
            toId: { type: 'string', required: true },
            role: { type: 'string', required: true },
            /**
             * Resolved from the subject's reporting line when the step is due, so a manager change
             * meanwhile is followed; toId is who it was when the request was made.
             */
            resolve: { type: ['owner', 'manager', 'skip-level'] as const },
          },
        },
      },
      status: { type: ['pending', 'open', 'submitted', 'expired'] as const, required: true },
      /**
       * The requests one workflow waits for together with this one, under the same token (a review's
       * peers, domain/human-steps/group.ts): an answer completes the wait only once all of them are settled.
       */
      groupIds: { type: 'list', items: { type: 'string' } },
      remindersSent: { type: 'number', required: true, default: 0 },
      /**
       * Its reminders are queued in the recipient's digest when it opens, not sent by wake-ups: for a
       * request whose due date never moves in place (a plan item's, a check-in's; a new date is a new
       * request), so no wake-up is spent on them. Only with a send window.
       */
      remindersAtOpen: { type: 'boolean' },
      escalationsSent: { type: 'number', required: true, default: 0 },
      /** The recipient's zone, send hour and quiet days; absent, emails go whenever they fall due. */
      sendWindow: {
        type: 'map',
        properties: {
          timeZone: { type: 'string', required: true },
          sendHour: { type: 'number', required: true },
          quietDays: { type: 'list', items: { type: 'string' }, required: true },
          spreadSeconds: { type: 'number' },
        },
      },
      /** When the first email goes out: at opening, or the recipient's next send hour. */
      inviteAt: { type: 'string' },
      invitedAt: { type: 'string' },
      /**
       * The days its phase gives to answer (the template's due days from the step before it to this
       * one). A request opened later than its due date minus these gets them from its opening
       * (domain/platform/calendar.ts lateOpeningDeadline).
       */
      phaseDays: { type: 'number' },
      /** Goal setting: the round this request belongs to, and the manager's comment it answers. */
      round: { type: 'number' },
      note: { type: 'string' },
      /** Opens only once this request was submitted; expires with it otherwise (goal approval). */
      afterRequestId: { type: 'string' },
      /** Review meeting: when it takes place. */
      meetingAt: { type: 'string' },
      /**
       * What a step after the appraisal waits for before it opens: the appraisal (the review meeting; a
       * review without one expires it unopened) or the release of the results (the acknowledgment).
       */
      gate: { type: ['appraisal', 'release'] as const },
      createdAt: { type: 'string', required: true },
      openedAt: { type: 'string' },
      submittedAt: { type: 'string' },
      /** The answer, when no other item holds it whole (domain/human-steps/answers.ts). */
      answer: { type: 'any' },
      /**
       * Bumped each time HR passes the request to someone else; signed into the link, so the previous
       * recipient's link stops working, and part of the email keys, so the new recipient is asked once.
       */
      assignment: { type: 'number' },
      /** When the notice its answer owes someone else (a check-in's summary to the manager) was queued. */
      noticedAt: { type: 'string' },
      /** The recipient's address bounced: the request stays open (the workflow keeps waiting) until HR re-routes it. */
      bounced: { type: 'boolean' },
      bouncedAt: { type: 'string' },
      /** The request for feedback any time this answer belongs to (domain/feedback/). */
      askId: { type: 'string' },
      /** A reviewer from outside the organisation (recipientId `ext-…`): who to write to, as nominated. */
      external: {
        type: 'map',
        properties: {
          name: { type: 'string', required: true },
          email: { type: 'string', required: true },
        },
      },
    },
    indexes: {
      byId: { pk: { field: 'pk', composite: ['requestId'] }, sk: { field: 'sk', composite: [] } },
      // Sparse: only a cycle's requests carry its keys (the attributes below), so a plan's or a
      // feedback request's writes cost no copy here. Serves HR's status, overdue list and extensions.
      byCycle: {
        index: 'gsi2',
        pk: { field: 'gsi2pk', composite: ['cycleId'] },
        sk: {
          field: 'gsi2sk',
          composite: ['cycleSubjectId', 'cycleRequestId'],
          // The key as a cycle's requests were always listed under, so a running cycle reads on.
          // biome-ignore lint/suspicious/noTemplateCurlyInString: ElectroDB's key template, which ElectroDB fills in
          template: '$request_1#subjectid_${cycleSubjectId}#requestid_${cycleRequestId}',
        },
      },
      // What a person owes, for their page: read newest first and filtered to the open ones, one
      // person's requests at a time.
      byRecipient: {
        index: 'gsi3',
        pk: { field: 'gsi3pk', composite: ['recipientId'] },
        sk: { field: 'gsi3sk', composite: ['createdAt', 'requestId'] },
      },
    },
  });

/**
 * That a review's workflow ended and was counted towards its cycle's close: written once (a
 * conditional put, in the same transaction as the cycle's counter), so a retried last step or a
 * answer racing it never counts a review twice. Small and in no index, so it costs one write.
 */
const reviewEnd = () =>
  new Entity({
    model: { entity: 'reviewEnd', version: '1', service },
    attributes: {
      cycleId: { type: 'string', required: true },
      employeeId: { type: 'string', required: true },
      endedAt: { type: 'string', required: true },
    },
    indexes: {
      byReview: {
        pk: { field: 'pk', composite: ['cycleId', 'employeeId'] },
        sk: { field: 'sk', composite: [] },
      },
    },
  });

/**
 * The task token of a workflow waiting on a human step (by request), on HR's calibration (by
 * review) or on its reviews (by cycle). It is replaced on every wait, so it lives apart from the
 * items it belongs to, which are large and often indexed: storing it there rewrote (and re-indexed)
 * them whole each time, and made the cycle's counter, updated at every review's end, larger.
 */
const waitToken = () =>
  new Entity({
    model: { entity: 'waitToken', version: '1', service },
    attributes: {
      waitId: { type: 'string', required: true },
      taskToken: { type: 'string', required: true },
    },
    indexes: {
      byWait: { pk: { field: 'pk', composite: ['waitId'] }, sk: { field: 'sk', composite: [] } },
    },
  });

const feedback = () =>
  new Entity({
    model: { entity: 'feedback', version: '1', service },
    attributes: {
      cycleId: { type: 'string', required: true },
      employeeId: { type: 'string', required: true },
      requestId: { type: 'string', required: true },
      fromId: { type: 'string', required: true },
      relationship: { type: ['peer'] as const, required: true },
      answers: { type: 'any', required: true },
      submittedAt: { type: 'string', required: true },
    },
    indexes: {
      byReview: {
        pk: { field: 'pk', composite: ['cycleId', 'employeeId'] },
        sk: { field: 'sk', composite: ['requestId'] },
      },
    },
  });

/**
 * A request for feedback any time (domain/feedback/asks.ts): who asked about whom, whom they asked,
 * on what, and who may read the answers. One human request per recipient carries `askId`.
 */
const feedbackAsk = () =>
  new Entity({
    model: { entity: 'feedbackAsk', version: '1', service },
    attributes: {
      askId: { type: 'string', required: true },
      askerId: { type: 'string', required: true },
      subjectId: { type: 'string', required: true },
      requestIds: { type: 'list', items: { type: 'string' }, required: true },
      /** Competencies, behaviours or values of the catalog, as they were named when asked. */
      items: {
        type: 'list',
        required: true,
        items: {
          type: 'map',
          properties: {
            id: { type: 'string', required: true },
            name: { type: 'string', required: true },
            type: { type: 'string', required: true },
          },
        },
      },
      question: { type: 'string' },
      anonymous: { type: 'boolean', required: true },
      /** Fewer answers than this to an anonymous request are never shown, not even their number. */
      threshold: { type: 'number', required: true },
      /** The asker lets their manager read the answers (their own request about themselves). */
      managerSees: { type: 'boolean', required: true },
      templateId: { type: 'string' },
      dueAt: { type: 'string', required: true },
      createdAt: { type: 'string', required: true },
      /**
       * Set while external reviewers' names and addresses are kept (domain/cycles/forget-externals.ts);
       * removed once they are forgotten.
       */
      externals: { type: ['kept'] as const },
    },
    indexes: {
      byId: { pk: { field: 'pk', composite: ['askId'] }, sk: { field: 'sk', composite: [] } },
      bySubject: {
        index: 'gsi1',
        pk: { field: 'gsi1pk', composite: ['subjectId'] },
        sk: { field: 'gsi1sk', composite: ['createdAt', 'askId'] },
      },
      // Sparse: only asks still keeping external addresses, by due date, for the daily check.
      withExternals: {
        index: 'gsi2',
        pk: { field: 'gsi2pk', composite: ['externals'] },
        sk: { field: 'gsi2sk', composite: ['dueAt', 'askId'] },
      },
    },
  });

/**
 * What an employee's record holds of feedback any time: an answer to a request for feedback about
 * them, or praise given unprompted. The giver is kept for the audit; who may read it is decided at
 * read time (domain/feedback/record.ts), with the request's anonymity.
 */
const feedbackEntry = () =>
  new Entity({
    model: { entity: 'feedbackEntry', version: '1', service },
    attributes: {
      subjectId: { type: 'string', required: true },
      entryId: { type: 'string', required: true },
      kind: { type: ['answer', 'praise'] as const, required: true },
      askId: { type: 'string' },
      fromId: { type: 'string', required: true },
      /** An answer: the text per catalog item asked about, and the answer to the free question. */
      texts: { type: 'any' },
      /** Praise: the value or behaviour it is tied to, and what was said. */
      itemId: { type: 'string' },
      itemName: { type: 'string' },
      message: { type: 'string' },
      at: { type: 'string', required: true },
    },
    indexes: {
      byPerson: {
        pk: { field: 'pk', composite: ['subjectId'] },
        sk: { field: 'sk', composite: ['at', 'entryId'] },
      },
    },
  });

/**
 * A development plan: whose it is, the policy it follows (kept whole, as a cycle keeps its template),
 * where it came from, and how many of its items are still being followed up. A drafted plan holds its
 * proposed items on itself until its owner and their manager agree to the same revision
 * (domain/plans/agreement.ts): one item, so an edit is one conditional write.
 */
const plan = () =>
  new Entity({
    model: { entity: 'plan', version: '1', service },
    attributes: {
      planId: { type: 'string', required: true },
      ownerId: { type: 'string', required: true },
      title: { type: 'string', required: true },
      status: { type: ['draft', 'active', 'closed', 'cancelled'] as const, required: true },
      /** Why the plan exists: a review's results, a promotion, a performance-improvement plan, or by hand. */
      origin: { type: ['review', 'promotion', 'improvement', 'manual'] as const, required: true },
      cycleId: { type: 'string' },
      policyId: { type: 'string', required: true },
      policy: { type: 'any', required: true },
      /** Items whose follow-up has not ended yet; the plan closes when none is left. */
      openItems: { type: 'number', required: true },
      /** How many items the plan has had, the next item's number. */
      itemCount: { type: 'number', required: true },
      nextCheckInAt: { type: 'string' },
      checkIns: { type: 'number', required: true, default: 0 },
      /** The check-in and session requests the plan's workflow waits for now, as one group. */
      asking: { type: 'list', items: { type: 'string' } },
      createdAt: { type: 'string', required: true },
      createdBy: { type: 'string', required: true },
      closedAt: { type: 'string' },
      /** Why it ended early: cancelled by HR, or the owner left. */
      endReason: { type: 'string' },
      summary: { type: 'any' },
      /** A draft: its proposed items, who agrees for the manager, its latest change. */
      draft: { type: 'any' },
      /** The draft's revision: each edit makes a new one. */
      revision: { type: 'number' },
      /** The revision the owner, and the manager, last agreed to (0: none); it starts when both agree to the current one. */
      ownerAgreed: { type: 'number' },
      managerAgreed: { type: 'number' },
      agreedAt: { type: 'string' },
    },
    indexes: {
      byId: { pk: { field: 'pk', composite: ['planId'] }, sk: { field: 'sk', composite: [] } },
      byOwner: {
        index: 'gsi1',
        pk: { field: 'gsi1pk', composite: ['ownerId'] },
        sk: { field: 'gsi1sk', composite: ['createdAt', 'planId'] },
      },
      // Every plan, newest last: HR's overdue list and plans by status read the plans in pages.
      all: {
        index: 'gsi2',
        pk: { field: 'gsi2pk', composite: [] },
        sk: { field: 'gsi2sk', composite: ['createdAt', 'planId'] },
      },
    },
  });

export const PLAN_ITEM_STATUSES = ['open', 'blocked', 'done', 'dropped', 'missed'] as const;

/**
 * One item of a plan: what is to be done, by when, the competency it develops and how "done" is
 * judged, and where its follow-up stands. Its follow-up is a chain of requests (the owner's, then the
 * manager's decision when blocked, then the owner's again): `requestId` is the current one.
 */
const planItem = () =>
  new Entity({
    model: { entity: 'planItem', version: '1', service },
    attributes: {
      planId: { type: 'string', required: true },
      itemId: { type: 'string', required: true },
      ownerId: { type: 'string', required: true },
      kind: { type: ['training', 'coaching', 'mentoring', 'stretch', 'practice'] as const, required: true },
      title: { type: 'string', required: true },
      competencyId: { type: 'string' },
      definitionOfDone: { type: 'string' },
      dueAt: { type: 'string', required: true },
      /** The date both agreed; an owner moves it only so far on their own (the policy's newDates). */
      agreedDueAt: { type: 'string', required: true },
      newDates: { type: 'number', required: true, default: 0 },
      /** A later date the owner asked for beyond the policy's limit, waiting for the manager. */
      proposedDueAt: { type: 'string' },
      mentorId: { type: 'string' },
      /** Coaching and mentoring: days between sessions, when the next is asked about, how many were held. */
      sessionEveryDays: { type: 'number' },
      nextSessionAt: { type: 'string' },
      sessions: { type: 'number', required: true, default: 0 },
      sessionsHeld: { type: 'number', required: true, default: 0 },
      status: { type: PLAN_ITEM_STATUSES, required: true },
      blockedReason: { type: 'string' },
      doneAt: { type: 'string' },
      evidence: {
        type: 'map',
        properties: { link: { type: 'string' }, note: { type: 'string' } },
      },
      /** The request being waited on now, and how many requests its chain has had. */
      requestId: { type: 'string', required: true },
      round: { type: 'number', required: true },
      /** Set once its follow-up ended and was counted off the plan. */
      endedAt: { type: 'string' },
      /** What happened, in order: each answer, decision and change, with who and when. */
      history: {
        type: 'list',
        required: true,
        items: {
          type: 'map',
          properties: {
            at: { type: 'string', required: true },
            by: { type: 'string', required: true },
            what: { type: 'string', required: true },
            note: { type: 'string' },
            dueAt: { type: 'string' },
          },
        },
      },
      createdAt: { type: 'string', required: true },
      /**
       * Counts the changes to what the item says (its words, mentor, date, status): HR's or the
       * manager's change names the revision it was made from and is refused once another came first.
       */
      revision: { type: 'number', required: true, default: 1 },
    },
    indexes: {
      byPlan: {
        pk: { field: 'pk', composite: ['planId'] },
        sk: { field: 'sk', composite: ['itemId'] },
      },
      // Sparse: only items with a mentor. Serves "the items I mentor".
      byMentor: {
        index: 'gsi1',
        pk: { field: 'gsi1pk', composite: ['mentorId'] },
        sk: { field: 'gsi1sk', composite: ['planId', 'itemId'] },
      },
    },
  });

const outbox = () =>
  new Entity({
    model: { entity: 'outbox', version: '1', service },
    attributes: {
      key: { type: 'string', required: true },
      kind: { type: 'string', required: true },
      toId: { type: 'string', required: true },
      requestId: { type: 'string' },
      /** A digest's requests, for bounces (domain/mail/digest.ts). */
      requestIds: { type: 'list', items: { type: 'string' } },
      messageId: { type: 'string' },
      status: { type: ['sending', 'sent'] as const, required: true },
      createdAt: { type: 'string', required: true },
      sentAt: { type: 'string' },
      /**
       * When the claim's send failed without telling whether SES took the email (a 5xx, a reset
       * connection): its Send event would mark the row sent within seconds, so a retry may take the
       * claim over sooner than a claim whose sender may still be running (domain/mail/send.ts).
       */
      unsureAt: { type: 'string' },
      /**
       * When the table's TTL deletes the entry: OUTBOX_RETENTION_DAYS after it was made (config.ts),
       * longer than any workflow that could retry its send, so the once-only guarantee outlives them.
       */
      expiresAt: {
        type: 'number',
        watch: ['createdAt'],
        set: (_, { createdAt }) => expiry(createdAt, config.outboxRetentionDays),
      },
    },
    indexes: {
      byKey: { pk: { field: 'pk', composite: ['key'] }, sk: { field: 'sk', composite: [] } },
      // Sparse: written once SES has answered with the message id; bounce events name only that id.
      byMessage: {
        index: 'gsi1',
        pk: { field: 'gsi1pk', composite: ['messageId'] },
        sk: { field: 'gsi1sk', composite: [] },
      },
    },
  });

const audit = () =>
  new Entity({
    model: { entity: 'audit', version: '1', service },
    attributes: {
      entityKey: { type: 'string', required: true },
      at: { type: 'string', required: true },
      eventId: { type: 'string', required: true },
      actor: { type: 'string', required: true },
      action: { type: 'string', required: true },
      details: { type: 'any' },
      /** The UTC day of `at`, derived on every write: the key of a day's changes across the organisation. */
      day: {
        type: 'string',
        watch: ['at'],
        set: (_, { at }) => (typeof at === 'string' ? at.slice(0, 10) : undefined),
      },
      /** When the table's TTL deletes the event: AUDIT_RETENTION_DAYS after it (config.ts). */
      expiresAt: {
        type: 'number',
        watch: ['at'],
        set: (_, { at }) => expiry(at, config.auditRetentionDays),
      },
    },
    indexes: {
      byEntity: {
        pk: { field: 'pk', composite: ['entityKey'] },
        sk: { field: 'sk', composite: ['at', 'eventId'] },
      },
      // A day of changes is read one page at a time, newest first; audit events are a few thousand a
      // day at most, so a day's partition stays cool.
      byDay: {
        index: 'gsi1',
        pk: { field: 'gsi1pk', composite: ['day'] },
        sk: { field: 'gsi1sk', composite: ['at', 'eventId'] },
      },
    },
  });

const goal = () =>
  new Entity({
    model: { entity: 'goal', version: '1', service },
    attributes: {
      goalId: { type: 'string', required: true },
      /** An employee id, or "company" for a company goal that others align to. */
      ownerId: { type: 'string', required: true },
      title: { type: 'string', required: true },
      /** The measurable target, in words ("p95 latency under 200 ms"), with an optional number. */
      measure: { type: 'string', required: true },
      targetValue: { type: 'number' },
      unit: { type: 'string' },
      weight: { type: 'number', required: true },
      dueDate: { type: 'string', required: true },
      status: { type: ['draft', 'active', 'achieved', 'missed', 'dropped'] as const, required: true },
      parentGoalId: { type: 'string' },
      progress: {
        type: 'list',
        required: true,
        items: {
          type: 'map',
          properties: {
            at: { type: 'string', required: true },
            by: { type: 'string', required: true },
            value: { type: 'number' },
            note: { type: 'string' },
          },
        },
      },
      createdAt: { type: 'string', required: true },
      updatedAt: { type: 'string', required: true },
      /**
       * Counts the changes to the goal's fields (not its progress, which is only ever appended): a
       * change names the revision it was made from and is refused once another came first.
       */
      revision: { type: 'number', required: true, default: 1 },
    },
    indexes: {
      byId: { pk: { field: 'pk', composite: ['goalId'] }, sk: { field: 'sk', composite: [] } },
      byOwner: {
        index: 'gsi1',
        pk: { field: 'gsi1pk', composite: ['ownerId'] },
        sk: { field: 'gsi1sk', composite: ['dueDate', 'goalId'] },
      },
    },
  });

/**
 * An employee's career aspiration: the level, on a track of the framework's expectations, they work
 * towards next (domain/people/aspiration.ts). One per person, replaced whole when it changes; what a
 * development plan's next-level gaps are measured against.
 */
const aspiration = () =>
  new Entity({
    model: { entity: 'aspiration', version: '1', service },
    attributes: {
      employeeId: { type: 'string', required: true },
      track: { type: 'string' },
      level: { type: 'number', required: true },
      note: { type: 'string' },
      updatedAt: { type: 'string', required: true },
      updatedBy: { type: 'string', required: true },
      /** Counts its saves; each is made on condition that the one before is still the latest. */
      revision: { type: 'number' },
    },
    indexes: {
      byEmployee: { pk: { field: 'pk', composite: ['employeeId'] }, sk: { field: 'sk', composite: [] } },
    },
  });

/**
 * A digest item: one email a request owes its recipient (the invitation, a reminder, an escalation),
 * queued for the recipient's send time instead of sent at once, so that everything one person is
 * owed at that time goes out as one email (domain/mail/digest.ts). It names the request and what is owed;
 * the email is written at delivery, from the request as it is then.
 */
const digestItem = () =>
  new Entity({
    model: { entity: 'digestItem', version: '1', service },
    attributes: {
      /** The send time (ISO instant) this item is delivered at. */
      sendAt: { type: 'string', required: true },
      recipientId: { type: 'string', required: true },
      /** The email's idempotency key when it goes out alone: `${requestId}#request`, `…#reminder#0`, … */
      key: { type: 'string', required: true },
      requestId: { type: 'string', required: true },
      /** A notice tells someone of another's answer (a check-in's summary to the manager). */
      purpose: { type: ['request', 'reminder', 'escalation', 'notice'] as const, required: true },
      index: { type: 'number', required: true },
      assignment: { type: 'number', required: true },
      queuedAt: { type: 'string', required: true },
      /** Set once delivered. The item is kept, as the proof that it was queued, until it expires. */
      deliveredAt: { type: 'string' },
      /** Epoch seconds: the table's TTL removes the item a month after its send time. */
      expiresAt: { type: 'number' },
    },
    indexes: {
      bySendTime: {
        pk: { field: 'pk', composite: ['sendAt'] },
        sk: { field: 'sk', composite: ['recipientId', 'key'] },
      },
    },
  });

/** A send time's delivery: once closed, no item is queued for it any more (domain/mail/digest.ts). */
const digestRun = () =>
  new Entity({
    model: { entity: 'digestRun', version: '1', service },
    attributes: {
      sendAt: { type: 'string', required: true },
      lastQueuedAt: { type: 'string' },
      scheduledAt: { type: 'string' },
      /** The UTC day of the send time, set with scheduledAt: the sweep's way to a day's send times. */
      day: { type: 'string' },
      closedAt: { type: 'string' },
      deliveredAt: { type: 'string' },
    },
    indexes: {
      bySendTime: { pk: { field: 'pk', composite: ['sendAt'] }, sk: { field: 'sk', composite: [] } },
      // Only a scheduled send time has a day: one index write per send time, none per item. A day
      // holds at most 288 send times, read whole (the sort key cannot name sendAt: an update that sets
      // the day does not rewrite a key attribute).
      byDay: {
        index: 'gsi1',
        pk: { field: 'gsi1pk', composite: ['day'] },
        sk: { field: 'gsi1sk', composite: [] },
      },
    },
  });

/**
 * A signed-in session of the app: keyed by the SHA-256 of the cookie's random value, so the table
 * holds nothing a reader could present as a cookie. Deleted at sign-out; the table's TTL removes it
 * once its absolute lifetime ends.
 */
const session = () =>
  new Entity({
    model: { entity: 'session', version: '1', service },
    attributes: {
      sessionHash: { type: 'string', required: true },
      employeeId: { type: 'string', required: true },
      hr: { type: 'boolean', required: true },
      /** The synchronizer token every POST of the session carries. */
      csrfToken: { type: 'string', required: true },
      idToken: { type: 'string', required: true },
      /** Epoch seconds: when the ID token stops being accepted, and the refresh token is used. */
      idTokenExpiresAt: { type: 'number', required: true },
      refreshToken: { type: 'string' },
      createdAt: { type: 'string', required: true },
      /** Epoch seconds: the table's TTL, and the session's absolute end. */
      expiresAt: { type: 'number', required: true },
    },
    indexes: {
      byHash: { pk: { field: 'pk', composite: ['sessionHash'] }, sk: { field: 'sk', composite: [] } },
    },
  });

/** Catalog documents (frameworks, templates, triggers) are stored whole, with who changed them last. */
const documentAttributes = {
  id: { type: 'string', required: true },
  doc: { type: 'any', required: true },
  revision: { type: 'number', required: true },
  updatedAt: { type: 'string', required: true },
  updatedBy: { type: 'string', required: true },
} as const;
const documentById = { pk: { field: 'pk', composite: ['id'] }, sk: { field: 'sk', composite: [] } } as const;
// Each kind of document is also listed whole (HR's catalog page; triggers for the daily run): a
// handful per organisation, read now and then, so one partition per kind is plenty.
const allDocuments = {
  index: 'gsi2',
  pk: { field: 'gsi2pk', composite: [] },
  sk: { field: 'gsi2sk', composite: ['id'] },
} as const;

const framework = () =>
  new Entity({
    model: { entity: 'framework', version: '1', service },
    attributes: documentAttributes,
    indexes: { byId: documentById, all: allDocuments },
  });
const template = () =>
  new Entity({
    model: { entity: 'template', version: '1', service },
    attributes: documentAttributes,
    indexes: { byId: documentById, all: allDocuments },
  });
const trigger = () =>
  new Entity({
    model: { entity: 'trigger', version: '1', service },
    attributes: documentAttributes,
    indexes: { byId: documentById, all: allDocuments },
  });

const planPolicy = () =>
  new Entity({
    model: { entity: 'planPolicy', version: '1', service },
    attributes: documentAttributes,
    indexes: { byId: documentById, all: allDocuments },
  });

/**
 * Every revision of a catalog document, kept whole as it was saved: the audit trail says who saved
 * which revision and when, and this is what each revision said.
 */
const catalogRevision = () =>
  new Entity({
    model: { entity: 'catalogRevision', version: '1', service },
    attributes: {
      kind: { type: ['framework', 'template', 'trigger', 'planPolicy'] as const, required: true },
      ...documentAttributes,
    },
    indexes: {
      byDocument: {
        pk: { field: 'pk', composite: ['kind', 'id'] },
        sk: { field: 'sk', composite: ['revision'] },
      },
    },
  });

/**
 * A workflow step that failed after its retries: which workflow, for whom, at which state, with the
 * error's name only (an error's message may quote an address). Keyed by the execution, so a retried
 * record step writes it once; listed under the cycle or plan it concerns.
 */
const failure = () =>
  new Entity({
    model: { entity: 'failure', version: '1', service },
    attributes: {
      scopeId: { type: 'string', required: true },
      executionName: { type: 'string', required: true },
      executionArn: { type: 'string', required: true },
      workflow: { type: ['review', 'cycle', 'plan', 'plan-item', 'feedback'] as const, required: true },
      state: { type: 'string', required: true },
      error: { type: 'string', required: true },
      at: { type: 'string', required: true },
      cycleId: { type: 'string' },
      employeeId: { type: 'string' },
      planId: { type: 'string' },
      itemId: { type: 'string' },
    },
    indexes: {
      byScope: {
        pk: { field: 'pk', composite: ['scopeId'] },
        sk: { field: 'sk', composite: ['executionName'] },
      },
    },
  });

/** Each entity of the table, made by its function at its first use (db()). */
const models = {
  employee,
  cycle,
  cycleCatalog,
  review,
  reviewEnd,
  failure,
  waitToken,
  request,
  feedback,
  feedbackAsk,
  feedbackEntry,
  plan,
  planItem,
  outbox,
  audit,
  framework,
  template,
  trigger,
  planPolicy,
  catalogRevision,
  goal,
  aspiration,
  digestItem,
  digestRun,
  session,
};

type Entities = { readonly [Name in keyof typeof models]: ReturnType<(typeof models)[Name]> };

const entities = {} as Entities;
for (const [name, model] of Object.entries(models)) {
  // The first read builds the entity and puts it in the getter's place: later reads are plain.
  Object.defineProperty(entities, name, {
    enumerable: true,
    configurable: true,
    get: () => {
      const entity = model();
      entity.setTableName(config.tableName);
      entity.setClient(documentClient);
      Object.defineProperty(entities, name, { value: entity, enumerable: true });
      return entity;
    },
  });
}

/**
 * The entities, each bound to the table named by the environment when first used. A handler
 * reaches a few of them (closing a cycle two of twenty-five), and building them all at load was
 * about a tenth of a cold start (docs/benchmarks.md).
 */
export const db = (): Entities => entities;

export type Employee = EntityItem<ReturnType<typeof employee>>;
export type Cycle = EntityItem<ReturnType<typeof cycle>>;
export type Review = EntityItem<ReturnType<typeof review>>;
export type Failure = EntityItem<ReturnType<typeof failure>>;
export type HumanRequest = EntityItem<ReturnType<typeof request>>;
export type Feedback = EntityItem<ReturnType<typeof feedback>>;
export type FeedbackAsk = EntityItem<ReturnType<typeof feedbackAsk>>;
export type FeedbackEntry = EntityItem<ReturnType<typeof feedbackEntry>>;
export type Plan = EntityItem<ReturnType<typeof plan>>;
export type PlanItem = EntityItem<ReturnType<typeof planItem>>;
export type Goal = EntityItem<ReturnType<typeof goal>>;
export type Aspiration = EntityItem<ReturnType<typeof aspiration>>;
export type DigestItem = EntityItem<ReturnType<typeof digestItem>>;
export type Session = EntityItem<ReturnType<typeof session>>;

export type Acknowledgment = { at: string; agrees: boolean; disagreement?: string };

/* ElectroDB builds each write's parameters; they are sent together so an answer is stored whole or not at all. */
// biome-ignore lint/suspicious/noExplicitAny: ElectroDB's params() is typed loosely; the shapes are DynamoDB's own.
export type Params = Record<string, any>;

/** True for a DynamoDB conditional-write rejection, whether raw or wrapped by ElectroDB. */
export const isConditionFailure = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ConditionalCheckFailedException') return true;
  if (error.name === 'TransactionCanceledException' && /ConditionalCheckFailed/.test(error.message))
    return true;
  if (/conditional request failed/i.test(error.message)) return true;
  return error.cause !== undefined && error.cause !== error && isConditionFailure(error.cause);
};

/** A record's revision; one stored before its kind counted revisions is at its first. */
export const revisionOf = (record: { revision?: number | undefined }): number => record.revision ?? 1;

/**
 * The revision a write moves a record to from the one it read (none: a new record, at its first).
 * A record stored before revisions were counted reads as the first, so its first write moves it
 * to the second, past what a reader was shown.
 */
export const nextRevision = (read: { revision?: number | undefined } | undefined): number =>
  read ? revisionOf(read) + 1 : 1;

/**
 * The where-condition of a write over a record as it was read: still at that revision, or, read
 * before revisions were counted, still without one. Each comparison is ElectroDB's own operator.
 */
export const stillAtRevision = <A>(
  op: { eq: (attr: A, value: number) => string; notExists: (attr: A) => string },
  attr: A,
  read: { revision?: number | undefined },
): string => (read.revision === undefined ? op.notExists(attr) : op.eq(attr, read.revision));

/** For a write that may already have happened (a retry): a conditional-write rejection means done. */
export const ignoreConditionFailure = (error: unknown): void => {
  if (!isConditionFailure(error)) throw error;
};

/**
 * True when DynamoDB refused a write only because another transaction was changing one of its items
 * at the same moment (a cancellation reason `TransactionConflict`, or `TransactionConflictException`
 * for a single write). Nothing was written and no condition was found false, so unlike a condition
 * failure it says nothing about the item's state: the caller reads again, or tries again. A
 * cancellation that also has a failed condition is a condition failure.
 */
export const isTransactionConflict = (error: unknown): boolean => {
  if (!(error instanceof Error) || isConditionFailure(error)) return false;
  if (error.name === 'TransactionConflictException') return true;
  if (error.name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
    return (
      reasons?.some((r) => r.Code === 'TransactionConflict') === true ||
      /TransactionConflict/.test(error.message)
    );
  }
  return error.cause !== undefined && error.cause !== error && isTransactionConflict(error.cause);
};

/**
 * Whether a cursor a caller sent back is one a list of every `cycle` or every `plan` (their `all`
 * index) gave out: ElectroDB's base64url JSON of the last key read. A made-up one would make
 * DynamoDB fail, so routes refuse it as bad input instead.
 */
export const isAllCursor = (entity: 'cycle' | 'plan', cursor: string): boolean => {
  type Values = { ExpressionAttributeValues: Record<string, unknown> };
  type Keyed = { Key: { pk: string } };
  // The index's one partition, and the table key every item of the entity starts with.
  const [all, own] =
    entity === 'cycle'
      ? [db().cycle.query.all({}).params<Values>(), db().cycle.get({ cycleId: '' }).params<Keyed>()]
      : [db().plan.query.all({}).params<Values>(), db().plan.get({ planId: '' }).params<Keyed>()];
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    return (
      Object.keys(key).length === 4 &&
      key.gsi2pk === all.ExpressionAttributeValues[':pk'] &&
      typeof key.gsi2sk === 'string' &&
      typeof key.pk === 'string' &&
      key.pk.startsWith(own.Key.pk) &&
      typeof key.sk === 'string'
    );
  } catch {
    return false;
  }
};
