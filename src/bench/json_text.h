// JSON text for the machine-readable reports of `kiln bench` and `kiln attack`: the reports
// are flat enough that writing them directly reads better than building a document.
#pragma once

#include <string>
#include <string_view>

namespace kiln {

// `text` as a quoted JSON string, escaped.
std::string JsonString(std::string_view text);
// `value` with six significant digits (enough for rates and latencies).
std::string JsonNumber(double value);

}  // namespace kiln
