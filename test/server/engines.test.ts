/**
 * `engines` in package.json is a promise to operators: on every Node version it names, `npm ci` installs
 * without an EBADENGINE warning and everything runs. Checked against the `engines` of every package in the
 * lockfile that npm installs on this machine, so a dependency upgrade that drops a Node version we promise
 * fails here instead of in an operator's install log.
 */
import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

describe('engines', () => {
  const promised = pkg.engines.node;

  it('names the Node version these tests run on', () => {
    expect(semver.satisfies(process.version, promised), `${process.version} vs ${promised}`).toBe(true);
  });

  it('promises only Node versions every installed dependency supports', () => {
    const installed = Object.entries(lock.packages).filter(
      // Packages for other platforms (optional, skipped by npm here) are not installed.
      ([location]) => location !== '' && fs.existsSync(path.join(ROOT, location, 'package.json')),
    );
    expect(installed.length).toBeGreaterThan(100);
    const conflicts = installed.flatMap(([location, entry]) => {
      const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!wanted || semver.subset(promised, wanted)) return [];
      return [`${location.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${wanted}`];
    });
    expect(conflicts, `engines.node is ${promised}`).toEqual([]);
  });
});
