// End-to-end: making images through the UI with the real engine worker and a
// tiny SD 1.x checkpoint written by the app's own `dev tiny-model` command.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { devBinary, launchBrowser, makeHome, openPage, removeHome, startApp } from './harness.mjs';

const JOB_TIMEOUT = 180_000;

// newestPNG finds the most recently written .png under dir.
function newestPNG(dir) {
  let best = null;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.png')) {
        const t = statSync(p).mtimeMs;
        if (!best || t > best.t) best = { p, t };
      }
    }
  };
  walk(dir);
  return best?.p ?? null;
}

// readGrayPNG decodes the 8-bit grayscale, unfiltered PNG the mask painter
// writes: its size and one byte per pixel.
function readGrayPNG(file) {
  const b = readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', `${file} is a PNG`);
  let o = 8;
  let width = 0;
  let height = 0;
  const idat = [];
  while (o < b.length) {
    const len = b.readUInt32BE(o);
    const type = b.subarray(o + 4, o + 8).toString('latin1');
    if (type === 'IHDR') {
      width = b.readUInt32BE(o + 8);
      height = b.readUInt32BE(o + 12);
      assert.equal(b[o + 16], 8, 'bit depth');
      assert.equal(b[o + 17], 0, 'grayscale');
    } else if (type === 'IDAT') idat.push(b.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width + 1)], 0, 'filter none');
    raw.copy(pixels, y * width, y * (width + 1) + 1, (y + 1) * (width + 1));
  }
  return { width, height, at: (x, y) => pixels[y * width + x] };
}

async function fillNumber(page, testId, value) {
  const box = page.getByTestId(testId);
  await box.fill(String(value));
  await box.blur();
}

// setUp chooses the tiny checkpoint and a fast size on the current tab.
async function setUp(page, { steps, size = 64, seed }) {
  await fillNumber(page, 'width-input', size);
  await fillNumber(page, 'height-input', size);
  await fillNumber(page, 'steps-input', steps);
  if (seed !== undefined) await fillNumber(page, 'seed-input', seed);
}

