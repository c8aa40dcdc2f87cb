// Golden flow in Chromium against a running Latchkey on a seeded moto:
// engineer signs in (dev mode), finds an eligible role, submits a request
// (a bad policy is refused first); admin approves; the role page shows it.
// Prints "e2e: N passed, M failed". Screenshots go to end2end/output/.
import { finish } from './harness.mjs';
import * as access from './flows/access.mjs';
import * as applications from './flows/applications.mjs';
import * as denials from './flows/denials.mjs';
import * as protection from './flows/protection.mjs';
import * as routes from './flows/routes.mjs';
import * as rules from './flows/rules.mjs';
import * as weep from './flows/weep.mjs';

await access.run();
await applications.run();
await denials.run();
await protection.run();
await routes.run();
await rules.run();
await weep.run();
await finish();
