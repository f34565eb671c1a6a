// The production binary opens a real window under Xvfb that is not blank.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { makeHome, prodBinary, removeHome, repoRoot } from './harness.mjs';

test('the production window renders the studio (screenshot is not blank)', async () => {
  assert.ok(process.env.DISPLAY, 'needs an X display (run under xvfb-run)');
  const home = makeHome();
  const child = spawn(prodBinary, [], { env: { ...process.env, DREAMLAYER_HOME: home }, stdio: 'ignore' });
  const outDir = path.join(repoRoot, '.ci/artifacts');
  mkdirSync(outDir, { recursive: true });
  const shot = path.join(outDir, 'window.png');
  try {
    // Poll until the window has painted something other than its background.
    let colours = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(child.exitCode, null, 'the app exited');
      execFileSync('import', ['-window', 'root', shot]);
      colours = Number(execFileSync('convert', [shot, '-format', '%k', 'info:']).toString().trim());
      if (colours > 64) break;
    }
    assert.ok(existsSync(shot));
    assert.ok(colours > 64, `screenshot has only ${colours} distinct colours: the window looks blank`);
  } finally {
    child.kill('SIGTERM');
    removeHome(home);
  }
});
