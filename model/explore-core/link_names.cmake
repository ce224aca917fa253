# SPDX-License-Identifier: GPL-2.0
# cmake -DMAP=libvbus.map -DOUT=link_names.inc -P link_names.cmake: the names of the version script's global:
# section, one `{ "NAME", (void *)NAME },` line each, for link_names.c's table (run at build time, so a new
# libvbus export is checked without anyone remembering to list it; link_names.sh also compares the names the
# program checked with the map's and with libvbus.so's exports).
file(READ "${MAP}" map)
string(REGEX REPLACE "/\\*([^*]|\\*[^/])*\\*/" "" map "${map}") # comments
string(REGEX REPLACE "#[^\n]*" "" map "${map}")
if(NOT map MATCHES "global:([^}]*)")
	message(FATAL_ERROR "${MAP}: no global: section")
endif()
set(g "${CMAKE_MATCH_1}")
string(REGEX REPLACE "local:.*" "" g "${g}")
string(REGEX MATCHALL "[A-Za-z_][A-Za-z0-9_]*" names "${g}")
if(NOT names)
	message(FATAL_ERROR "${MAP}: no name in its global: section")
endif()
get_filename_component(mapname "${MAP}" NAME)
set(out "/* generated from ${mapname} by link_names.cmake: do not edit */\n")
foreach(n IN LISTS names)
	string(APPEND out "{ \"${n}\", (void *)${n} },\n")
endforeach()
# written only when it changes (no rebuild of link_names.c otherwise)
file(WRITE "${OUT}.tmp" "${out}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
