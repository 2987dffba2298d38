import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeFlowCase } from './flow-design.js';
import { FLOW_NAMES, parseFlowList, renderFlows, writeFlows } from '../../../src/backends/flows/index.js';
import { QtscError } from '../../../src/util/errors.js';
import { tmpDir } from '../../helpers/make-model.js';

describe('flows: the backend', () => {
  it('parses --flow: one flow, a list, all; anything else is refused by name', () => {
    expect(parseFlowList('all')).to.deep.equal(FLOW_NAMES);
    expect(parseFlowList('yosys-nextpnr,vivado')).to.deep.equal(['vivado', 'yosys-nextpnr']);
    expect(() => parseFlowList('vivado,..')).to.throw(QtscError, /--flow: '..' is not a flow/);
    expect(() => parseFlowList('')).to.throw(QtscError, /--flow: '' is not a flow/);
  });

  it('writes only names of its own below the flow directory: a top name with a path in it is refused before any file is written', async () => {
    const c = await makeFlowCase({ flows: [] });
    const base = tmpDir('qtsc-flowdir-');
    const flowDir = path.join(base, 'out', 'flow');
    for (const top of ['../../escape', 'a/b/c', '/abs']) {
      expect(() => writeFlows(flowDir, { ...c.design, top }, FLOW_NAMES), top).to.throw(QtscError, /refusing the file name|leaves/);
    }
    expect(fs.readdirSync(base)).to.deep.equal([]);
    for (const name of renderFlows(c.design, FLOW_NAMES).keys()) expect(name).to.match(/^(vivado\/|quartus\/|yosys-nextpnr\/)?[A-Za-z0-9_.]+$/);
  });

  it('is a pure function of the design: the same design renders the same bytes', async () => {
    const a = await makeFlowCase({ flows: FLOW_NAMES });
    const b = await makeFlowCase({ flows: FLOW_NAMES });
    expect([...renderFlows(a.design, FLOW_NAMES)]).to.deep.equal([...renderFlows(b.design, FLOW_NAMES)]);
  });
});
