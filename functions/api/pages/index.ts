import { homePages } from './home';
import { hrAuditPages } from './hr-audit';
import { hrCatalogPages } from './hr-catalog';
import { hrPeoplePages } from './hr-people';
import type { Pages } from './shell';

/* Every page and action of the app, gathered: one line per area, each area in a file of its own. */

export const PAGES: Pages = {
  ...homePages,
  ...hrPeoplePages,
  ...hrCatalogPages,
  ...hrAuditPages,
};
