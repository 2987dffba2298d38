import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findPackageRoot, isSourceCheckout, packageRoot, packageVersion } from '../../src/util/package-root.js';
import { tmpDir } from '../helpers/make-model.js';

describe('package root', () => {
  it('is the directory of the package.json named qtsc, holding what qtsc reads at run time', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));
    expect(manifest.name).to.equal('qtsc');
    expect(packageVersion).to.equal(manifest.version);
    expect(isSourceCheckout).to.equal(true);
    for (const dir of ['hw', 'templates', 'sim', 'examples']) {
      expect(fs.statSync(path.join(packageRoot, dir)).isDirectory(), dir).to.equal(true);
      expect(manifest.files, `package.json files ships ${dir}/`).to.include(`${dir}/`);
    }
  });

  it('walks up past package.json files of other packages (and malformed ones) to the one named qtsc; null when there is none', () => {
    const top = tmpDir();
    fs.writeFileSync(path.join(top, 'package.json'), JSON.stringify({ name: 'qtsc', version: '9.9.9' }));
    const inner = path.join(top, 'node_modules', 'other', 'dist', 'util');
    fs.mkdirSync(inner, { recursive: true });
    fs.writeFileSync(path.join(top, 'node_modules', 'other', 'package.json'), JSON.stringify({ name: 'other' }));
    fs.writeFileSync(path.join(top, 'node_modules', 'other', 'dist', 'package.json'), '{ not json');
    expect(findPackageRoot(inner)).to.equal(top);
    const lonely = tmpDir();
    expect(findPackageRoot(lonely)).to.equal(null);
  });
});
