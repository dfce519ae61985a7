import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  type Framework,
  FrameworkDoc,
  policyOf,
  selectParticipants,
  type Template,
  TemplateDoc,
  type Trigger,
  TriggerDoc,
  timingsOf,
  unknownCompetencies,
} from '../../domain/catalog/documents';
import { type GapAnalysis, gapAnalysisFor } from '../../domain/catalog/ratings';
import { loadCatalog } from '../../domain/catalog/store';
import { addParticipants, cancelCycle, extendCycle, removeParticipant } from '../../domain/cycles/admin';
import { cycleReport } from '../../domain/cycles/close';
import { ANONYMITY_THRESHOLD, type CyclePolicy, DEFAULT_TIMINGS } from '../../domain/cycles/policy';
import { scheduleCycle, startCycle } from '../../domain/cycles/schedule';
import { acknowledgmentStatus, cycleRequests, phaseStatus } from '../../domain/cycles/status';
import { reassignRequest } from '../../domain/human-steps/reassign';
import {
  type Access,
  accessTo,
  canActOn,
  canRead,
  type Principal,
  principalFrom,
} from '../../domain/people/access';
import { CsvError, parseCsvObjects } from '../../domain/people/csv';
import { alignmentChain, alignmentProblem, liveGoals } from '../../domain/people/goals';
import {
  applyImport,
  loadOrganisation,
  ORG_COLUMNS,
  type OrgRow,
  planImport,
  upsertEmployees,
} from '../../domain/people/org';
import { createPlan } from '../../domain/plans/plans';
import { recordAudit } from '../../domain/platform/audit';
import { now } from '../../domain/platform/clock';
import { newId, stableId } from '../../domain/platform/ids';
import { logger } from '../../domain/platform/logger';
import { type Cycle, db, type Employee, type Goal } from '../../domain/platform/table';
import { calibrateReview } from '../../domain/reviews/calibration';
import { exportCycle } from '../../domain/reviews/export';
import { followManagerChanges } from '../../domain/reviews/manager-change';
import { meetingHeldAt } from '../../domain/reviews/meeting';
import { peerFeedbackView } from '../../domain/reviews/peer-view';
import { mayRelease, releaseCycle, releaseReview, resultsVisible } from '../../domain/reviews/release';
import { type HttpEvent, type HttpResult, header, jsonResult, parseJson, problem } from '../shared/http';
import { stepKinds } from '../shared/step-kinds';
import {
  AddParticipantsInput,
  CalibrationInput,
  CancelCycleInput,
  CreateGoalInput,
  CreatePlanInput,
  ExtendCycleInput,
  GoalProgressInput,
  ImportOrgInput,
  PutEmployeesInput,
  ReassignRequestInput,
  ScheduleCycleInput,
  UpdateGoalInput,
} from './hr-schemas';
import { openApiDocument } from './openapi';

/**
 * Loads the goal a route names and checks the caller may read it (its owner's reporting line, or
 * anyone for a company goal) or act on it (the owner, their direct manager, HR; company goals: HR).
 */
const goalFor = async (
  event: HttpEvent,
  caller: Principal,
  need: 'read' | 'act',
): Promise<{ goal: Goal } | { result: HttpResult }> => {
  const goalId = event.pathParameters?.goalId ?? '';
  const goal = (await db().goal.get({ goalId }).go()).data;
  if (!goal)
    return {
      result: problem(404, 'Not found', `goalId: no goal ${goalId}`, [
        { field: 'goalId', message: 'not found' },
      ]),
    };
  const access: Access =
    goal.ownerId === 'company' ? (caller.hr ? 'hr' : 'reporting-line') : await accessTo(caller, goal.ownerId);
  const allowed =
    need === 'read' ? canRead(access) : access === 'hr' || access === 'self' || access === 'direct-manager';
  return allowed
    ? { goal }
    : {
        result: forbidden(
          need === 'read'
            ? 'You may read goals of yourself and your reporting line'
            : 'Only the owner, their direct manager or HR may change this goal',
        ),
      };
};

const cycleOf = async (event: HttpEvent): Promise<{ cycle: Cycle } | { result: HttpResult }> => {
  const cycleId = event.pathParameters?.cycleId ?? '';
  const cycle = (await db().cycle.get({ cycleId }).go()).data;
  return cycle
    ? { cycle }
    : {
        result: problem(404, 'Not found', `cycleId: no cycle ${cycleId}`, [
          { field: 'cycleId', message: 'not found' },
        ]),
      };
};

