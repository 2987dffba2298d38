/** Runs a generated Tcl flow script under tclsh with vendor-stubs.tcl and returns the calls it made. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { tmpDir } from '../../helpers/make-model.js';

export interface TclCall {
  cmd: string;
  args: string[];
  files: string[];
}

const stubs = path.join(import.meta.dirname, 'vendor-stubs.tcl');

export function runTclScript(script: string, args: string[] = []): TclCall[] {
  const log = path.join(tmpDir('qtsc-tcl-'), 'calls.jsonl');
  // Run from elsewhere: the scripts must find their files from their own location.
  const r = spawnSync('tclsh', [stubs, log, script, ...args], { cwd: tmpDir('qtsc-tcl-cwd-'), encoding: 'utf8' });
  expect(r.status, `${script}: ${r.stderr}`).to.equal(0);
  return fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TclCall);
}

/** Checks that the calls include `steps` (command names) in this order, and returns their indices. */
export function expectSteps(calls: TclCall[], steps: string[]): number[] {
  const at: number[] = [];
  let from = 0;
  for (const step of steps) {
    const i = calls.findIndex((c, k) => k >= from && c.cmd === step);
    expect(i, `step '${step}' after call ${from} in ${calls.map((c) => c.cmd).join(', ')}`).to.be.greaterThanOrEqual(0);
    at.push(i);
    from = i + 1;
  }
  return at;
}

/** The value after `flag` in a call's arguments. */
export function flagValue(call: TclCall, flag: string): string | undefined {
  const i = call.args.indexOf(flag);
  return i >= 0 ? call.args[i + 1] : undefined;
}
