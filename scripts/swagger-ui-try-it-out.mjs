// Tries Swagger UI as a person would, in headless Chromium: "Try it out" on a public read,
// then, after "Authorize" with an editor's credentials, on a write. Takes a screenshot of
// each answer and exits non-zero unless they are a 200 and a 201. Run by
// scripts/swagger-ui-try-it-out.sh, which says what it needs.
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL ?? 'http://localhost:8080';
const user = process.env.EDITOR_USER ?? 'editor';
const password = process.env.EDITOR_PASSWORD ?? 'editor-secret';
const itemId = process.env.ITEM_ID ?? '1';
const out = process.env.OUT_DIR ?? '.';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const failures = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(`${base}/swagger-ui/index.html`);

  const read = page.locator('#operations-catalog-getItem');
  await read.locator('.opblock-summary').click();
  await read.locator('.try-out__btn').click();
  await read.locator('tr[data-param-name="id"] input').fill(itemId);
  await read.locator('.execute').click();
  const readStatus = (await read.locator('.live-responses-table tbody .response-col_status').first().innerText()).trim();
  await read.screenshot({ path: `${out}/swagger-ui-read.png` });
  console.log(`GET /catalog/items/${itemId} from Swagger UI: ${readStatus}`);
  if (readStatus !== '200') failures.push(`read answered ${readStatus}`);

  await page.locator('.btn.authorize').first().click();
  const dialog = page.locator('.dialog-ux');
  await dialog.locator('input[type="text"]').first().fill(user);
  await dialog.locator('input[type="password"]').first().fill(password);
  await dialog.locator('button.authorize').first().click();
  await dialog.locator('button.btn-done').first().click();

  const write = page.locator('#operations-catalog-createItem');
  await write.locator('.opblock-summary').click();
  await write.locator('.try-out__btn').click();
  const body = write.locator('textarea.body-param__text');
  const example = JSON.parse(await body.inputValue());
  example.sku = `UI-${Date.now()}`;
  await body.fill(JSON.stringify(example, null, 2));
  await write.locator('.execute').click();
  const writeStatus = (await write.locator('.live-responses-table tbody .response-col_status').first().innerText()).trim();
  await write.screenshot({ path: `${out}/swagger-ui-write.png` });
  console.log(`POST /catalog/items from Swagger UI as ${user}: ${writeStatus}`);
  if (writeStatus !== '201') failures.push(`write answered ${writeStatus}`);
}
finally {
  await browser.close();
}
if (failures.length > 0) {
  console.error(`FAILED: ${failures.join('; ')}`);
  process.exit(1);
}
console.log(`Screenshots: ${out}/swagger-ui-read.png, ${out}/swagger-ui-write.png`);
