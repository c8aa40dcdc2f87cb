// Applications, as an admin meets them: create one, see the roles it may
// use (config: [[eligibility]] app = "billing-report"), make its token
// (shown once), and the token gets that role's credentials and no other;
// an engineer cannot see the page.
import { BASE, OUT, assert, hydrated, newPage, signIn, test } from '../harness.mjs';

const card = 'section.application[data-app="billing-report"]';
const billing = 'arn:aws:iam::222222222222:role/billing-reader';

async function credentials(token, role) {
  const r = await fetch(`${BASE}/api/v1/get_credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ requested_role: role }),
  });
  return { status: r.status, body: await r.json().catch(() => ({})) };
}

export async function run() {
  await test('an admin creates an application and its token gets only its roles', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'ada@example.com');
    await page.goto(`${BASE}/admin/applications`);
    await hydrated(page);
    if (!(await page.isVisible(card))) {
      await page.fill('#application-form input[name="name"]', 'billing-report');
      await page.fill('#application-form input[name="description"]', 'Monthly cost report for finance');
      await page.fill('#application-form input[name="owner"]', 'finance');
      await page.click('#application-form button[type="submit"]');
      await page.waitForSelector(card, { timeout: 15000 });
    }
    const text = await page.locator(card).textContent();
    assert(text.includes('app/billing-report'), `the principal it acts as: ${text}`);
    assert(text.includes(billing), `the role it may use: ${text}`);
    assert(text.includes('Roles it may use (1)'), `one role only: ${text}`);

    await page.fill(`${card} input[name="token_name"]`, 'prod');
    await page.click(`${card} button:has-text("New token")`);
    await page.waitForSelector('[data-testid="new-app-token"]', { timeout: 15000 });
    const token = (await page.textContent('[data-testid="new-app-token"]')).trim();
    assert(token.startsWith('lk_'), `a token is shown once: ${token}`);
    await page.waitForSelector(`${card} table.tokens tr[data-token]`, { timeout: 15000 });
    await page.screenshot({ path: `${OUT}30-applications.png`, fullPage: true });

    const ok = await credentials(token, billing);
    assert(ok.status === 200 && ok.body.Credentials?.AccessKeyId, `its role's credentials: ${JSON.stringify(ok)}`);
    const no = await credentials(token, 'arn:aws:iam::222222222222:role/eng-readonly');
    assert(no.status !== 200 && no.body.code === '900', `not another role: ${JSON.stringify(no)}`);
    const page403 = await fetch(`${BASE}/`, { headers: { authorization: `Bearer ${token}` } });
    assert(page403.status === 403, `no pages with it: ${page403.status}`);
    await context.close();

    const eng = await newPage();
    await signIn(eng.page, 'sam@example.com');
    await eng.page.goto(`${BASE}/admin/applications`);
    await hydrated(eng.page);
    const refused = (await eng.page.textContent('.error')) || '';
    assert(refused.includes('only administrators'), `an engineer is refused: ${refused}`);
    assert(!(await eng.page.isVisible('section.application')), 'and sees no application');
    await eng.context.close();
  });
}
