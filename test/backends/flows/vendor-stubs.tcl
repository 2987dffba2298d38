# Stand-ins for the Vivado and Quartus Tcl commands the generated flow scripts
# call. Each records its call as one JSON line; the ones that read files fail
# when a file is missing. A command without a stand-in fails too.
#
#   tclsh vendor-stubs.tcl LOG SCRIPT ?SCRIPT-ARGS...?
set ::log [open [lindex $argv 0] w]
set script [file normalize [lindex $argv 1]]
set argv [lrange $argv 2 end]
set argc [llength $argv]

proc json_str {s} { return "\"[string map [list \\ \\\\ \" \\\" \n \\n \t \\t] $s]\"" }
proc json_list {items} {
  set parts {}
  foreach i $items { lappend parts [json_str $i] }
  return "\[[join $parts ,]\]"
}
proc record {cmd argl {files {}}} {
  puts $::log "{\"cmd\": [json_str $cmd], \"args\": [json_list $argl], \"files\": [json_list $files]}"
}
proc need_files {cmd files} {
  foreach f $files { if {![file isfile $f]} { error "$cmd: no such file: $f" } }
}
namespace eval ipx {}
# Commands whose last argument is a file or a list of files, all of which must exist.
foreach cmd {read_verilog read_mem read_xdc add_files} {
  proc $cmd {args} "set files \[lindex \$args end\]; need_files $cmd \$files; record $cmd \$args \$files"
}
# Commands that only need recording; a few return what the scripts use.
set returns {
  synth_design {} opt_design {} place_design {} route_design {} report_utilization {} report_timing_summary {}
  write_checkpoint {} create_project {} set_property {} update_compile_order {} launch_runs {} wait_on_run {}
  open_run {} close_project {} current_fileset sources_1 get_runs run get_property 100%
  ipx::package_project {} ipx::current_core core ipx::get_bus_interfaces busif ipx::remove_bus_interface {}
  ipx::infer_bus_interface {} ipx::add_bus_parameter {} ipx::get_bus_parameters param
  ipx::associate_bus_interfaces {} ipx::create_xgui_files {} ipx::update_checksums {} ipx::check_integrity {}
  ipx::save_core {}
  project_new {} set_instance_assignment {} export_assignments {} project_close {}
}
foreach {cmd ret} $returns {
  proc $cmd {args} "record $cmd \$args; return [list $ret]"
}
proc get_files {args} { record get_files $args; return [lindex $args end] }
# Quartus: a *_FILE assignment names a file that must exist.
proc set_global_assignment {args} {
  set name [lindex $args [expr {[lsearch -exact $args -name] + 1}]]
  set value [lindex $args end]
  set files {}
  if {[string match *_FILE $name]} { set files [list $value]; need_files "set_global_assignment -name $name" $files }
  record set_global_assignment $args $files
}
package provide ::quartus::project 1.0
proc unknown {args} { error "no stand-in for the command: $args" }

set here [pwd]
if {[catch { source $script } err]} {
  puts stderr "$script: $err"
  exit 1
}
close $::log
