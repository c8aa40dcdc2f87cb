// Flows of getting and changing access: a request approved and applied,
// the wizard, the resources page, console sign-in, API tokens and the
// CLI's browser sign-in.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { BASE, MOTO, OUT, assert, browser, canon, hydrated, newPage, policyName, problems, rolePath, signIn, test } from '../harness.mjs';

export async function run() {
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
    // One region: the European queue, shown with its region; IAM (global) is in none.
    await page.goto(`${BASE}/resources?q=staging-`);
    await hydrated(page);
    await page.fill('input[name="region"]', 'eu-west-1');
    await page.press('input[name="region"]', 'Tab');
    await page.waitForURL(/region=eu-west-1/);
    await page.waitForFunction(() => document.querySelectorAll('table.resources tbody tr').length === 1);
    const eu = await page.$eval('table.resources tbody tr', (r) => [r.dataset.arn, r.textContent]);
    assert(eu[0] === 'arn:aws:sqs:eu-west-1:111111111111:staging-eu-jobs' && eu[1].includes('eu-west-1'), `the European queue: ${eu}`);
    await page.screenshot({ path: `${OUT}23-resources-region.png`, fullPage: true });
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
}
