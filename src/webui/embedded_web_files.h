// The web UI's files (HTML, CSS, JavaScript from web/), compiled into the binary at build
// time by cmake/embed_web_files.cmake: kiln serves its pages with no files to install and
// nothing fetched from the network, ever.
#pragma once

#include <span>
#include <string_view>

namespace kiln {

struct EmbeddedWebFile {
  std::string_view path;  // Relative to web/: "index.html", "js/overview.js".
  std::string_view content;
};

// Every file, sorted by path.
std::span<const EmbeddedWebFile> EmbeddedWebFiles();

}  // namespace kiln
