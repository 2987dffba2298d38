import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FlowCase, makeFlowCase } from './flow-design.js';
import { type TclCall, expectSteps, flagValue, runTclScript } from './run-tcl.js';

describe('flows: Vivado scripts under stub commands', () => {
  let c: FlowCase;
  let sources: string[];
  let mems: string[];
  before(async () => {
    c = await makeFlowCase({ flows: ['vivado'], options: { part: 'xc7a35tcpg236-1', clockMHz: 125 } });
    sources = c.emitted.sources.map((s) => fs.realpathSync(path.join(c.out, 'rtl', s)));
    mems = c.emitted.memFiles.map((s) => fs.realpathSync(path.join(c.out, 'rtl', s)));
    expect(mems.length).to.be.greaterThan(0);
  });
  const script = (name: string) => path.join(c.flowDir, 'vivado', name);
  const filesOf = (calls: TclCall[], cmd: string) => calls.filter((x) => x.cmd === cmd).flatMap((x) => x.files);

  it('the XDC constrains clk to the --clock period', () => {
    const xdc = fs.readFileSync(script('qtsc_top.xdc'), 'utf8');
    expect(xdc).to.contain('create_clock -period 8.000 -name clk [get_ports clk]');
  });

  it('build.tcl reads every source (in order), ROM image and the XDC, then synthesises, places, routes and reports', () => {
    const calls = runTclScript(script('build.tcl'));
    const at = expectSteps(calls, ['read_verilog', 'read_mem', 'read_xdc', 'synth_design', 'opt_design', 'place_design', 'route_design', 'report_utilization', 'report_timing_summary', 'write_checkpoint']);
    expect(calls[at[0]].args[0]).to.equal('-sv');
    expect(filesOf(calls, 'read_verilog')).to.deep.equal(sources);
    expect(filesOf(calls, 'read_mem')).to.deep.equal(mems);
    expect(filesOf(calls, 'read_xdc')).to.deep.equal([script('qtsc_top.xdc')]);
    const synth = calls[at[3]];
    expect(flagValue(synth, '-top')).to.equal('qtsc_top');
    expect(flagValue(synth, '-part')).to.equal('xc7a35tcpg236-1');
    expect(flagValue(synth, '-mode')).to.equal('out_of_context');
    for (const k of [7, 8]) expect(path.dirname(flagValue(calls[at[k]], '-file')!)).to.equal(path.join(c.flowDir, 'vivado', 'build'));
    expect(fs.existsSync(path.join(c.flowDir, 'vivado', 'build'))).to.equal(true);
  });

  it('the part given after -tclargs replaces the generated one', () => {
    const calls = runTclScript(script('build.tcl'), ['xc7z010clg400-1']);
    expect(flagValue(calls.find((x) => x.cmd === 'synth_design')!, '-part')).to.equal('xc7z010clg400-1');
  });

  it('project.tcl creates a project with the sources as SystemVerilog, the ROM images and the XDC, runs synthesis and implementation and reports', () => {
    const calls = runTclScript(script('project.tcl'));
    const at = expectSteps(calls, ['create_project', 'add_files', 'set_property', 'add_files', 'set_property', 'add_files', 'launch_runs', 'wait_on_run', 'launch_runs', 'wait_on_run', 'get_property', 'open_run', 'report_utilization', 'report_timing_summary', 'close_project']);
    expect(flagValue(calls[at[0]], '-part')).to.equal('xc7a35tcpg236-1');
    expect(calls[at[1]].files).to.deep.equal(sources);
    expect(calls[at[2]].args.slice(0, 2)).to.deep.equal(['file_type', 'SystemVerilog']);
    expect(calls[at[3]].files).to.deep.equal(mems);
    expect(calls[at[4]].args.slice(0, 2)).to.deep.equal(['top', 'qtsc_top']);
    expect(calls[at[5]].files).to.deep.equal([script('qtsc_top.xdc')]);
    expect(flagValue(calls[at[5]], '-fileset')).to.equal('constrs_1');
    expect(calls[at[6]].args[0]).to.equal('synth_1');
    expect(calls[at[8]].args[0]).to.equal('impl_1');
  });

  it('package_ip.tcl packages the top with s_axis and m_axis AXI-Stream interfaces on clk, reset rst active high', () => {
    const calls = runTclScript(script('package_ip.tcl'));
    const at = expectSteps(calls, ['create_project', 'add_files', 'add_files', 'ipx::package_project', 'ipx::current_core', 'ipx::infer_bus_interface', 'ipx::infer_bus_interface', 'ipx::infer_bus_interface', 'ipx::infer_bus_interface', 'ipx::add_bus_parameter', 'set_property', 'ipx::add_bus_parameter', 'set_property', 'ipx::associate_bus_interfaces', 'ipx::associate_bus_interfaces', 'ipx::associate_bus_interfaces', 'ipx::create_xgui_files', 'ipx::update_checksums', 'ipx::check_integrity', 'ipx::save_core']);
    expect(calls[at[1]].files).to.deep.equal(sources);
    expect(calls[at[2]].files).to.deep.equal(mems);
    expect(flagValue(calls[at[3]], '-root_dir')).to.equal(path.join(c.flowDir, 'vivado', 'ip'));
    expect(calls[at[3]].args).to.include('-import_files');
    const infers = at.slice(5, 9).map((i) => calls[i].args.slice(0, 2));
    expect(infers).to.deep.equal([
      ['s_axis_tdata s_axis_tvalid s_axis_tready s_axis_tlast', 'xilinx.com:interface:axis_rtl:1.0'],
      ['m_axis_tdata m_axis_tvalid m_axis_tready m_axis_tlast', 'xilinx.com:interface:axis_rtl:1.0'],
      ['clk', 'xilinx.com:signal:clock_rtl:1.0'],
      ['rst', 'xilinx.com:signal:reset_rtl:1.0'],
    ]);
    expect(calls[at[9]].args[0]).to.equal('POLARITY');
    expect(calls[at[10]].args.slice(0, 2)).to.deep.equal(['value', 'ACTIVE_HIGH']);
    expect(calls[at[11]].args[0]).to.equal('FREQ_HZ');
    expect(calls[at[12]].args.slice(0, 2)).to.deep.equal(['value', '125000000']);
    expect(calls[at[13]].args).to.deep.equal(['-busif', 's_axis', '-clock', 'clk', 'core']);
    expect(calls[at[14]].args).to.deep.equal(['-busif', 'm_axis', '-clock', 'clk', 'core']);
    expect(calls[at[15]].args).to.deep.equal(['-clock', 'clk', '-reset', 'rst', 'core']);
  });

  it('every source the scripts name is one the RTL backend wrote, and a missing one fails the stub run', () => {
    fs.renameSync(mems[0], mems[0] + '.away');
    try {
      expect(() => runTclScript(script('build.tcl'))).to.throw(/no such file/);
    } finally {
      fs.renameSync(mems[0] + '.away', mems[0]);
    }
  });
});
