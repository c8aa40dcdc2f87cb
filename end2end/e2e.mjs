// Golden flow in Chromium against a running Latchkey on a seeded moto:
// engineer signs in (dev mode), finds an eligible role, submits a request
// (a bad policy is refused first); admin approves; the role page shows it.
// Prints "e2e: N passed, M failed". Screenshots go to end2end/output/.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const MOTO = (process.env.MOTO_URL || 'http://127.0.0.1:5000').replace(/\/$/, '');
const BASE = (process.env.BASE_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
const OUT = new URL('./output/', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

let passed = 0, failed = 0;
const problems = [];

function assert(cond, msg) { if (!cond) throw new Error(msg); }

// JSON with object keys sorted, to compare documents whatever their key order.
function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
}

async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // 4xx answers to refused input are expected and asserted on; anything else is a problem.
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console error on ${page.url()}: ${m.text()}`);
  });
  page.on('response', (r) => { if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  return { context, page };
}

async function hydrated(page) {
  // The wasm module marks nothing itself; wait until network is idle after load.
  await page.waitForLoadState('networkidle');
}

async function signIn(page, userId) {
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  await page.click(`button[data-user="${userId}"]`);
  await page.waitForURL(`${BASE}/`);
  await hydrated(page);
}

async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  ${e.stack || e}`);
  }
}

const policyName = `e2e-read-logs-${Date.now()}`;
const rolePath = '/roles/111111111111/eng-developer';

