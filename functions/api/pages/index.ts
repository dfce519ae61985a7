import { feedbackPages } from './feedback';
import { homePages } from './home';
import { hrCyclesArea } from './hr-area';
import { hrAuditPages } from './hr-audit';
import { hrCatalogPages } from './hr-catalog';
import { hrPeoplePages } from './hr-people';
import { mePages } from './me';
import type { Pages } from './shell';
import { teamPages } from './team';

/* Every page and action of the app, gathered: one line per area, each area in a file of its own. */

export const PAGES: Pages = {
  ...homePages,
  ...hrCyclesArea,
  ...mePages,
  ...teamPages,
  ...feedbackPages,
  ...hrPeoplePages,
  ...hrCatalogPages,
  ...hrAuditPages,
};
