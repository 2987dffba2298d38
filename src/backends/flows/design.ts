/**
 * What every build flow needs to know about one generated design: the top's
 * name and ports, the RTL sources and ROM images (as emitRtl wrote them into
 * OUT/rtl/), the stream formats and the cycle figures, and the user's
 * clock and device choices. Flow files live in OUT/flow/ and name the RTL
 * by paths relative to themselves, so the output tree can be moved.
 */
import type { HardwareIR } from '../../ir/hardware-ir.js';
import { type StreamFormat, streamFormat } from '../../golden/stream-format.js';
import { estimateCycles } from '../estimates/cycles.js';
import type { RtlEstimate } from '../estimates/resources.js';
import type { EmittedRtl } from '../rtl/emit.js';
import { QtscError } from '../../util/errors.js';

export type FlowName = 'vivado' | 'quartus' | 'yosys-nextpnr';
export const FLOW_NAMES: readonly FlowName[] = ['vivado', 'quartus', 'yosys-nextpnr'];

export type Ice40Device = 'up5k' | 'hx8k';
/** The package nextpnr-ice40 places into, per device (the common development boards' parts). */
export const ICE40_PACKAGES: Record<Ice40Device, string> = { up5k: 'sg48', hx8k: 'ct256' };

export interface FlowOptions {
  /** Target clock in MHz (constraints, nextpnr --freq). */
  clockMHz: number;
  /** Vivado part. */
  part: string;
  /** Quartus device. */
  device: string;
  ice40: Ice40Device;
}

export const DEFAULT_FLOW_OPTIONS: FlowOptions = { clockMHz: 100, part: 'xc7z020clg400-1', device: '5CSEMA5F31C6', ice40: 'up5k' };

export interface FlowDesign {
  top: string;
  /** Verilog files relative to OUT/rtl/, dependencies first. */
  sources: readonly string[];
  /** ROM images relative to OUT/rtl/ ($readmemh names them bare). */
  memFiles: readonly string[];
  format: StreamFormat;
  inputElements: number;
  cyclesPerFrame: number;
  /** Cycles from a frame's first input word to its output word, no stalls (src/backends/estimates/latency.ts). */
  latencyCycles: number;
  options: FlowOptions;
}

/** The RTL directory as seen from a flow file `depth` directories below OUT/flow/. */
export function rtlFrom(depth: number): string {
  return ['..', ...Array<string>(depth).fill('..'), 'rtl'].join('/');
}

/** Part and device names end up in Tcl and Makefiles: only plain names. */
export function checkDeviceName(flag: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) throw new QtscError(`gen-hw: ${flag}: '${name}' is not a device name (letters, digits, '-' and '_')`);
  return name;
}

/** `rtl`: the plan emitted and its estimates (estimateRtl), for the latency. */
export function flowDesign(ir: HardwareIR, emitted: EmittedRtl, options: FlowOptions, rtl: Pick<RtlEstimate, 'latencyCycles'>): FlowDesign {
  const format = streamFormat(ir);
  const cycles = estimateCycles(ir);
  return {
    top: emitted.top,
    sources: emitted.sources,
    memFiles: emitted.memFiles,
    format,
    inputElements: format.inputWordsPerFrame * format.inputSimd,
    cyclesPerFrame: cycles.cyclesPerFrame,
    latencyCycles: rtl.latencyCycles,
    options,
  };
}

/** A clock period in ns, as the constraint files write it. */
export function periodNs(clockMHz: number): string {
  return (1000 / clockMHz).toFixed(3);
}

/** `--flow vivado|quartus|yosys-nextpnr|all`, or a comma-separated list of flows. */
export function parseFlowList(arg: string): FlowName[] {
  const picked = new Set<FlowName>();
  for (const word of arg.split(',')) {
    if (word === 'all') FLOW_NAMES.forEach((f) => picked.add(f));
    else if ((FLOW_NAMES as readonly string[]).includes(word)) picked.add(word as FlowName);
    else throw new QtscError(`gen-hw: --flow: '${word}' is not a flow (${FLOW_NAMES.join(', ')} or all)`);
  }
  return FLOW_NAMES.filter((f) => picked.has(f));
}

/** The flow options from gen-hw's command line, checked; unset ones take the defaults. */
export function flowOptions(o: { clock?: number; part?: string; device?: string; ice40?: string }): FlowOptions {
  if (o.ice40 !== undefined && !(o.ice40 in ICE40_PACKAGES)) throw new QtscError(`gen-hw: --ice40: '${o.ice40}' is not one of ${Object.keys(ICE40_PACKAGES).join(', ')}`);
  return {
    clockMHz: o.clock ?? DEFAULT_FLOW_OPTIONS.clockMHz,
    part: o.part !== undefined ? checkDeviceName('--part', o.part) : DEFAULT_FLOW_OPTIONS.part,
    device: o.device !== undefined ? checkDeviceName('--device', o.device) : DEFAULT_FLOW_OPTIONS.device,
    ice40: (o.ice40 as Ice40Device | undefined) ?? DEFAULT_FLOW_OPTIONS.ice40,
  };
}
