// Access rules edited at run time, as an admin meets them: version 1 is the
// config file's; adding a rule (with why) saves version 2, which an
// engineer's roles list shows at once; the history shows the diff; the
// rule is removed again (version 3) and the engineer loses the role.
import { BASE, OUT, assert, hydrated, newPage, signIn, test } from '../harness.mjs';

const billing = 'arn:aws:iam::222222222222:role/billing-reader';

async function samSees(page) {
  await page.goto(`${BASE}/`);
  await hydrated(page);
  return (await page.textContent('main')).includes('billing-reader');
}

export async function run() {
  await test('an admin adds an eligibility rule at run time and it is in force at once', async () => {
    const sam = await newPage();
    await signIn(sam.page, 'sam@example.com');
    assert(!(await samSees(sam.page)), 'Sam may not use billing-reader yet');

    const { context, page } = await newPage();
    await signIn(page, 'ada@example.com');
    await page.goto(`${BASE}/admin/access`);
    await hydrated(page);
    const before = Number(await page.getAttribute('[data-version]', 'data-version'));
    assert(before >= 1, `a version is in force: ${before}`);
    await page.selectOption('#rule-form select[name="kind"]', 'group');
    await page.fill('#rule-form input[name="name"]', 'engineers');
    await page.fill('#rule-form textarea[name="roles"]', billing);
    await page.fill('#rule-form input[name="note"]', 'engineers read the cost report this quarter');
    await page.click('#rule-form button[type="submit"]');
    await page.waitForSelector(`[data-version="${before + 1}"]`, { timeout: 15000 });
    const rules = await page.textContent('table.access-rules');
    assert(rules.includes(billing), `the rule is listed: ${rules}`);
    await page.click(`details[data-version="${before + 1}"] summary`);
    const diff = await page.textContent(`details[data-version="${before + 1}"] .policy-diff`);
    assert(diff.includes('billing-reader'), `the history shows the change: ${diff}`);
    await page.screenshot({ path: `${OUT}31-access-rules.png`, fullPage: true });

    assert(await samSees(sam.page), 'Sam sees billing-reader at once');

    const row = page.locator('table.access-rules tr', { hasText: billing }).filter({ hasText: 'group engineers' });
    await row.locator('button:has-text("Remove")').click();
    await page.waitForSelector(`[data-version="${before + 2}"]`, { timeout: 15000 });
    assert(!(await samSees(sam.page)), 'and loses it when the rule is removed');
    await context.close();
    await sam.context.close();

    const eng = await newPage();
    await signIn(eng.page, 'sam@example.com');
    await eng.page.goto(`${BASE}/admin/access`);
    await hydrated(eng.page);
    const refused = (await eng.page.textContent('.error')) || '';
    assert(refused.includes('only administrators'), `an engineer is refused: ${refused}`);
    await eng.context.close();
  });
}
