import { GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetLinkKeys, keyIdOf, signedPath, signedUrl } from '../../domain/mail/links';
import { secrets } from '../../domain/platform/clients';
import { config } from '../../domain/platform/config';
import { emailKind, fetchInboxItems } from '../../local/people';
import { sampleCatalog } from '../support/catalog';
import { monasTeam, OSLO_STAFF } from '../support/fixtures';
import { apiAs, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * The link key rotates on the local stack as on AWS: RotateSecret runs the template's rotation
 * function through its four steps. A link signed before a rotation still opens (its key is now the
 * previous one) until the next rotation retires that key; links name their key and carry the
 * request's own nonce, which the key alone cannot stand in for.
 */

let stack: TestStack;
let link: URL;

const status = async (url: URL | string) => (await fetch(url)).status;
const rotate = async () => {
  await secrets.send(new RotateSecretCommand({ SecretId: config.linkSecretId }));
  // The form handler runs in this process: it reads the keys again, as a new container would.
  forgetLinkKeys();
};

beforeAll(async () => {
  stack = await startTestStack(new Date('2027-03-01T07:00:00Z'));
  const hr = hrApi(stack);
  const people = monasTeam(OSLO_STAFF, [{ employeeId: 'ola', name: 'Ola Oslo' }]);
  expect((await hr('PUT', '/employees', { employees: people })).status).toBe(200);
  for (const doc of sampleCatalog().filter((d) => d.kind === 'framework' || d.kind === 'template'))
    expect((await hr('PUT', `/${doc.kind}s/${doc.id}`, doc)).status).toBeLessThan(300);
  const asked = await apiAs(stack, 'ola')('POST', '/feedback/requests', {
    templateId: 'annual-review',
    days: 30,
    recipients: [{ name: 'Eve Extern', email: 'eve@example.org' }],
    question: 'What should I keep doing?',
  });
  expect(asked.status).toBe(201);
  const invitation = async () =>
    (await fetchInboxItems(stack.urls.inbox)).find((e) => emailKind(e) === 'feedback.request');
  await runUntil(stack, async () => (await invitation()) !== undefined);
  link = new URL(/https?:\/\/\S+\/r\/\S+/.exec((await invitation())?.body.text ?? '')?.[0] ?? '');
}, 60_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('email links and the link key', () => {
  it('carry the key id and the request’s 128-bit nonce', () => {
    expect(link.searchParams.get('k')).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(Buffer.from(link.searchParams.get('n') ?? '', 'base64url')).toHaveLength(16);
  });

  it('refuses a link signed with the real key for the request but with another nonce', async () => {
    // Prepare: what someone holding the key, but not the request's nonce, could make.
    const { SecretString = '', VersionId = '' } = await secrets.send(
      new GetSecretValueCommand({ SecretId: config.linkSecretId }),
    );
    const requestId = decodeURIComponent(link.pathname.split('/').pop() ?? '');
    const forged = signedPath(
      { id: keyIdOf(VersionId), secret: SecretString },
      'respond',
      { requestId, nonce: 'Zm9yZ2VkLW5vbmNlLXh4eA' },
      new Date(Date.now() + 86_400_000),
    );

    // Act / Assess
    expect(await status(link)).toBe(200);
    expect(await status(`${stack.urls.api}${forged}`)).toBe(403);
  });

  it('keeps a link working across one rotation and refuses it once its key is retired', async () => {
    // Act: the first rotation; a link made now names the new key.
    await rotate();
    const requestId = decodeURIComponent(link.pathname.split('/').pop() ?? '');
    const nonce = link.searchParams.get('n') ?? undefined;
    const fresh = new URL(await signedUrl({ requestId, nonce }, new Date(Date.now() + 86_400_000)));

    // Assess
    expect(fresh.searchParams.get('k')).not.toBe(link.searchParams.get('k'));
    expect(await status(link)).toBe(200);
    expect(await status(fresh)).toBe(200);

    // Act: the second rotation retires the first key.
    await rotate();

    // Assess
    expect(await status(link)).toBe(403);
    expect(await status(fresh)).toBe(200);
  });
});
