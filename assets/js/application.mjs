// Progressive enhancement only: every journey works without this file.
import { initAll as initGovukFrontend } from '/assets/govuk/govuk-frontend.min.js';
import { initAll as initMojFrontend } from '/assets/moj/moj-frontend.min.js';

initGovukFrontend();
initMojFrontend();