// watchProgress records, inside the page, every progress text shown and
// whether a live preview image appeared, so fast jobs are not missed.
async function watchProgress(page) {
  await page.evaluate(() => {
    const seen = { texts: [], previews: 0 };
    window.__seen = seen;
    const look = () => {
      const t = document.querySelector('[data-testid="progress-text"]')?.textContent;
      if (t && seen.texts.at(-1) !== t) seen.texts.push(t);
      const img = document.querySelector('img[data-testid="live-preview"]');
      if (img?.getAttribute('src')?.startsWith('data:image/')) seen.previews++;
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

async function waitJob(page, state) {
  await page.locator(`[data-testid="output-pane"][data-job-state="${state}"]`).waitFor({ timeout: JOB_TIMEOUT });
}

describe('Generate against the real engine', () => {
  let home;
  let app;
  let browser;
  let page;
  let png;

  before(async () => {
    home = makeHome();
    const checkpoints = path.join(home, 'models', 'checkpoints');
    mkdirSync(checkpoints, { recursive: true });
    execFileSync(devBinary, ['dev', 'tiny-model', '--family', 'sd1', '--out', path.join(checkpoints, 'tiny.safetensors')], {
      env: { ...process.env, DREAMLAYER_HOME: home },
      stdio: 'pipe',
    });
    app = await startApp(home);
    browser = await launchBrowser();
    page = await openPage(browser);
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    if (home) removeHome(home);
  });

  test('Txt2Img: progress and a live preview, then the result, which lands in the gallery', async () => {
    await page.getByTestId('nav-generate').click();
    await page.getByTestId('page-generate').waitFor();
    await page.getByTestId('tab-txt2img').click();
    await page.getByTestId('model-picker').click();
    await page.locator('[role="option"][data-model-name="tiny.safetensors"]').click({ timeout: 20_000 });
    await page.getByTestId('model-picker').filter({ hasText: 'tiny' }).waitFor();
    await setUp(page, { steps: 3, seed: 1234 });
    await page.getByTestId('prompt').fill('a tiny test image');

    await watchProgress(page);
    await page.getByTestId('generate-button').click();
    await waitJob(page, 'done');
    const img = page.getByTestId('result-image');
    await img.waitFor({ timeout: 20_000 });
    assert.match(await img.getAttribute('src'), /\/media\/outputs\//);
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 64), 'the result image loaded at 64 px');

    const seen = await page.evaluate(() => window.__seen);
    assert.ok(seen.texts.some((t) => /^Step [1-3]\/3/.test(t)), `progress texts: ${JSON.stringify(seen.texts)}`);
    assert.ok(seen.previews > 0, 'a live preview image was shown');

    await page.getByTestId('nav-gallery').click();
    await page.getByTestId('gallery-item').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('gallery-item').count(), 1);
    png = newestPNG(home);
    assert.ok(png, 'the output PNG exists under the home folder');
    assert.deepEqual(page.pageErrors, []);
  });

  test('PNG Info restores the seed and steps into Txt2Img', async () => {
    assert.ok(png, 'needs the image from the Txt2Img test');
    await page.getByTestId('nav-generate').click();
    await fillNumber(page, 'seed-input', -1);
    await fillNumber(page, 'steps-input', 20);

    await page.getByTestId('nav-pnginfo').click();
    await page.getByTestId('page-pnginfo').waitFor();
    await page.getByTestId('pnginfo-file-input').setInputFiles(png);
    await page.getByTestId('pnginfo-source').waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('pnginfo-params').innerText(), /1234/);
    await page.getByTestId('pnginfo-send').click();
    await page.getByTestId('page-generate').waitFor();
    assert.equal(await page.getByTestId('tab-txt2img').getAttribute('data-state'), 'active');
    assert.equal(await page.getByTestId('seed-input').inputValue(), '1234');
    assert.equal(await page.getByTestId('steps-input').inputValue(), '3');
    assert.equal(await page.getByTestId('prompt').inputValue(), 'a tiny test image');
  });

  test('Img2Img: a dropped file becomes the input and generates', async () => {
    assert.ok(png, 'needs the image from the Txt2Img test');
    await page.getByTestId('nav-generate').click();
    await page.getByTestId('tab-img2img').click();
    const zone = page.getByTestId('init-dropzone');
    await zone.waitFor();
    // A drop as the OS file manager makes it: a DataTransfer holding a real file.
    const bytes = readFileSync(png).toString('base64');
    await zone.evaluate((el, b64) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([raw], 'dropped.png', { type: 'image/png' }));
      el.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
      el.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
    }, bytes);
    await page.locator('img[data-testid="init-preview"]').waitFor({ timeout: 10_000 });
    await setUp(page, { steps: 3 });
    await page.getByTestId('prompt').fill('a tiny variation');
    await page.getByTestId('generate-button').click();
    await waitJob(page, 'done');
    await page.getByTestId('result-image').waitFor({ timeout: 20_000 });
  });

  test('Inpaint: a painted stroke travels with the request as a full-size mask', async () => {
    // The Img2Img test left the 64 px image as the input; Inpaint paints on it.
    await page.getByTestId('nav-generate').click();
    await page.getByTestId('tab-inpaint').click();
    const canvas = page.getByTestId('mask-canvas');
    await canvas.waitFor({ timeout: 10_000 });
    assert.equal(await canvas.getAttribute('width'), '64');
    const box = await canvas.boundingBox();
    assert.ok(box.width > 64, `the 64 px image is shown larger for painting (${box.width} px)`);
    // A horizontal stroke across the middle third, at mid height.
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + (box.width * 2) / 3, y, { steps: 10 });
    await page.mouse.up();
    await page.locator('[data-testid="mask-painter"][data-mask-state="painted"]').waitFor({ timeout: 10_000 });

    await setUp(page, { steps: 3 });
    await page.getByTestId('prompt').fill('a tiny repaint');
    await page.getByTestId('generate-button').click();
    await waitJob(page, 'done');
    await page.getByTestId('result-image').waitFor({ timeout: 20_000 });

    // The job as the backend queued it: inpaint, with the painted file as its mask.
    const job = await page.evaluate(async () => (await window.go.main.App.ListJobs())[0]);
    assert.equal(job.request.mode, 'inpaint');
    const maskPath = job.request.params.mask;
    assert.ok(maskPath && existsSync(maskPath), `the mask file exists: ${maskPath}`);
    const mask = readGrayPNG(maskPath);
    assert.deepEqual([mask.width, mask.height], [64, 64], 'the mask has the init image\'s full size');
    assert.equal(mask.at(32, 32), 255, 'the stroke is white');
    assert.equal(mask.at(2, 2), 0, 'away from the stroke is black');
    assert.equal(mask.at(32, 2), 0);
    assert.deepEqual(page.pageErrors, []);
  });

  test('Interrupt cancels a running generation', async () => {
    await page.getByTestId('tab-txt2img').click();
    await setUp(page, { steps: 40, size: 256 });
    await page.getByTestId('generate-button').click();
    await page.getByTestId('progress-text').filter({ hasText: /^Step \d+\/40/ }).waitFor({ timeout: JOB_TIMEOUT });
    await page.getByTestId('interrupt-button').click();
    await waitJob(page, 'cancelled');
    await page.getByTestId('job-ended').filter({ hasText: 'Interrupted' }).waitFor();

    await page.getByTestId('queue-toggle').click();
    const panel = page.getByTestId('queue-panel');
    await panel.waitFor();
    assert.ok((await panel.locator('[data-testid="queue-job"][data-state="cancelled"]').count()) >= 1);
    assert.ok((await panel.locator('[data-testid="queue-job"][data-state="done"]').count()) >= 2);
    await page.getByTestId('queue-clear').click();
    await page.getByTestId('queue-empty').waitFor({ timeout: 5_000 });
    await page.keyboard.press('Escape');
  });
});
