import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FlowCase, makeFlowCase } from './flow-design.js';
import { expectSteps, runTclScript } from './run-tcl.js';
import { quartusFamily } from '../../../src/backends/flows/quartus.js';
import { QtscError } from '../../../src/util/errors.js';

describe('flows: Quartus script under stub commands', () => {
  let c: FlowCase;
  before(async () => {
    c = await makeFlowCase({ flows: ['quartus'], options: { device: '10M50DAF484C7G', clockMHz: 40 } });
  });

  it('creates the project with family, device, top, every source in order, the ROM images in the project directory and the SDC', () => {
    const script = path.join(c.flowDir, 'quartus', 'project.tcl');
    const calls = runTclScript(script);
    const assignment = (name: string) => calls.filter((x) => x.cmd === 'set_global_assignment' && x.args[1] === name).map((x) => x.args[2]);
    expectSteps(calls, ['project_new', 'set_global_assignment', 'set_instance_assignment', 'export_assignments', 'project_close']);
    expect(calls[0].cmd).to.equal('project_new');
    expect(calls[0].args).to.deep.equal(['-overwrite', '-revision', 'qtsc_top', 'qtsc_top']);
    expect(assignment('FAMILY')).to.deep.equal(['MAX 10']);
    expect(assignment('DEVICE')).to.deep.equal(['10M50DAF484C7G']);
    expect(assignment('TOP_LEVEL_ENTITY')).to.deep.equal(['qtsc_top']);
    expect(assignment('SYSTEMVERILOG_FILE')).to.deep.equal(c.emitted.sources.map((s) => fs.realpathSync(path.join(c.out, 'rtl', s))));
    const projdir = path.join(c.flowDir, 'quartus', 'project');
    expect(assignment('MISC_FILE')).to.deep.equal(c.emitted.memFiles.map((m) => path.join(projdir, m)));
    for (const m of c.emitted.memFiles) expect(fs.readFileSync(path.join(projdir, m), 'utf8')).to.equal(fs.readFileSync(path.join(c.out, 'rtl', m), 'utf8'));
    expect(assignment('SDC_FILE')).to.deep.equal([path.join(c.flowDir, 'quartus', 'qtsc_top.sdc')]);
    expect(calls.filter((x) => x.cmd === 'set_instance_assignment').map((x) => x.args.at(-1))).to.deep.equal(['s_axis_tdata[*]', 'm_axis_tdata[*]']);
  });

  it('the SDC constrains clk to the --clock period', () => {
    expect(fs.readFileSync(path.join(c.flowDir, 'quartus', 'qtsc_top.sdc'), 'utf8')).to.contain('create_clock -name clk -period 25.000 [get_ports {clk}]');
  });

  it('knows the family of the common device names and refuses others by name', () => {
    expect(quartusFamily('5CSEMA5F31C6')).to.equal('Cyclone V');
    expect(quartusFamily('EP4CE22F17C6')).to.equal('Cyclone IV E');
    expect(() => quartusFamily('XC7Z020')).to.throw(QtscError, /--device: 'XC7Z020'/);
  });
});
