import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMPANY_ADDRESS_REFUSED, isCompanyAddress } from '../../domain/people/external';
import { externalId, isExternalId } from '../../domain/platform/ids';
import type { Employee } from '../../domain/platform/table';
import {
  approvalSchema,
  defaultChoice,
  effectiveMin,
  formBody,
  type NominationRules,
  nominationProblems,
  nominationSchema,
  suggestionsFrom,
} from '../../domain/reviews/nominations';
import { nominationPage } from '../../functions/api/nomination-page';
import { employee } from '../support/fixtures';

/** Mona's team, unless another manager is named. */
const person = (employeeId: string, name: string, managerId = 'mgr', status: Employee['status'] = 'active') =>
  employee(employeeId, { name, managerId, status });

const emp = person('emp', 'Emil');
const teammates = [
  emp,
  person('t1', 'Tor'),
  person('t2', 'Tia'),
  person('t3', 'Tom'),
  person('gone', 'Gone', 'mgr', 'left'),
];
const cousins = [person('c1', 'Cleo', 'mgr2'), person('t1', 'Tor'), person('mgr', 'Mona', 'ceo')];

const rules = (over: Partial<NominationRules> = {}): NominationRules => ({
  employeeId: 'emp',
  managerId: 'mgr',
  suggestions: suggestionsFrom('emp', 'mgr', teammates, cousins),
  minPeers: 2,
  maxPeers: 3,
  ...over,
});

describe('suggestions', () => {
  it('offers active teammates first, then the other teams, then the department, each once, never the employee or their manager', () => {
    const department = [person('d1', 'Dora', 'vp'), person('c1', 'Cleo', 'mgr2'), person('emp', 'Emil')];
    const s = suggestionsFrom('emp', 'mgr', teammates, cousins, department);
    expect(s.map((x) => [x.employeeId, x.teammate])).toEqual([
      ['t2', true],
      ['t3', true],
      ['t1', true],
      ['c1', false],
      ['d1', false],
    ]);
  });

  it('lowers the minimum to the colleagues there are', () => {
    expect(effectiveMin(rules())).toBe(2);
    expect(effectiveMin(rules({ minPeers: 5, maxPeers: 6 }))).toBe(4);
  });
});

describe('nomination rules', () => {
  it('accepts between the minimum and the maximum reviewers, externals counted', () => {
    expect(nominationProblems({ peers: ['t1', 't2'], externals: [] }, rules())).toEqual([]);
    expect(
      nominationProblems(
        { peers: ['t1', 't2'], externals: [{ id: 'ext-a', name: 'A', email: 'a@x.example' }] },
        rules(),
      ),
    ).toEqual([]);
  });

  it('refuses too few and too many, saying how many were chosen', () => {
    expect(nominationProblems({ peers: ['t1'], externals: [] }, rules())).toEqual([
      { field: 'peer', message: 'Choose between 2 and 3 reviewers (you chose 1)' },
    ]);
    expect(nominationProblems({ peers: ['t1', 't2', 't3', 'c1'], externals: [] }, rules())).toEqual([
      { field: 'peer', message: 'Choose between 2 and 3 reviewers (you chose 4)' },
    ]);
  });

  it('refuses the employee and their manager as reviewers', () => {
    for (const peers of [
      ['emp', 't1'],
      ['mgr', 't1'],
    ]) {
      expect(nominationProblems({ peers, externals: [] }, rules())[0]).toMatchObject({
        field: 'peer',
        message: 'The person reviewed and their manager cannot be peer reviewers',
      });
    }
  });

  it('refuses colleagues who were not offered', () => {
    expect(nominationProblems({ peers: ['t1', 'gone'], externals: [] }, rules())[0]?.message).toBe(
      'Choose colleagues from the list',
    );
  });

  it('counts a colleague ticked twice once', () => {
    expect(nominationProblems({ peers: ['t1', 't1'], externals: [] }, rules())[0]?.message).toBe(
      'Choose between 2 and 3 reviewers (you chose 1)',
    );
  });

  it('refuses the same external address twice', () => {
    const x = { id: externalId('a@x.example'), name: 'A', email: 'a@x.example' };
    expect(nominationProblems({ peers: ['t1'], externals: [x, { ...x, name: 'B' }] }, rules())).toEqual([
      { field: 'external2Email', message: 'Each external reviewer needs their own email address' },
    ]);
  });
});

