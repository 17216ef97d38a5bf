// Progressive enhancement for GOV.UK Frontend components. Pages work without
// it. There is no inline script (GOV.UK's page template has one to set the
// body classes) so that a strict Content Security Policy can forbid them.
//
// A browser that runs this module supports ES modules, which is the test
// GOV.UK Frontend's inline snippet makes before adding the class.
//
// The import is relative so that it resolves beside this file whatever
// STATIC_URL is. collectstatic keeps an unhashed copy of every file beside
// the hashed one, so the import also works with hashed names in production.
import { initAll } from "../govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
