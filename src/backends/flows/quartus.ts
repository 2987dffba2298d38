/**
 * Quartus flow files (OUT/flow/quartus/):
 *
 *   project.tcl   quartus_sh -t project.tcl: creates project/<top>.qpf/.qsf
 *                 (family, device, top, SystemVerilog sources, the SDC, the ROM
 *                 images); compile with quartus_sh --flow compile <top> in project/
 *   <top>.sdc     the clock constraint
 *
 * Quartus resolves a relative $readmemh name against the project directory,
 * so the script copies the ROM images there. The AXI-Stream data buses are
 * virtual pins: the core sits inside a larger design, and its buses are
 * wider than many devices have pins.
 */
import { type FlowDesign, periodNs, rtlFrom } from './design.js';
import { tclPreamble } from './tcl.js';
import { generatedHeader } from '../rtl/templates.js';
import { QtscError } from '../../util/errors.js';

/** Quartus families by device-name prefix (the FAMILY assignment must match DEVICE). */
const FAMILIES: Array<[RegExp, string]> = [
  [/^5CE/i, 'Cyclone V'],
  [/^5CS/i, 'Cyclone V'],
  [/^5CG/i, 'Cyclone V'],
  [/^EP4CE/i, 'Cyclone IV E'],
  [/^EP4CGX/i, 'Cyclone IV GX'],
  [/^10CL/i, 'Cyclone 10 LP'],
  [/^10M/i, 'MAX 10'],
  [/^5AG/i, 'Arria V'],
  [/^10AX/i, 'Arria 10'],
  [/^5SG/i, 'Stratix V'],
  [/^1SG/i, 'Stratix 10'],
  [/^AG[FI]/i, 'Agilex'],
];

export function quartusFamily(device: string): string {
  const hit = FAMILIES.find(([re]) => re.test(device));
  if (!hit) throw new QtscError(`gen-hw: --device: '${device}' is not a Quartus device qtsc knows the family of (names starting ${FAMILIES.map(([re]) => re.source.replace('^', '')).join(', ')})`);
  return hit[1];
}

function sdc(d: FlowDesign): string {
  return `# ${generatedHeader.replace(/^\/\/ ?/, '')}
# ${d.top}: ${d.options.clockMHz} MHz on clk.
create_clock -name clk -period ${periodNs(d.options.clockMHz)} [get_ports {clk}]
derive_clock_uncertainty
`;
}

function projectTcl(d: FlowDesign): string {
  return `${tclPreamble(d, `Quartus project: quartus_sh -t project.tcl, then quartus_sh --flow compile ${d.top} in project/`, rtlFrom(1))}package require ::quartus::project
set projdir [file join $here project]
file mkdir $projdir
cd $projdir
project_new -overwrite -revision $top $top
set_global_assignment -name FAMILY {${quartusFamily(d.options.device)}}
set_global_assignment -name DEVICE {${d.options.device}}
set_global_assignment -name TOP_LEVEL_ENTITY $top
foreach f $sources { set_global_assignment -name SYSTEMVERILOG_FILE $f }
# $readmemh names are relative to the project directory.
foreach f $mems {
  file copy -force $f $projdir
  set_global_assignment -name MISC_FILE [file join $projdir [file tail $f]]
}
set_global_assignment -name SDC_FILE [file join $here {${d.top}.sdc}]
set_global_assignment -name PROJECT_OUTPUT_DIRECTORY output_files
set_instance_assignment -name VIRTUAL_PIN ON -to {s_axis_tdata[*]}
set_instance_assignment -name VIRTUAL_PIN ON -to {m_axis_tdata[*]}
export_assignments
project_close
`;
}

/** Files relative to OUT/flow/. */
export function quartusFiles(d: FlowDesign): Map<string, string> {
  return new Map([
    ['quartus/project.tcl', projectTcl(d)],
    [`quartus/${d.top}.sdc`, sdc(d)],
  ]);
}