describe('external reviewers from inside the company', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('are refused on their own field: an address of the company’s domains, or of a subdomain', () => {
    // Arrange
    vi.stubEnv('COMPANY_DOMAINS', 'acme.example, acme-labs.example');
    const own = { id: externalId('me@mail.acme.example'), name: 'Me Again', email: 'Me@Mail.ACME.example' };
    const fine = { id: externalId('pat@partner.example'), name: 'Pat', email: 'pat@partner.example' };

    // Act / Assess
    expect(nominationProblems({ peers: ['t1'], externals: [fine, own] }, rules())).toEqual([
      { field: 'external2Email', message: COMPANY_ADDRESS_REFUSED },
    ]);
    expect(nominationProblems({ peers: ['t1'], externals: [fine] }, rules())).toEqual([]);
  });

  it('are read against the sender address’s domain when no domain is configured', () => {
    vi.stubEnv('COMPANY_DOMAINS', '');
    vi.stubEnv('SENDER_ADDRESS', 'growcycle@acme.example');
    expect(isCompanyAddress('someone@acme.example')).toBe(true);
    expect(isCompanyAddress('someone@notacme.example')).toBe(false);
  });
});

describe('external reviewer ids', () => {
  it('are stable per address whatever its case, and carry no address', () => {
    expect(externalId('Erin@Partner.example')).toBe(externalId(' erin@partner.example '));
    expect(externalId('erin@partner.example')).not.toBe(externalId('eric@partner.example'));
    expect(externalId('erin@partner.example')).not.toContain('erin');
    expect(isExternalId(externalId('erin@partner.example'))).toBe(true);
    expect(isExternalId('t1')).toBe(false);
  });
});

describe('nomination form schema', () => {
  const parse = (body: string) => nominationSchema(rules()).safeParse(formBody(body));
  const errors = (body: string) => {
    const r = parse(body);
    return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [String(i.path[0]), i.message]));
  };

  it('reads repeated checkboxes and an external reviewer, the address lowercased', () => {
    const r = parse(
      'peer=t1&peer=t2&external1Name=Erin+Out&external1Email=Erin%40Partner.example&external2Name=&external2Email=',
    );
    expect(r.success && r.data).toEqual({
      peers: ['t1', 't2'],
      externals: [
        { id: externalId('erin@partner.example'), name: 'Erin Out', email: 'erin@partner.example' },
      ],
    });
  });

  it('names the external field that is wrong: a bad address, a name missing', () => {
    expect(errors('peer=t1&peer=t2&external1Name=Erin&external1Email=not-an-address')).toEqual({
      external1Email: 'External reviewer 1: the address is not a valid email address',
    });
    expect(errors('peer=t1&peer=t2&external2Email=x%40y.example')).toEqual({
      external2Name: 'External reviewer 2: the name is required',
    });
  });

  it('names the colleagues field when the count is off', () => {
    expect(errors('')).toEqual({ peer: 'Choose between 2 and 3 reviewers (you chose 0)' });
    expect(errors('peer=t1&peer=t2&peer=t3&external1Name=E&external1Email=e%40x.example')).toEqual({
      peer: 'Choose between 2 and 3 reviewers (you chose 4)',
    });
  });
});

describe('approval form schema', () => {
  const x = { id: externalId('erin@partner.example'), name: 'Erin', email: 'erin@partner.example' };
  const nominated = { peers: ['t1', 't2'], externals: [x] };

  it('keeps the externals the manager leaves ticked and the colleagues they choose', () => {
    const r = approvalSchema(rules(), nominated).safeParse(formBody(`peer=t1&peer=c1&external=${x.id}`));
    expect(r.success && r.data).toEqual({ peers: ['t1', 'c1'], externals: [x] });
  });

  it('refuses an external reviewer who was not nominated, and a list outside the bounds', () => {
    const unknown = approvalSchema(rules(), nominated).safeParse(formBody('peer=t1&external=ext-made-up'));
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues.map((i) => i.path[0])).toContain('external');
    const tooFew = approvalSchema(rules(), nominated).safeParse(formBody('peer=t1'));
    expect(tooFew.error?.issues[0]?.message).toBe('Choose between 2 and 3 reviewers (you chose 1)');
  });
});

describe('nomination page', () => {
  it('ticks teammates the way the auto-pick would, topped up to the minimum', () => {
    const few = rules({ suggestions: suggestionsFrom('emp', 'mgr', [emp, person('t1', 'Tor')], cousins) });
    expect(defaultChoice(emp, few, [emp, person('t1', 'Tor')])).toEqual(['t1', 'c1']);
  });

  it('escapes names and submitted values and shows each error next to its field', () => {
    const page = nominationPage({
      kind: 'peer-nomination',
      action: '/r/x?e=1&s=2',
      context: 'About <b>Emil</b>.',
      rules: rules({
        suggestions: [{ employeeId: 't1', name: 'Tor <script>', title: 'Dev', teammate: true }],
      }),
      checked: ['t1'],
      values: { external1Email: '"><script>' },
      errors: { external1Email: 'External reviewer 1: the address is not a valid email address' },
    });
    expect(page).not.toContain('<script>');
    expect(page).toContain('Tor &lt;script&gt;');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;"');
    expect(page).toMatch(/aria-describedby="external1Email-error"/);
    expect(page).toMatch(
      /<p class="error" id="external1Email-error">External reviewer 1: the address is not a valid email address<\/p>/,
    );
    expect(page).toMatch(/name="peer" value="t1" checked/);
  });
});