/** Stores a framework or template as a new revision and records the change. */
const saveDocument = async (
  kind: 'framework' | 'template' | 'trigger',
  id: string,
  doc: Framework | Template | Trigger,
  actor: string,
) => {
  const entity = db()[kind];
  const previous = (await entity.get({ id }).go()).data;
  const item = {
    id,
    doc,
    revision: (previous?.revision ?? 0) + 1,
    updatedAt: now().toISOString(),
    updatedBy: actor,
  };
  await entity.put(item).go();
  await recordAudit(`${kind}#${id}`, actor, `${kind}.saved`, { revision: item.revision });
  return item;
};

const missingEmployees = async (ids: string[]): Promise<{ found: Employee[]; missing: string[] }> => {
  const { data, unprocessed } = await db()
    .employee.get(ids.map((employeeId) => ({ employeeId })))
    .go({ concurrency: 4 });
  if (unprocessed.length) throw new Error('DynamoDB left keys unprocessed');
  const byId = new Set(data.map((e) => e.employeeId));
  return { found: data, missing: ids.filter((i) => !byId.has(i)) };
};

const idempotencyKey = (event: HttpEvent): string | undefined => header(event, 'idempotency-key');

/**
 * A release cursor is the key of the last review a call reached (ElectroDB's base64url JSON); one
 * from another cycle or made up would make DynamoDB fail, so it is refused as bad input instead.
 */
const isReleaseCursor = (cursor: string, cycleId: string): boolean => {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      pk?: unknown;
      sk?: unknown;
    };
    const { Key } = db().review.get({ cycleId, employeeId: '-' }).params<{ Key: { pk: string } }>();
    return key.pk === Key.pk && typeof key.sk === 'string';
  } catch {
    return false;
  }
};

type Route = (event: HttpEvent, caller: Principal) => Promise<HttpResult>;

const forbidden = (detail: string): HttpResult => problem(403, 'Forbidden', detail);

/** Routes only HR admins may call. */
const hrOnly =
  (route: Route): Route =>
  (event, caller) =>
    caller.hr ? route(event, caller) : Promise.resolve(forbidden('Only HR admins may do this'));

const claimsOf = (event: HttpEvent) =>
  (event.requestContext as { authorizer?: { jwt?: { claims?: Parameters<typeof principalFrom>[0] } } })
    .authorizer?.jwt?.claims;

