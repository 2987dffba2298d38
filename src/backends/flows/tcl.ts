/**
 * Pieces the Tcl flow scripts share. Every script finds its files relative
 * to its own location ([info script]), so it runs from any directory, and
 * names files only through braces-quoted lists of our own names (no
 * substitution happens inside braces).
 */
import type { FlowDesign } from './design.js';
import { generatedHeader } from '../rtl/templates.js';

/** A Tcl list literal of words that need no quoting (our file names). */
export function tclList(items: readonly string[]): string {
  return `[list ${items.map((s) => `{${s}}`).join(' ')}]`;
}

/** The opening every script shares: where it is, where the RTL is, the source and ROM lists. */
export function tclPreamble(d: FlowDesign, what: string, rtl: string): string {
  return `# ${generatedHeader.replace(/^\/\/ ?/, '')}
# ${what}
set here [file dirname [file normalize [info script]]]
set rtl [file normalize [file join $here ${rtl}]]
set top {${d.top}}
set sources {}
foreach f ${tclList(d.sources)} { lappend sources [file join $rtl $f] }
# ROM images: $readmemh in the RTL names them without a directory.
set mems {}
foreach f ${tclList(d.memFiles)} { lappend mems [file join $rtl $f] }
`;
}
