import { html } from '../../../domain/platform/html';
import { appPage, type Pages } from './shell';

/*
 * The home page: where each signed-in person starts, with the parts of the app their roles open.
 */

export const homePages: Pages = {
  'GET /': {
    audience: 'anyone',
    summary: "The app's home: the parts of the app the person's roles open; signed out, a link to sign in",
    handle: async ({ user }) => {
      const roles = [user.hr ? 'HR admin' : '', user.manager ? 'Manager' : '', 'Employee'].filter(Boolean);
      const cards = [
        {
          href: '/me',
          title: 'My page',
          text: 'Your reviews and results, goals, development plan, aspiration and the feedback you received.',
        },
        {
          href: '/feedback',
          title: 'Feedback',
          text: 'Ask colleagues for feedback, or give praise, any time.',
        },
        ...(user.manager || user.hr
          ? [
              {
                href: '/team',
                title: 'My team',
                text: 'What your reports have pending, what you owe, their plans and results.',
              },
            ]
          : []),
        ...(user.hr
          ? [
              {
                href: '/hr/cycles',
                title: 'Cycles',
                text: 'Scheduled, running and closed cycles: progress, overdue, calibration, levers.',
              },
              {
                href: '/hr/plans',
                title: 'Development plans',
                text: 'Completion, blocked and overdue items across the organisation.',
              },
              {
                href: '/hr/people',
                title: 'People',
                text: 'The org chart, leavers, bounced addresses, and importing an HRIS export.',
              },
              {
                href: '/hr/catalog',
                title: 'Catalog',
                text: 'Templates, frameworks and plan policies with their revisions and emails.',
              },
              { href: '/hr/audit', title: 'Audit trail', text: 'Who changed what, and when.' },
            ]
          : []),
      ];
      return appPage(
        user,
        `Welcome, ${user.name}`,
        html`<p>Signed in as <strong>${roles.join(', ')}</strong>.</p>
<div class="cards">${cards.map((c) => html`<section class="card"><h2><a href="${c.href}">${c.title}</a></h2><p>${c.text}</p></section>`)}</div>`,
        { path: '/' },
      );
    },
  },
};
