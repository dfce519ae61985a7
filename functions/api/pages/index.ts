import { homePages } from './home';
import { hrCyclesArea } from './hr-area';
import type { Pages } from './shell';

/* Every page and action of the app, gathered: one line per area, each area in a file of its own. */

export const PAGES: Pages = {
  ...homePages,
  ...hrCyclesArea,
};
