import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { config } from '../../domain/platform/config';
import { html } from '../../domain/platform/html';
import { logger } from '../../domain/platform/logger';
import { type HttpEvent, type HttpResult, htmlResult, jsonResult, rawBody } from '../shared/http';
import { httpErrors, observed } from '../shared/middleware';
import { authorizeUrl, exchangeCode, logoutUrl, SCOPES, TokenRequestError } from '../shared/oauth';
import {
  appIssuer,
  callbackUrl,
  checkPost,
  clearCookie,
  cookiesOf,
  currentUser,
  endSession,
  newSignInAttempt,
  redirect,
  SESSION_COOKIE,
  SIGN_IN_COOKIE,
  SignInAttempt,
  SignInError,
  signInUrl,
  startSession,
  verifyIdToken,
} from '../shared/session';
import { messagePage, page } from './form-page';
import { PAGES } from './pages';
import { postedForm } from './pages/multipart';
import { type AppPage, allows } from './pages/shell';

/*
 * The app people sign in to, at the API's root: sign-in through the issuer (authorization code with
 * PKCE), the callback that starts a session, sign-out, the home page, and the sign-in configuration
 * the CLI reads. Its routes have no JWT authorizer: the session cookie is their credential.
 */

type Route = (event: HttpEvent) => Promise<HttpResult>;

const signedOutPage = (): HttpResult =>
  htmlResult(
    200,
    page(
      'Sign in',
      html`<p>growcycle keeps your reviews, goals and development plan in one place.</p>
<p><a href="/auth/sign-in">Sign in</a></p>`,
    ),
  );

const refusedPage = (status: number, title: string, message: string) =>
  htmlResult(status, messagePage(title, message));

/**
 * A page or action of the app behind its gates: somebody signed in (a GET is sent to sign in; the
 * home page greets the signed-out), the page's audience, and for a POST the origin and CSRF checks.
 */
const pageRoute =
  (routeKey: string, appPage: AppPage): Route =>
  async (event) => {
    const user = await currentUser(event);
    const method = routeKey.split(' ')[0];
    if (!user) {
      if (routeKey === 'GET /') return signedOutPage();
      return method === 'GET'
        ? redirect(signInUrl(event))
        : refusedPage(401, 'Not signed in', 'Sign in first, then send the form again.');
    }
    if (!allows(appPage.audience, user))
      return refusedPage(
        403,
        'Not yours to see',
        appPage.audience === 'hr'
          ? 'Only HR admins may open this page.'
          : 'Only managers may open this page.',
      );
    const { fields: form, files } =
      method === 'POST' ? await postedForm(event) : { fields: new URLSearchParams(), files: new Map() };
    if (method === 'POST') {
      const refused = checkPost(event, user, form);
      if (refused) return refusedPage(403, 'Not done', refused);
    }
    return appPage.handle({
      event,
      user,
      principal: { employeeId: user.employeeId, hr: user.hr },
      form,
      files,
    });
  };

const signIn: Route = async (event) => {
  const { attempt, setCookie } = newSignInAttempt(event.queryStringParameters?.next);
  return redirect(
    authorizeUrl(appIssuer(), {
      redirectUri: callbackUrl(),
      state: attempt.state,
      nonce: attempt.nonce,
      verifier: attempt.verifier,
    }),
    [setCookie],
  );
};

const CallbackQuery = z.union([
  z.object({ code: z.string().min(1).max(2048), state: z.string().min(1).max(256) }),
  z.object({ error: z.string().max(64), state: z.string().max(256).optional() }),
]);

const callback: Route = async (event) => {
  const query = CallbackQuery.safeParse(event.queryStringParameters ?? {});
  const attempt = SignInAttempt.safeParse(cookiesOf(event)[SIGN_IN_COOKIE]);
  const refuse = (status: number, title: string, message: string) => ({
    ...refusedPage(status, title, message),
    cookies: [clearCookie(SIGN_IN_COOKIE, '/auth/')],
  });
  if (!query.success) return refuse(400, 'Sign-in failed', 'The sign-in answer was malformed.');
  if ('error' in query.data)
    return refuse(400, 'Sign-in cancelled', 'The sign-in was cancelled or refused by the sign-in service.');
  if (!attempt.success)
    return refuse(
      400,
      'Sign-in expired',
      'No sign-in was started in this browser, or it took longer than ten minutes.',
    );
  if (query.data.state !== attempt.data.state)
    return refuse(400, 'Sign-in refused', 'The sign-in answer does not belong to the sign-in started here.');
  try {
    const tokens = await exchangeCode(appIssuer(), {
      code: query.data.code,
      verifier: attempt.data.verifier,
      redirectUri: callbackUrl(),
    });
    const who = await verifyIdToken(tokens.id_token, attempt.data.nonce);
    const session = await startSession(tokens, who);
    logger.info('signed in', { employeeId: who.employeeId });
    return redirect(attempt.data.next, [clearCookie(SIGN_IN_COOKIE, '/auth/'), session]);
  } catch (error) {
    if (!(error instanceof TokenRequestError || error instanceof SignInError)) throw error;
    logger.warn('sign-in refused', { reason: error.message });
    return refuse(
      400,
      'Sign-in refused',
      'The sign-in service did not confirm who you are. Start again from the home page.',
    );
  }
};

const signOut: Route = async (event) => {
  const user = await currentUser(event);
  if (!user) return redirect('/', [clearCookie(SESSION_COOKIE)]);
  const refused = checkPost(event, user, new URLSearchParams(rawBody(event)));
  if (refused) return refusedPage(403, 'Not signed out', refused);
  await endSession(user);
  logger.info('signed out', { employeeId: user.employeeId });
  return redirect(logoutUrl(appIssuer(), `${config.publicBaseUrl}/`), [clearCookie(SESSION_COOKIE)]);
};

/** What the CLI needs to sign in through the same issuer: it types no URL but the API's. */
const authConfig: Route = async () =>
  jsonResult(200, {
    domainUrl: config.authDomainUrl,
    authorizeUrl: `${config.authDomainUrl}/oauth2/authorize`,
    tokenUrl: `${config.authDomainUrl}/oauth2/token`,
    logoutUrl: `${config.authDomainUrl}/logout`,
    clientId: config.authCliClientId,
    scopes: SCOPES,
  });

export const APP_ROUTES: Record<string, Route> = {
  ...Object.fromEntries(Object.entries(PAGES).map(([key, appPage]) => [key, pageRoute(key, appPage)])),
  'GET /auth/sign-in': signIn,
  'GET /auth/callback': callback,
  'POST /auth/sign-out': signOut,
  'GET /auth/config': authConfig,
};

export const handleApp = async (event: HttpEvent): Promise<HttpResult> => {
  const route = APP_ROUTES[event.routeKey];
  return route ? route(event) : refusedPage(404, 'Not found', 'There is no page here.');
};

export const handler = middy<HttpEvent, HttpResult, Error, Context>()
  .use(observed())
  .use(httpErrors((title, message) => messagePage(title, message)))
  .handler(handleApp);
