// The loop from "access denied" to a verified fix, as people meet it: a
// denied call arrives (the demo queues CloudTrail events on the EventBridge
// queue Latchkey polls), the role page shows it, one click opens the wizard
// on exactly that call, an admin approves, AWS (moto) gets the policy, and
// the denied call is marked allowed.
import { BASE, OUT, assert, hydrated, newPage, rolePath, signIn, test } from '../harness.mjs';

const row = 'tr:has(code:text-is("s3:PutObject"))';

export async function run() {
  await test('a denied call becomes a request, is applied, and is marked allowed', async () => {
    const eng = await newPage();
    let page = eng.page;
    await signIn(page, 'erin@example.com');
    // The queue is polled continuously; give the first poll a moment.
    for (let i = 0; i < 30; i++) {
      await page.goto(`${BASE}${rolePath}`);
      await hydrated(page);
      if (await page.isVisible(`[data-testid="denied-calls"] ${row}`)) break;
      await page.waitForTimeout(1000);
    }
    const denied = page.locator(`[data-testid="denied-calls"] ${row}`);
    assert(await denied.isVisible(), 'the role page lists the denied s3:PutObject');
    assert((await denied.textContent()).includes('arn:aws:s3:::staging-logs/app/2026-12-05.log'), 'with its resource');
    await page.screenshot({ path: `${OUT}24-denied-calls.png`, fullPage: true });

    await denied.locator('[data-testid="request-denied"]').click();
    await page.waitForURL(/\/request\?principal=/);
    await hydrated(page);
    const why = await page.inputValue('textarea[name="justification"]');
    assert(why.startsWith('CloudTrail: s3:PutObject on arn:aws:s3:::staging-logs/app/2026-12-05.log was denied'), `justification filled in: ${why}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="policy-preview"]')?.textContent.includes('staging-logs/app/2026-12-05.log*'));
    const preview = await page.textContent('[data-testid="policy-preview"]');
    assert(preview.includes('s3:PutObject'), `the denied action: ${preview}`);
    await page.fill('textarea[name="justification"]', `${why}uploading the nightly app log`);
    await page.screenshot({ path: `${OUT}25-denied-wizard.png`, fullPage: true });
    await page.click('button[data-action="submit-wizard"]');
    await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
    const requestUrl = page.url();

    const adm = await newPage();
    await signIn(adm.page, 'ada@example.com');
    await adm.page.goto(requestUrl);
    await hydrated(adm.page);
    await adm.page.click('button[data-action="approve"]');
    await adm.page.waitForSelector('.page-head [data-status="applied"]', { timeout: 20000 });
    await adm.context.close();

    // Re-read from moto after the apply, and judged allowed.
    await page.goto(`${BASE}${rolePath}`);
    await hydrated(page);
    await page.waitForSelector('[data-policy-name="latchkey-access"]');
    const policy = await page.textContent('[data-policy-name="latchkey-access"]');
    assert(policy.includes('staging-logs/app/2026-12-05.log*'), `the policy AWS holds now: ${policy}`);
    const status = await page.textContent(`[data-testid="denied-calls"] ${row} .denial-status`);
    assert(status.includes('Allowed since'), `marked allowed: ${status}`);
    await page.screenshot({ path: `${OUT}26-denied-resolved.png`, fullPage: true });
    await eng.context.close();
  });
}