await test('engineer requests a policy, admin approves, role page shows it', async () => {
  // Engineer
  const eng = await newPage();
  let page = eng.page;
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  assert(await page.isVisible('.dev-banner'), 'dev-mode banner is shown');
  await page.screenshot({ path: `${OUT}01-login.png`, fullPage: true });
  await signIn(page, 'erin@example.com');
  await page.waitForSelector('text=eng-developer');
  assert((await page.textContent('[data-testid="current-user"]')).includes('Erin Engineer'), 'signed in as Erin');
  assert(!(await page.isVisible('text=admin-breakglass')), 'engineer does not see roles outside the mapping');
  await page.screenshot({ path: `${OUT}02-roles.png`, fullPage: true });

  // Instant search (needs hydration): only sandbox roles remain.
  await page.fill('input[name="q"]', 'sandbox');
  await page.waitForFunction(() => !document.body.innerText.includes('staging'));
  assert(await page.isVisible('text=ml-training'), 'sandbox role visible after filtering');
  await page.fill('input[name="q"]', '');

  await page.click(`a[href="${rolePath}"]`);
  await page.waitForURL(`${BASE}${rolePath}`);
  await page.waitForSelector('text=Request an inline policy');
  assert(await page.isVisible('[data-policy-name="dev-s3"]'), 'existing inline policy is shown');
  await page.screenshot({ path: `${OUT}03-role.png`, fullPage: true });

  // A broken policy is flagged as you type and refused by the server.
  await page.fill('input[name="policy_name"]', policyName);
  await page.fill('textarea[name="policy"]', '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "getobject"}]}');
  await page.fill('textarea[name="justification"]', 'Need to read the staging logs for incident 4242');
  await page.waitForSelector('.findings ul.warn');
  const findings = await page.textContent('.findings');
  assert(findings.includes('Statement[0].Action') && findings.includes('Statement[0].Resource'), `findings name the fields: ${findings}`);
  await page.click('button:has-text("Submit request")');
  await page.waitForSelector('#request-form .error');
  const err = await page.textContent('#request-form .error');
  assert(err.includes('policy') && err.includes('Statement[0].Resource'), `server error names the field: ${err}`);
  assert(page.url().endsWith(rolePath), 'stays on the role page');
  await page.screenshot({ path: `${OUT}04-invalid.png`, fullPage: true });

  // A valid one goes through.
  await page.fill('textarea[name="policy"]', JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'ReadLogs', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::staging-logs/*' }],
  }, null, 2));
  await page.waitForSelector('.findings .ok');
  await page.click('button:has-text("Submit request")');
  await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  const requestUrl = page.url();
  await page.waitForSelector('[data-status="pending"]');
  assert(!(await page.isVisible('button[data-action="approve"]')), 'engineer has no approve button');
  await page.screenshot({ path: `${OUT}05-request-pending.png`, fullPage: true });
  await eng.context.close();

  // Admin
  const adm = await newPage();
  page = adm.page;
  await signIn(page, 'ada@example.com');
  await page.click('nav >> text=Requests');
  await page.waitForURL(`${BASE}/requests`);
  await page.waitForSelector('table.data');
  await page.screenshot({ path: `${OUT}06-requests.png`, fullPage: true });
  await page.goto(requestUrl);
  await hydrated(page);
  await page.waitForSelector('text=Need to read the staging logs for incident 4242');
  await page.click('button[data-action="approve"]');
  await page.waitForSelector('.page-head [data-status="applied"]', { timeout: 20000 });
  await page.screenshot({ path: `${OUT}07-request-applied.png`, fullPage: true });

  await page.goto(`${BASE}${rolePath}`);
  await hydrated(page);
  await page.waitForSelector(`[data-policy-name="${policyName}"]`);
  const shown = await page.textContent(`[data-policy-name="${policyName}"]`);
  assert(shown.includes('arn:aws:s3:::staging-logs/*'), 'role page shows the applied policy');
  await page.screenshot({ path: `${OUT}08-role-after.png`, fullPage: true });
  await adm.context.close();
});

await test('wizard: ask in plain terms, admin edits then applies, role page shows it', async () => {
  const eng = await newPage();
  let page = eng.page;
  await signIn(page, 'erin@example.com');
  await page.goto(`${BASE}/request?principal=arn:aws:iam::111111111111:role/eng-developer&arn=arn:aws:s3:::production-logs`);
  await hydrated(page);
  await page.check('input[data-group="S3Get"]');
  await page.fill('.s3-prefix', 'incidents/');
  await page.press('.s3-prefix', 'Tab');
  await page.waitForFunction(() => document.querySelector('[data-testid="policy-preview"]')?.textContent.includes('production-logs/incidents/*'));
  await page.fill('textarea[name="justification"]', 'Investigating incident 4242 in production');
  await page.screenshot({ path: `${OUT}15-wizard.png`, fullPage: true });
  await page.click('button[data-action="submit-wizard"]');
  await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  const requestUrl = page.url();
  await page.waitForSelector('[data-change-kind="resource_policy_put"]');
  assert(await page.isVisible('.change .badge:has-text("generated")'), 'the other account\'s bucket policy is generated');
  await eng.context.close();

  const adm = await newPage();
  page = adm.page;
  await signIn(page, 'ada@example.com');
  await page.goto(requestUrl);
  await hydrated(page);
  await page.screenshot({ path: `${OUT}16-review.png`, fullPage: true });
  // Edit the role's policy before applying: narrow the prefix.
  const first = page.locator('.change').first();
  await first.locator('details.edit summary').click();
  const edited = (await first.locator('textarea[name="document"]').inputValue()).replaceAll('incidents/', 'incidents/4242/');
  await first.locator('textarea[name="document"]').fill(edited);
  await first.locator('button[data-action="apply"]').click();
  await page.waitForSelector('.change[data-change-kind="inline_policy_put"][data-change-status="applied"]', { timeout: 20000 });
  await page.locator('.change[data-change-kind="resource_policy_put"] button[data-action="apply"]').click();
  await page.waitForSelector('.change[data-change-kind="resource_policy_put"][data-change-status="applied"]', { timeout: 20000 });
  assert(await page.isVisible('[data-event="change.edited"]'), 'the edit is in the history');
  await page.screenshot({ path: `${OUT}17-review-applied.png`, fullPage: true });

  await page.goto(`${BASE}${rolePath}`);
  await hydrated(page);
  await page.waitForSelector('[data-policy-name="latchkey-access"]');
  const shown = await page.textContent('[data-policy-name="latchkey-access"]');
  assert(shown.includes('production-logs/incidents/4242/*'), `role page shows the edited policy: ${shown}`);
  await adm.context.close();
});

await test('resources page filters, and a row leads to the policy moto holds', async () => {
  const { context, page } = await newPage();
  await signIn(page, 'erin@example.com');
  await page.click('nav >> text=Resources');
  await page.waitForURL(`${BASE}/resources`);
  await page.waitForSelector('table.resources');
  await page.fill('input[name="q"]', 'staging-');
  await page.waitForURL(/q=staging-/);
  await page.selectOption('select[name="type"]', 's3_bucket');
  await page.waitForURL(/type=s3_bucket/);
  await page.waitForFunction(() => document.querySelectorAll('table.resources tbody tr').length === 2);
  const kinds = await page.$$eval('table.resources tbody tr', (rows) => rows.map((r) => r.dataset.kind));
  assert(kinds.every((k) => k === 's3_bucket'), `only buckets: ${kinds}`);
  await page.screenshot({ path: `${OUT}10-resources.png`, fullPage: true });
  // The filter state is the URL: reloading it shows the same rows (server-rendered).
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('table.resources tbody tr').length === 2);
  await page.click('tr[data-arn="arn:aws:s3:::staging-logs"] a');
  await page.waitForURL(/\/resource\?arn=/);
  await page.waitForSelector('pre.policy');
  const shown = JSON.parse(await page.textContent('pre.policy'));
  const moto = await (await fetch(`${MOTO}/staging-logs?policy`, { headers: { 'x-moto-account-id': '111111111111' } })).json();
  assert(JSON.stringify(canon(shown)) === JSON.stringify(canon(moto)), `page shows moto's policy:\n${JSON.stringify(shown)}\n${JSON.stringify(moto)}`);
  await page.screenshot({ path: `${OUT}11-resource.png`, fullPage: true });
  await context.close();
});

await test('console sign-in from the roles page reaches the federation endpoint as the role', async () => {
  const { context, page } = await newPage();
  await signIn(page, 'erin@example.com');
  await page.fill('input[name="q"]', 'staging');
  await page.click('li[data-arn="arn:aws:iam::111111111111:role/eng-developer"] a.signin');
  await page.waitForURL(/\/dev\/federation\?Action=login/);
  const caller = await page.textContent('#caller');
  assert(caller === 'arn:aws:sts::111111111111:assumed-role/eng-developer/erin@example.com', `signed in as the role: ${caller}`);
  await page.screenshot({ path: `${OUT}12-console.png`, fullPage: true });
  // CLI-only roles offer no console button.
  await page.goto(`${BASE}/`);
  await hydrated(page);
  const etl = 'li[data-arn="arn:aws:iam::111111111111:role/data-etl"]';
  await page.waitForSelector(etl);
  assert(!(await page.isVisible(`${etl} a.signin`)), 'no console for CLI-only');
  // The role just used is listed first.
  assert(await page.isVisible('.card.recent li[data-arn="arn:aws:iam::111111111111:role/eng-developer"]'), 'recently used role first');
  // Credentials for the CLI-only role, as export lines per shell.
  await page.click(`.account:not(.recent) ${etl} button.creds`);
  await page.waitForSelector('[data-testid="export-lines"]');
  const posix = await page.textContent('[data-testid="export-lines"]');
  assert(/^export AWS_ACCESS_KEY_ID='ASIA/.test(posix) && posix.includes('AWS_SESSION_TOKEN'), `bash lines: ${posix}`);
  await page.click('.tabs button:has-text("fish")');
  await page.waitForFunction(() => document.querySelector('[data-testid="export-lines"]').textContent.startsWith('set -gx'));
  await page.click('.tabs button:has-text("PowerShell")');
  await page.waitForFunction(() => document.querySelector('[data-testid="export-lines"]').textContent.startsWith('$Env:AWS_ACCESS_KEY_ID'));
  await page.screenshot({ path: `${OUT}14-credentials.png`, fullPage: false });
  await context.close();
});

await test('settings: create an API token, use it, revoke it', async () => {
  const { context, page } = await newPage();
  await signIn(page, 'erin@example.com');
  await page.click('text=Settings');
  await page.waitForURL(`${BASE}/settings`);
  await page.fill('#token-form input[name="name"]', 'e2e-laptop');
  await page.click('#token-form button');
  await page.waitForSelector('[data-testid="new-token"]');
  const token = (await page.textContent('[data-testid="new-token"]')).trim();
  assert(/^lk_[0-9a-f]{64}$/.test(token), `token shown once: ${token}`);
  const roles = await fetch(`${BASE}/api/v1/get_roles`, { headers: { Authorization: `Bearer ${token}` } });
  assert(roles.status === 200, `token works: ${roles.status}`);
  await page.waitForSelector('table.tokens >> text=e2e-laptop');
  await page.screenshot({ path: `${OUT}13-settings.png`, fullPage: true });
  await page.click('table.tokens tr:has-text("e2e-laptop") button:has-text("Revoke")');
  await page.waitForSelector('table.tokens tr:has-text("e2e-laptop") >> text=revoked');
  const after = await fetch(`${BASE}/api/v1/get_roles`, { headers: { Authorization: `Bearer ${token}` } });
  assert(after.status === 401, `revoked token refused: ${after.status}`);
  await context.close();
});

await test('latchkey login: sign in through the browser, authorize, the CLI gets a working token', async () => {
  // What `latchkey login` does: a loopback listener, a state and a PKCE verifier.
  const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  let callback;
  const got = new Promise((resolve) => {
    callback = createServer((req, res) => {
      res.end('You can close this tab.');
      resolve(new URL(req.url, 'http://127.0.0.1'));
    }).listen(0, '127.0.0.1');
  });
  await new Promise((r) => callback.once('listening', r));
  const port = callback.address().port;
  const { context, page } = await newPage();
  // Signed out: the page sends the browser to sign in and back.
  await page.goto(`${BASE}/cli/login?port=${port}&state=${state}&challenge=${challenge}`);
  await page.waitForURL(/\/login\?next=/);
  await hydrated(page);
  await page.click('button[data-user="erin@example.com"]');
  await page.waitForSelector('[data-testid="cli-authorize"]');
  assert((await page.textContent('[data-testid="cli-authorize"]')).includes('Erin'), 'names the user');
  await page.screenshot({ path: `${OUT}18-cli-login.png`, fullPage: true });
  await page.click('[data-testid="authorize-cli"]');
  const url = await got;
  await page.waitForSelector('text=You can close this tab.');
  await context.close();
  callback.close();
  assert(url.pathname === '/callback' && url.searchParams.get('state') === state, `callback: ${url}`);
  const exchange = await fetch(`${BASE}/api/v1/cli/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: url.searchParams.get('code'), verifier, name: 'e2e CLI' }),
  });
  assert(exchange.status === 200, `exchange: ${exchange.status}`);
  const { token } = await exchange.json();
  const roles = await fetch(`${BASE}/api/v2/get_roles`, { headers: { Authorization: `Bearer ${token}` } });
  assert(roles.status === 200, `token works: ${roles.status}`);
  const again = await fetch(`${BASE}/api/v1/cli/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: url.searchParams.get('code'), verifier }),
  });
  assert(again.status === 401, `a code works once: ${again.status}`);
});

await test('pages and forms work before wasm loads (JavaScript off)', async () => {
  const { context, page } = await newPage({ javaScriptEnabled: false });
  await page.goto(`${BASE}/login`);
  await page.click('button[data-user="erin@example.com"]');
  await page.waitForURL(`${BASE}/`);
  await page.waitForSelector('text=eng-developer');
  await page.goto(`${BASE}${rolePath}`);
  await page.waitForSelector('#request-form');
  await page.fill('input[name="policy_name"]', `${policyName}-nojs`);
  await page.fill('textarea[name="policy"]', '{"Version": "2012-10-17"');
  await page.fill('textarea[name="justification"]', 'Plain form submission without wasm');
  await page.click('button:has-text("Submit request")');
  await page.waitForSelector('#request-form .error');
  const err = await page.textContent('#request-form .error');
  assert(err.includes('not valid JSON'), `error shown without JS: ${err}`);
  await page.screenshot({ path: `${OUT}09-nojs-invalid.png`, fullPage: true });
  await page.fill('input[name="policy_name"]', `${policyName}-nojs`);
  await page.fill('textarea[name="policy"]', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}');
  await page.fill('textarea[name="justification"]', 'Plain form submission without wasm');
  await page.click('button:has-text("Submit request")');
  await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  await page.waitForSelector('[data-status="pending"]');
  await context.close();
});

// OIDC_ISSUER is set when scripts/test.sh runs end2end/oidc/provider.mjs and
// points the server at it: sign in on the provider's own login page.
if (process.env.OIDC_ISSUER) await test('signs in through the OIDC provider login and consent pages', async () => {
  // Not newPage(): the provider's dev pages load web fonts this sandbox cannot reach.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/login?next=/me`);
  await hydrated(page);
  const button = page.locator('[data-testid="oidc-sign-in"]');
  assert((await button.textContent()).includes('Sign in with'), 'OIDC button shown');
  await button.click();
  await page.waitForURL((u) => u.href.startsWith(process.env.OIDC_ISSUER));
  await page.fill('input[name="login"]', 'ada@example.com');
  await page.fill('input[name="password"]', 'any password');
  await page.screenshot({ path: `${OUT}15-oidc-provider-login.png`, fullPage: true });
  await page.click('button[type="submit"]');
  // Consent page: "Continue".
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
  await page.click('button[type="submit"]');
  await page.waitForURL(`${BASE}/me`);
  await hydrated(page);
  await page.waitForSelector('[data-testid="me-groups"]');
  assert((await page.textContent('[data-testid="me-id"]')).includes('ada@example.com'), 'signed in as Ada');
  assert((await page.textContent('[data-testid="me-groups"]')).includes('admins'), 'groups from the ID token');
  assert((await page.textContent('[data-testid="current-user"]')).includes('Ada Admin'), 'header shows Ada');
  await page.screenshot({ path: `${OUT}16-oidc-me.png`, fullPage: true });
  await context.close();
});

await test('every route loads directly for every persona, without a 5xx or an empty page', async () => {
  const routes = [
    '/', '/login', rolePath, '/requests', '/request', '/request?principal=arn:aws:iam::111111111111:role/eng-developer',
    '/request/advanced?target=arn:aws:iam::111111111111:role/eng-developer', '/resources', '/resources?kind=s3_bucket&q=logs',
    '/resource?arn=arn:aws:s3:::staging-logs', '/admin/sync', '/admin/audit', '/settings', '/me',
    '/requests/00000000-0000-0000-0000-000000000000', '/no-such-page',
  ];
  const bad = [];
  // Anonymous, a plain engineer (Sam), an engineer who approves the sandbox (Erin), an admin (Ada).
  for (const who of [null, 'sam@example.com', 'erin@example.com', 'ada@example.com']) {
    const { context, page } = await newPage();
    if (who) await signIn(page, who);
    // A real request too, as each persona sees it (or may not).
    if (who) {
      const list = await page.evaluate(async () => (await fetch('/api/list_requests', { method: 'POST' })).json());
      if (Array.isArray(list) && list[0]) routes.push(`/requests/${list[0].id}`);
    }
    for (const route of routes) {
      const resp = await page.goto(`${BASE}${route}`);
      await hydrated(page);
      const status = resp ? resp.status() : 0;
      const text = (await page.textContent('body')) || '';
      if (status >= 500 || status === 0) bad.push(`${who || 'anonymous'} ${route}: HTTP ${status}`);
      else if (text.trim().length < 20) bad.push(`${who || 'anonymous'} ${route}: empty page`);
      else if (!who && !['/login', '/no-such-page'].includes(route) && !page.url().includes('/login')) bad.push(`anonymous ${route}: not sent to sign-in (${page.url()})`);
    }
    if (who && who !== 'ada@example.com') {
      // Not an admin: the audit log is refused, not rendered.
      await page.goto(`${BASE}/admin/audit`);
      await hydrated(page);
      if (await page.isVisible('table.audit')) bad.push(`${who} /admin/audit: audit events shown to a non-admin`);
    }
    if (who === 'ada@example.com') {
      await page.goto(`${BASE}/admin/audit`);
      await hydrated(page);
      if (!(await page.isVisible('table.audit'))) bad.push('ada /admin/audit: no audit events for the admin');
      await page.goto(`${BASE}/admin/sync`);
      await hydrated(page);
      await page.screenshot({ path: `${OUT}20-admin-sync-direct.png`, fullPage: true });
    }
    await context.close();
  }
  assert(bad.length === 0, bad.join('\n'));
});

await test('the reviewer sees a change\'s risk before approving it', async () => {
  const eng = await newPage();
  await signIn(eng.page, 'erin@example.com');
  const role = 'arn:aws:iam::111111111111:role/eng-developer';
  const id = await eng.page.evaluate(async (role) => {
    const r = await fetch('/api/submit_request', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ principal_arn: role, justification: 'Let the data team use this role too',
        changes: [{ target_arn: role, spec: { kind: 'tags_put', tags: [{ key: 'latchkey-authorized', value: 'data' }] } }] }),
    });
    return r.json();
  }, role);
  assert(typeof id === 'string', `request made: ${JSON.stringify(id)}`);
  await eng.context.close();
  const adm = await newPage();
  await signIn(adm.page, 'ada@example.com');
  await adm.page.goto(`${BASE}/requests/${id}`);
  await hydrated(adm.page);
  const box = adm.page.locator('[data-testid="change-findings"]');
  await box.waitFor();
  assert((await box.getAttribute('data-high-risk')) === 'true', 'flagged high risk');
  assert((await box.textContent()).includes('decides who may use the role'), 'says why');
  await adm.page.screenshot({ path: `${OUT}21-review-risk.png`, fullPage: true });
  await adm.context.close();
});

await test('an admin revokes a leaver\'s sessions and tokens from the audit page', async () => {
  const leaver = await newPage();
  await signIn(leaver.page, 'sam@example.com');
  await leaver.page.goto(`${BASE}/settings`);
  await hydrated(leaver.page);
  await leaver.page.fill('#token-form input[name="name"]', 'e2e-leaver');
  await leaver.page.click('#token-form button');
  await leaver.page.waitForSelector('[data-testid="new-token"]');
  const token = (await leaver.page.textContent('[data-testid="new-token"]')).trim();
  const roles = () => fetch(`${BASE}/api/v1/get_roles`, { headers: { Authorization: `Bearer ${token}` } });
  assert((await roles()).status === 200, 'the token works before');

  const adm = await newPage();
  await signIn(adm.page, 'ada@example.com');
  await adm.page.goto(`${BASE}/admin/audit`);
  await hydrated(adm.page);
  await adm.page.click('details.offboard summary');
  await adm.page.fill('[data-testid="revoke-access"] input[name="user_id"]', 'sam@example.com');
  await adm.page.click('[data-testid="revoke-access"] button');
  const said = await adm.page.textContent('[data-testid="revoked"]');
  assert(/[1-9]\d* session\(s\) ended, 1 token\(s\) revoked/.test(said), `result shown: ${said}`);
  await adm.page.waitForSelector('tr[data-action="access.revoke"]');
  await adm.page.screenshot({ path: `${OUT}19-revoke-access.png`, fullPage: true });
  assert((await roles()).status === 401, 'the token is refused after');
  await leaver.page.goto(`${BASE}/settings`);
  assert(leaver.page.url().startsWith(`${BASE}/login`), `the leaver is signed out: ${leaver.page.url()}`);
  await leaver.context.close();
  await adm.context.close();
});

await test('no page or console errors', async () => {
  const relevant = problems.filter((p) => !p.includes('favicon'));
  assert(relevant.length === 0, relevant.join('\n'));
});

await browser.close();
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
