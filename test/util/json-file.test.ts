import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../../src/util/json-file.js';
import { tmpDir } from '../helpers/make-model.js';

describe('readJsonFile', () => {
  const schema = z.object({ a: z.object({ b: z.number().positive() }) });
  const write = (text: string) => {
    const file = path.join(tmpDir('qtsc-json-'), 'x.json');
    fs.writeFileSync(file, text);
    return file;
  };

  it('returns the validated value', () => {
    expect(readJsonFile(write('{"a": {"b": 2}}'), schema)).to.deep.equal({ a: { b: 2 } });
  });

  it('names the file and the first field at fault, then the hint', () => {
    const bad = write('{"a": {"b": -1}}');
    expect(() => readJsonFile(bad, schema)).to.throw(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: field 'a\\.b': .*`));
    expect(() => readJsonFile(bad, schema, 'delete it')).to.throw(/field 'a\.b': .*; delete it$/);
    const broken = write('{"a": ');
    expect(() => readJsonFile(broken, schema, 'delete it')).to.throw(/x\.json: not valid JSON: .*; delete it$/);
  });
});
