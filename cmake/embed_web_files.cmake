# Turns the web UI's files (web/) into a C++ source holding them as byte strings, so that
# the binary serves its pages with nothing to install and no network at run time.
# Run in script mode:
#   cmake -DSOURCE_DIR=web -DOUTPUT=embedded_web_files.cc -P embed_web_files.cmake
# The generated file defines kiln::EmbeddedWebFiles() (src/webui/embedded_web_files.h).

file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*)
list(SORT files)
# CMake's regular expressions have no {n}: the pattern of a line is spelled out.
string(REPEAT "\\\\x[0-9a-f][0-9a-f]" 40 line_of_escapes)
set(arrays "")
set(entries "")
set(index 0)
foreach(file ${files})
  file(READ ${SOURCE_DIR}/${file} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # Every byte as \xNN: an escape followed by another escape cannot swallow a hex digit.
  # 40 bytes to a line of adjacent literals.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  string(REGEX REPLACE "(${line_of_escapes})" "\\1\"\n    \"" escaped "${escaped}")
  string(APPEND arrays "// ${file}\nconst char kFile${index}[] =\n    \"${escaped}\";\n")
  string(APPEND entries "    {\"${file}\", std::string_view(kFile${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()

set(content "// Generated from web/ by cmake/embed_web_files.cmake: do not edit.
#include \"webui/embedded_web_files.h\"

namespace kiln {
namespace {

${arrays}
const EmbeddedWebFile kFiles[] = {
${entries}};

}  // namespace

std::span<const EmbeddedWebFile> EmbeddedWebFiles() { return kFiles; }

}  // namespace kiln
")
# Rewritten only when it changes, so that touching web/ without changing it rebuilds nothing.
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT "${old}" STREQUAL "${content}")
  file(WRITE ${OUTPUT} "${content}")
endif()
