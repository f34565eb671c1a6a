// The production binary opens a real window under Xvfb, shows Txt2Img and,
// after Ctrl+Enter typed into the window, the image the real engine made on a
// tiny checkpoint. The screenshot (.ci/artifacts/window.png) must not be blank
// and must show the result image in the output pane.
//
// A production WebKitGTK window has no remote debugging, so the test drives it
// the way a person does, with X11 input (xdotool), and checks what is painted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeHome, prodBinary, removeHome, repoRoot } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// colours counts the distinct colours of an image, or of a crop of it
// ("WxH+X+Y"), with ImageMagick.
function colours(file, crop) {
  const args = crop ? [file, '-crop', crop, '+repage', '-format', '%k', 'info:'] : [file, '-format', '%k', 'info:'];
  return Number(execFileSync('convert', args).toString().trim());
}

function pngsUnder(dir) {
  const found = [];
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.png')) found.push(p);
    }
  };
  walk(dir);
  return found;
}

function xdotool(...args) {
  return execFileSync('xdotool', args).toString().trim();
}

test('the production window shows Txt2Img with an image made by the real engine', { timeout: 240_000 }, async () => {
  assert.ok(process.env.DISPLAY, 'needs an X display (run under xvfb-run)');
  const home = makeHome();
  // The tiny SD 1.x checkpoint, chosen in the settings the form starts from
  // (the catalog's model id is the first 8 bytes of SHA-256 of the path).
  const checkpoints = path.join(home, 'models', 'checkpoints');
  mkdirSync(checkpoints, { recursive: true });
  const model = path.join(checkpoints, 'tiny.safetensors');
  execFileSync(prodBinary, ['dev', 'tiny-model', '--family', 'sd1', '--out', model], {
    env: { ...process.env, DREAMLAYER_HOME: home },
    stdio: 'pipe',
  });
  const id = createHash('sha256').update(model).digest('hex').slice(0, 16);
  writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({ generation: { checkpoint: id, steps: 3, width: 64, height: 64, seed: 1234 } }),
  );

  const child = spawn(prodBinary, [], {
    env: { ...process.env, DREAMLAYER_HOME: home, OPENAI_API_KEY: '', IDEOGRAM_API_KEY: '', BFL_API_KEY: '' },
    stdio: 'ignore',
  });
  const outDir = path.join(repoRoot, '.ci/artifacts');
  mkdirSync(outDir, { recursive: true });
  const shot = path.join(outDir, 'window.png');
  const before = path.join(outDir, 'window-before.png');
  try {
    // 1. Poll until the window has painted something other than its background.
    let n = 0;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      await sleep(1000);
      assert.equal(child.exitCode, null, 'the app exited');
      execFileSync('import', ['-window', 'root', before]);
      n = colours(before);
      if (n > 64) break;
    }
    assert.ok(n > 64, `screenshot has only ${n} distinct colours: the window looks blank`);

    // 2. Find the window and where its output pane is: right of the
    // 460 px form and the sidebar, below the top bars.
    const win = xdotool('search', '--onlyvisible', '--name', 'DreamLayer').split('\n')[0];
    assert.ok(win, 'the DreamLayer window is on the display');
    const geo = Object.fromEntries(
      xdotool('getwindowgeometry', '--shell', win)
        .split('\n')
        .map((l) => l.split('='))
        .map(([k, v]) => [k, Number(v)]),
    );
    const paneW = Math.max(200, geo.WIDTH - 760);
    const pane = `${paneW}x${Math.max(200, geo.HEIGHT - 200)}+${geo.X + geo.WIDTH - paneW}+${geo.Y + 120}`;
    const paneBefore = colours(before, pane);

    // 3. Generate with Ctrl+Enter, as a person would; give the catalog a
    // moment to list the checkpoint the settings name first.
    await sleep(2000);
    xdotool('mousemove', '--window', win, String(Math.round(geo.WIDTH / 2)), '5');
    xdotool('windowfocus', '--sync', win);
    xdotool('key', '--window', win, '--clearmodifiers', 'ctrl+Return');

    // 4. The engine writes the PNG; the pane then shows it.
    let pngs = [];
    for (const deadline = Date.now() + 180_000; Date.now() < deadline && pngs.length === 0; ) {
      await sleep(1000);
      assert.equal(child.exitCode, null, 'the app exited');
      pngs = pngsUnder(path.join(home, 'outputs'));
    }
    assert.equal(pngs.length, 1, 'the engine wrote one image');
    let paneAfter = 0;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      await sleep(1000);
      execFileSync('import', ['-window', 'root', shot]);
      paneAfter = colours(shot, pane);
      if (paneAfter > paneBefore + 500) break;
    }
    assert.ok(colours(shot) > 64, 'the final screenshot is not blank');
    assert.ok(
      paneAfter > paneBefore + 500,
      `the output pane should show the generated image: ${paneBefore} colours before, ${paneAfter} after`,
    );
  } finally {
    child.kill('SIGTERM');
    removeHome(home);
  }
});