const routes: Record<string, Route> = {
  'GET /audit/{entityKey}': hrOnly(async (event) => {
    const entityKey = decodeURIComponent(event.pathParameters?.entityKey ?? '');
    if (!/^[a-z-]+(#[A-Za-z0-9_.-]+)?$/.test(entityKey)) {
      return problem(
        400,
        'Invalid request',
        'entityKey: such as org, cycle#ID, plan#ID, goal#ID, template#ID',
        [{ field: 'entityKey', message: 'such as org, cycle#ID, plan#ID, goal#ID, template#ID' }],
      );
    }
    const { data } = await db().audit.query.byEntity({ entityKey }).go({ pages: 'all' });
    return jsonResult(200, { entityKey, events: data.map(({ entityKey: _k, ...e }) => e) });
  }),

  'GET /employees/{employeeId}': async (event, caller) => {
    const employeeId = event.pathParameters?.employeeId ?? '';
    if (!canRead(await accessTo(caller, employeeId)))
      return forbidden('You may read yourself and your reporting line');
    const found = (await db().employee.get({ employeeId }).go()).data;
    if (!found)
      return problem(404, 'Not found', `employeeId: no employee ${employeeId}`, [
        { field: 'employeeId', message: 'not found' },
      ]);
    return jsonResult(200, { employee: found });
  },

  'GET /employees/{employeeId}/goals': async (event, caller) => {
    const ownerId = event.pathParameters?.employeeId ?? '';
    if (!canRead(await accessTo(caller, ownerId)))
      return forbidden('You may read goals of yourself and your reporting line');
    const { data } = await db().goal.query.byOwner({ ownerId }).go({ pages: 'all' });
    return jsonResult(200, { goals: data });
  },

  'POST /goals': async (event, caller) => {
    const body = parseJson(event, CreateGoalInput);
    if (!body.ok) return body.result;
    const { ownerId } = body.value;
    const access = ownerId === 'company' ? (caller.hr ? 'hr' : 'none') : await accessTo(caller, ownerId);
    // People set their own goals; their manager and HR may too. Company goals are HR's.
    if (!(access === 'hr' || access === 'self' || access === 'direct-manager')) {
      return forbidden('Goals are set by the owner, their direct manager or HR; company goals by HR');
    }
    if (ownerId !== 'company' && (await missingEmployees([ownerId])).missing.length) {
      return problem(400, 'Invalid request', `ownerId: unknown employee ${ownerId}`, [
        { field: 'ownerId', message: 'unknown employee' },
      ]);
    }
    const key = idempotencyKey(event);
    const goalId = key ? stableId('goal', caller.employeeId, key) : newId();
    const wrongParent = await alignmentProblem(goalId, body.value.parentGoalId);
    if (wrongParent)
      return problem(400, 'Invalid request', `parentGoalId: ${wrongParent}`, [
        { field: 'parentGoalId', message: wrongParent },
      ]);
    const at = now().toISOString();
    const goal = { ...body.value, goalId, progress: [], createdAt: at, updatedAt: at };
    await db().goal.put(goal).go();
    await recordAudit(`goal#${goalId}`, caller.employeeId, 'goal.created', { ownerId });
    return jsonResult(201, { goal });
  },

  'GET /goals/{goalId}': async (event, caller) => {
    const found = await goalFor(event, caller, 'read');
    if ('result' in found) return found.result;
    return jsonResult(200, {
      goal: found.goal,
      alignedTo: (await alignmentChain(found.goal.parentGoalId)).map((g) => ({
        goalId: g.goalId,
        title: g.title,
        ownerId: g.ownerId,
      })),
    });
  },

  'PATCH /goals/{goalId}': async (event, caller) => {
    const body = parseJson(event, UpdateGoalInput);
    if (!body.ok) return body.result;
    const found = await goalFor(event, caller, 'act');
    if ('result' in found) return found.result;
    const wrongParent = await alignmentProblem(found.goal.goalId, body.value.parentGoalId);
    if (wrongParent)
      return problem(400, 'Invalid request', `parentGoalId: ${wrongParent}`, [
        { field: 'parentGoalId', message: wrongParent },
      ]);
    const goal = { ...found.goal, ...body.value, updatedAt: now().toISOString() };
    await db().goal.put(goal).go();
    await recordAudit(`goal#${goal.goalId}`, caller.employeeId, 'goal.updated', {
      fields: Object.keys(body.value),
    });
    return jsonResult(200, { goal });
  },

  'POST /goals/{goalId}/progress': async (event, caller) => {
    const body = parseJson(event, GoalProgressInput);
    if (!body.ok) return body.result;
    const found = await goalFor(event, caller, 'act');
    if ('result' in found) return found.result;
    const update = { at: now().toISOString(), by: caller.employeeId, ...body.value };
    const { data } = await db()
      .goal.patch({ goalId: found.goal.goalId })
      .append({ progress: [update] })
      .set({ updatedAt: update.at })
      .go({ response: 'all_new' });
    await recordAudit(`goal#${found.goal.goalId}`, caller.employeeId, 'goal.progress', {});
    return jsonResult(201, { goal: data });
  },

  'PUT /employees': hrOnly(async (event, caller) => {
    const body = parseJson(event, PutEmployeesInput);
    if (!body.ok) return body.result;
    const ids = body.value.employees.map((e) => e.employeeId);
    const duplicate = ids.find((v, i) => ids.indexOf(v) !== i);
    if (duplicate) {
      const index = ids.lastIndexOf(duplicate);
      return problem(400, 'Invalid request', `employees.${index}.employeeId: duplicate id`, [
        { field: `employees.${index}.employeeId`, message: 'duplicate id' },
      ]);
    }
    const { movedRequests } = await upsertEmployees(
      body.value.employees,
      caller.employeeId,
      followManagerChanges,
    );
    await recordAudit('org', caller.employeeId, 'employees.upserted', { ids: ids.slice(0, 1000) });
    return jsonResult(200, { upserted: ids.length, ...(movedRequests.length ? { movedRequests } : {}) });
  }),

  'POST /org/import': hrOnly(async (event, caller) => {
    const body = parseJson(event, ImportOrgInput);
    if (!body.ok) return body.result;
    const { mode, dryRun, skipInvalid } = body.value;
    let rows: OrgRow[];
    try {
      rows =
        body.value.csv !== undefined
          ? parseCsvObjects(body.value.csv)
          : (body.value.rows ?? []).map((values, i) => ({
              // JSON rows are numbered from 1, as a person counts them.
              row: i + 1,
              values: Object.fromEntries(
                Object.entries(values).map(([k, v]) => [k, v === null ? '' : String(v)]),
              ),
            }));
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      return problem(400, 'Invalid request', `csv: ${error.message}`, [
        { field: 'csv', message: error.message },
      ]);
    }
    const missing = ORG_COLUMNS.filter(
      (c) => !['manager_id', 'track', 'department', 'location', 'start_date', 'status'].includes(c),
    ).filter((c) => rows.length > 0 && !(c in (rows[0]?.values ?? {})));
    if (missing.length) {
      return problem(400, 'Invalid request', `csv: missing columns ${missing.join(', ')}`, [
        { field: 'csv', message: `missing columns: ${missing.join(', ')}` },
      ]);
    }
    const existing = await loadOrganisation();
    const plan = planImport(rows, existing, mode);
    const apply = !dryRun && (plan.errors.length === 0 || skipInvalid);
    if (apply) await applyImport(plan, existing, caller.employeeId, followManagerChanges);
    logger.info('org import', { rows: plan.rows, errors: plan.errors.length, applied: apply, mode });
    const report = {
      dryRun,
      applied: apply,
      counts: {
        rows: plan.rows,
        valid: plan.valid.length,
        invalid: plan.rows - plan.valid.length,
        created: plan.created.length,
        updated: plan.updated.length,
        unchanged: plan.unchanged,
        left: plan.leavers.length,
      },
      errors: plan.errors,
    };
    if (plan.errors.length && !apply && !dryRun) {
      return {
        ...problem(
          422,
          'Import rejected',
          `${plan.errors.length} problem(s) in ${plan.rows - plan.valid.length} row(s); nothing was written`,
        ),
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Import rejected',
          status: 422,
          detail: `${plan.errors.length} problem(s) in ${plan.rows - plan.valid.length} row(s); nothing was written`,
          ...report,
        }),
      };
    }
    return jsonResult(200, report);
  }),

  'PUT /frameworks/{frameworkId}': hrOnly(async (event, caller) => {
    const body = parseJson(event, FrameworkDoc);
    if (!body.ok) return body.result;
    const id = event.pathParameters?.frameworkId ?? '';
    if (body.value.id !== id)
      return problem(400, 'Invalid request', 'id: must match the path', [
        { field: 'id', message: 'must match the path' },
      ]);
    const saved = await saveDocument('framework', id, body.value, caller.employeeId);
    return jsonResult(200, saved);
  }),

  'GET /frameworks/{frameworkId}': async (event) => {
    const found = (
      await db()
        .framework.get({ id: event.pathParameters?.frameworkId ?? '' })
        .go()
    ).data;
    if (!found)
      return problem(404, 'Not found', 'frameworkId: no such framework', [
        { field: 'frameworkId', message: 'not found' },
      ]);
    return jsonResult(200, found);
  },

  'PUT /templates/{templateId}': hrOnly(async (event, caller) => {
    const body = parseJson(event, TemplateDoc);
    if (!body.ok) return body.result;
    const id = event.pathParameters?.templateId ?? '';
    if (body.value.id !== id)
      return problem(400, 'Invalid request', 'id: must match the path', [
        { field: 'id', message: 'must match the path' },
      ]);
    const framework = (await db().framework.get({ id: body.value.frameworkId }).go()).data;
    if (!framework) {
      return problem(400, 'Invalid request', `frameworkId: no framework ${body.value.frameworkId}`, [
        { field: 'frameworkId', message: 'no such framework' },
      ]);
    }
    const unknown = unknownCompetencies(body.value, framework.doc as Framework);
    if (unknown.length) {
      const errors = unknown.map((u) => ({
        field: `questions.${u.index}.competencyId`,
        message: `not in framework ${body.value.frameworkId}: "${u.id}"`,
      }));
      return problem(
        400,
        'Invalid request',
        errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      );
    }
    return jsonResult(200, await saveDocument('template', id, body.value, caller.employeeId));
  }),

  'GET /templates/{templateId}': async (event) => {
    const found = (
      await db()
        .template.get({ id: event.pathParameters?.templateId ?? '' })
        .go()
    ).data;
    if (!found)
      return problem(404, 'Not found', 'templateId: no such template', [
        { field: 'templateId', message: 'not found' },
      ]);
    return jsonResult(200, found);
  },

  'PUT /triggers/{triggerId}': hrOnly(async (event, caller) => {
    const body = parseJson(event, TriggerDoc);
    if (!body.ok) return body.result;
    const id = event.pathParameters?.triggerId ?? '';
    if (body.value.id !== id)
      return problem(400, 'Invalid request', 'id: must match the path', [
        { field: 'id', message: 'must match the path' },
      ]);
    const template = (await db().template.get({ id: body.value.templateId }).go()).data;
    if (!template) {
      return problem(400, 'Invalid request', `templateId: no template ${body.value.templateId}`, [
        { field: 'templateId', message: 'no such template' },
      ]);
    }
    return jsonResult(200, await saveDocument('trigger', id, body.value, caller.employeeId));
  }),

  'GET /triggers/{triggerId}': hrOnly(async (event) => {
    const found = (
      await db()
        .trigger.get({ id: event.pathParameters?.triggerId ?? '' })
        .go()
    ).data;
    if (!found)
      return problem(404, 'Not found', 'triggerId: no such trigger', [
        { field: 'triggerId', message: 'not found' },
      ]);
    return jsonResult(200, found);
  }),

  'POST /cycles': hrOnly(async (event, caller) => {
    const body = parseJson(event, ScheduleCycleInput);
    if (!body.ok) return body.result;
    const startAt = body.value.startAt ? new Date(body.value.startAt) : now();
    let template: Template | undefined;
    if (body.value.templateId) {
      const stored = (await db().template.get({ id: body.value.templateId }).go()).data;
      if (!stored) {
        return problem(400, 'Invalid request', `templateId: no template ${body.value.templateId}`, [
          { field: 'templateId', message: 'no such template' },
        ]);
      }
      template = stored.doc as Template;
    }
    const participantIds = body.value.participants
      ? [...new Set(body.value.participants)]
      : selectParticipants(template as Template, await loadOrganisation(), startAt).map((e) => e.employeeId);
    if (participantIds.length === 0) {
      return problem(400, 'Invalid request', 'participants: the template selects nobody', [
        { field: 'participants', message: 'the template selects nobody' },
      ]);
    }
    const { found, missing } = await missingEmployees(participantIds);
    if (missing.length) {
      return problem(
        400,
        'Invalid request',
        `participants: unknown employee ids ${missing.slice(0, 10).join(', ')}`,
        [{ field: 'participants', message: `unknown employee ids: ${missing.join(', ')}` }],
      );
    }
    const key = idempotencyKey(event);
    const cycleId = key ? stableId('cycle', key) : newId();
    // The forms of this cycle keep asking what the template and framework say today.
    const catalog = template ? await loadCatalog(template.id) : undefined;
    const cycle = await scheduleCycle(
      {
        cycleId,
        name: body.value.name,
        startAt,
        participantIds,
        timings: template ? timingsOf(template) : (body.value.timings ?? DEFAULT_TIMINGS),
        ...(template ? { templateId: template.id, policy: policyOf(template) } : {}),
        ...(catalog ? { catalog } : {}),
        ...(body.value.repeatEveryMonths
          ? {
              repeat: {
                seriesId: cycleId,
                seriesName: body.value.name,
                everyMonths: body.value.repeatEveryMonths,
                number: 1,
                // Listed people are asked again next time; a template's filters pick afresh.
                participants: body.value.participants
                  ? ('same-people' as const)
                  : ('template-filters' as const),
              },
            }
          : {}),
      },
      found,
    );
    await recordAudit(`cycle#${cycleId}`, caller.employeeId, 'cycle.scheduled', {
      participants: found.length,
      templateId: template?.id,
    });
    const name = await startCycle(cycle);
    logger.info('cycle scheduled', { cycleId, participants: found.length });
    return jsonResult(201, { cycleId, executionName: name, cycle });
  }),

  'GET /cycles/{cycleId}': hrOnly(async (event) => {
    const found = await cycleOf(event);
    if ('result' in found) return found.result;
    const [reviews, requests] = await Promise.all([
      cycleReport(found.cycle.cycleId),
      cycleRequests(found.cycle.cycleId),
    ]);
    return jsonResult(200, {
      cycle: found.cycle,
      reviews,
      ...phaseStatus(requests),
      // Released results, acknowledgments and every disagreement an employee recorded.
      acknowledgments: await acknowledgmentStatus(found.cycle.cycleId),
    });
  }),

  'POST /cycles/{cycleId}/extend': hrOnly(async (event, caller) => {
    const body = parseJson(event, ExtendCycleInput);
    if (!body.ok) return body.result;
    const found = await cycleOf(event);
    if ('result' in found) return found.result;
    if (found.cycle.status !== 'scheduled' && found.cycle.status !== 'running') {
      return problem(409, 'Conflict', `the cycle is ${found.cycle.status}`);
    }
    const moved = await extendCycle(found.cycle, body.value);
    await recordAudit(`cycle#${found.cycle.cycleId}`, caller.employeeId, 'cycle.extended', {
      ...body.value,
      requests: moved.requests,
    });
    return jsonResult(200, { extended: moved.requests, ...body.value });
  }),

  'POST /cycles/{cycleId}/cancel': hrOnly(async (event, caller) => {
    const body = parseJson(event, CancelCycleInput);
    if (!body.ok) return body.result;
    const found = await cycleOf(event);
    if ('result' in found) return found.result;
    if (found.cycle.status !== 'scheduled' && found.cycle.status !== 'running') {
      return problem(409, 'Conflict', `the cycle is already ${found.cycle.status}`);
    }
    const result = await cancelCycle(found.cycle, body.value.reason);
    await recordAudit(`cycle#${found.cycle.cycleId}`, caller.employeeId, 'cycle.cancelled', {
      reviews: result.stopped,
    });
    return jsonResult(200, { cancelled: true, reviews: result.stopped });
  }),

  'POST /cycles/{cycleId}/participants': hrOnly(async (event, caller) => {
    const body = parseJson(event, AddParticipantsInput);
    if (!body.ok) return body.result;
    const found = await cycleOf(event);
    if ('result' in found) return found.result;
    if (found.cycle.status !== 'scheduled' && found.cycle.status !== 'running') {
      return problem(409, 'Conflict', `the cycle is ${found.cycle.status}`);
    }
    const ids = [...new Set(body.value.employeeIds)];
    const people = await missingEmployees(ids);
    if (people.missing.length) {
      return problem(
        400,
        'Invalid request',
        `employeeIds: unknown employee ids ${people.missing.join(', ')}`,
        [{ field: 'employeeIds', message: `unknown employee ids: ${people.missing.join(', ')}` }],
      );
    }
    const result = await addParticipants(found.cycle, people.found);
    await recordAudit(`cycle#${found.cycle.cycleId}`, caller.employeeId, 'cycle.participants-added', {
      ids: result.added,
    });
    return jsonResult(200, { added: result.added, alreadyIn: ids.filter((i) => !result.added.includes(i)) });
  }),

  'DELETE /cycles/{cycleId}/participants/{employeeId}': hrOnly(async (event, caller) => {
    const found = await cycleOf(event);
    if ('result' in found) return found.result;
    const employeeId = event.pathParameters?.employeeId ?? '';
    const outcome = await removeParticipant(found.cycle, employeeId);
    if (outcome === 'not-found') {
      return problem(404, 'Not found', `employeeId: ${employeeId} is not in this cycle`, [
        { field: 'employeeId', message: 'not in this cycle' },
      ]);
    }
    if (outcome === 'finished') return problem(409, 'Conflict', 'that review has already finished');
    await recordAudit(`cycle#${found.cycle.cycleId}`, caller.employeeId, 'cycle.participant-removed', {
      employeeId,
    });
    return jsonResult(200, { removed: employeeId });
  }),

  'POST /requests/{requestId}/reassign': hrOnly(async (event, caller) => {
    const body = parseJson(event, ReassignRequestInput);
    if (!body.ok) return body.result;
    const requestId = event.pathParameters?.requestId ?? '';
    const result = await reassignRequest(
      stepKinds,
      requestId,
      body.value.recipientId,
      caller.employeeId,
      body.value.reason,
    );
    if (!result.ok) {
      const { status, field, message } = result.refusal;
      const title = status === 404 ? 'Not found' : status === 409 ? 'Conflict' : 'Cannot reassign';
      return problem(status, title, `${field}: ${message}`, [{ field, message }]);
    }
    const r = result.request;
    return jsonResult(200, {
      requestId: r.requestId,
      kind: r.kind,
      subjectId: r.subjectId,
      recipientId: r.recipientId,
      assignment: r.assignment ?? 0,
      status: r.status,
      unchanged: result.unchanged,
    });
  }),

  'GET /cycles/{cycleId}/export': hrOnly(async (event) => {
    const found = await cycleOf(event);
    if ('result' in found) return found.result;
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="cycle-${found.cycle.cycleId}.csv"`,
        'cache-control': 'no-store',
      },
      body: await exportCycle(found.cycle.cycleId),
    };
  }),

  'GET /cycles/{cycleId}/reviews/{employeeId}': async (event, caller) => {
    const cycleId = event.pathParameters?.cycleId ?? '';
    const employeeId = event.pathParameters?.employeeId ?? '';
    const access = await accessTo(caller, employeeId);
    if (!canRead(access))
      return forbidden('You may read reviews of yourself and of people in your reporting line');
    const view = event.queryStringParameters?.view ?? (access === 'hr' ? 'hr' : 'employee');
    // Peer attribution is for HR only; everyone else sees peer answers combined or withheld.
    if (view === 'hr' && access !== 'hr') return forbidden('Only HR admins see who gave which peer feedback');
    if (view !== 'hr' && view !== 'employee') {
      return problem(400, 'Invalid request', 'view: must be hr or employee', [
        { field: 'view', message: 'must be hr or employee' },
      ]);
    }
    const review = (await db().review.get({ cycleId, employeeId }).go()).data;
    if (!review)
      return problem(404, 'Not found', 'employeeId: no review for this employee in this cycle', [
        { field: 'employeeId', message: 'not found' },
      ]);
    const cycle = (await db().cycle.get({ cycleId }).go()).data ?? undefined;
    const policy = cycle?.policy as CyclePolicy | undefined;
    const goals = await liveGoals(employeeId, cycle);
    const { gapAnalysis: stored, ...kept } = review;
    const heldAt = await meetingHeldAt(review);
    const all = { ...kept, ...(heldAt ? { meetingHeldAt: heldAt } : {}) };
    // The employee's view shows the manager's ratings, texts and the gap analysis only once released.
    const released = resultsVisible(review, view);
    const { managerAppraisal: _m, overallRating: _o, calibration: _k, calibratedAt: _a, ...unreleased } = all;
    return jsonResult(200, {
      review: released ? all : unreleased,
      goals,
      // Peer feedback, too, reaches the employee with the rest of the results, not before.
      ...(released
        ? { peerFeedback: await peerFeedbackView(cycleId, employeeId, view, policy?.anonymityThreshold) }
        : {}),
      released: review.releasedAt !== undefined,
      // Gaps against the role's expected levels, peer averages only above the anonymity threshold.
      ...(stored && released
        ? {
            gapAnalysis: gapAnalysisFor(
              stored as GapAnalysis,
              view,
              policy?.anonymityThreshold ?? ANONYMITY_THRESHOLD,
            ),
          }
        : {}),
    });
  },

  'POST /cycles/{cycleId}/reviews/{employeeId}/calibration': hrOnly(async (event, caller) => {
    const body = parseJson(event, CalibrationInput);
    if (!body.ok) return body.result;
    const found = await cycleOf(event);
    if ('result' in found) return found.result;
    if (found.cycle.status === 'cancelled') return problem(409, 'Conflict', 'the cycle is cancelled');
    const employeeId = event.pathParameters?.employeeId ?? '';
    const result = await calibrateReview(found.cycle.cycleId, employeeId, body.value, caller.employeeId);
    switch (result.outcome) {
      case 'not-found':
        return problem(404, 'Not found', 'employeeId: no review for this employee in this cycle', [
          { field: 'employeeId', message: 'not found' },
        ]);
      case 'no-appraisal':
        return problem(409, 'Conflict', 'the manager appraisal is not in yet: there is nothing to calibrate');
      case 'no-calibration-phase':
        return problem(409, 'Conflict', 'this cycle’s template has no calibration phase');
      case 'conflict':
        return problem(409, 'Conflict', 'the review kept changing; try again');
      case 'invalid':
        return problem(
          400,
          'Invalid request',
          result.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
          result.problems,
        );
      default:
        return jsonResult(200, {
          calibration: result.calibration,
          ...(result.gapAnalysis ? { gapAnalysis: result.gapAnalysis } : {}),
        });
    }
  }),

  'POST /cycles/{cycleId}/reviews/{employeeId}/release': async (event, caller) => {
    const employeeId = event.pathParameters?.employeeId ?? '';
    if (!mayRelease(await accessTo(caller, employeeId)))
      return forbidden('Results are released by HR or the employee’s direct manager');
    const found = await cycleOf(event);
    if ('result' in found) return found.result;
    if (found.cycle.status === 'cancelled') return problem(409, 'Conflict', 'the cycle is cancelled');
    const outcome = await releaseReview(found.cycle.cycleId, employeeId, caller.employeeId);
    if (outcome === 'not-found')
      return problem(404, 'Not found', 'employeeId: no review for this employee in this cycle', [
        { field: 'employeeId', message: 'not found' },
      ]);
    if (outcome === 'not-ready')
      return problem(
        409,
        'Conflict',
        'the manager appraisal is not in, or the cycle has no release phase: there is nothing to release',
      );
    return jsonResult(200, { released: true, alreadyReleased: outcome === 'already-released' });
  },

  'POST /cycles/{cycleId}/release': hrOnly(async (event, caller) => {
    const found = await cycleOf(event);
    if ('result' in found) return found.result;
    if (found.cycle.status === 'cancelled') return problem(409, 'Conflict', 'the cycle is cancelled');
    // A large cycle takes several calls: each releases what fits in its time budget and says where
    // to go on from (`next`, passed back as ?cursor=).
    const cursor = event.queryStringParameters?.cursor;
    if (cursor !== undefined && !isReleaseCursor(cursor, found.cycle.cycleId)) {
      return problem(400, 'Invalid request', 'cursor: not a cursor this route gave out', [
        { field: 'cursor', message: 'not a cursor this route gave out' },
      ]);
    }
    const counts = await releaseCycle(found.cycle.cycleId, caller.employeeId, { cursor });
    return jsonResult(200, counts);
  }),

  'POST /plans': async (event, caller) => {
    const body = parseJson(event, CreatePlanInput);
    if (!body.ok) return body.result;
    if (!canActOn(await accessTo(caller, body.value.ownerId))) {
      return forbidden('Development plans are set by HR or the owner’s direct manager');
    }
    const { missing } = await missingEmployees([body.value.ownerId]);
    if (missing.length) {
      return problem(400, 'Invalid request', `ownerId: unknown employee ${body.value.ownerId}`, [
        { field: 'ownerId', message: 'unknown employee' },
      ]);
    }
    const key = idempotencyKey(event);
    const plan = await createPlan({
      planId: key ? stableId('plan', key) : newId(),
      ownerId: body.value.ownerId,
      title: body.value.title,
      items: body.value.items.map((i) => ({ title: i.title, dueAt: new Date(i.dueAt) })),
    });
    await recordAudit(`plan#${plan.planId}`, caller.employeeId, 'plan.created', {
      ownerId: plan.ownerId,
      items: plan.itemRequestIds.length,
    });
    return jsonResult(201, { planId: plan.planId, plan });
  },

  'GET /plans/{planId}': async (event, caller) => {
    const planId = event.pathParameters?.planId ?? '';
    const plan = (await db().plan.get({ planId }).go()).data;
    if (!plan)
      return problem(404, 'Not found', `planId: no plan ${planId}`, [
        { field: 'planId', message: 'not found' },
      ]);
    if (!canRead(await accessTo(caller, plan.ownerId))) {
      return forbidden('You may read plans of yourself and of your reporting line');
    }
    const items = await Promise.all(
      plan.itemRequestIds.map((requestId) => db().request.get({ requestId }).go()),
    );
    return jsonResult(200, {
      plan,
      items: items.map((i) => ({
        requestId: i.data?.requestId,
        title: i.data?.title,
        dueAt: i.data?.dueAt,
        status: i.data?.status,
        escalationsSent: i.data?.escalationsSent,
      })),
    });
  },
};

/** The HR API's routes; the gateway only forwards the route keys listed in infra, so others never arrive. */
export const HR_ROUTES = Object.keys(routes);

export const handleHr = async (event: HttpEvent): Promise<HttpResult> => {
  // The API's own description is public, like the documentation it is.
  if (event.routeKey === 'GET /openapi.json') return jsonResult(200, openApiDocument());
  const route = routes[event.routeKey];
  if (!route) return problem(404, 'Not found', `No route ${event.routeKey}`);
  const caller = principalFrom(claimsOf(event));
  if (!caller) return forbidden('The token names no employee');
  return route(event, caller);
};

export const handler = middy<HttpEvent, HttpResult, Error, Context>().handler(handleHr);
