// Prometheus' text exposition format, version 0.0.4 (what /metrics serves and
// `promtool check metrics` reads): per family a HELP and a TYPE line, then one line per
// sample; histograms as cumulative _bucket lines (le="+Inf" last), _sum and _count.
// Families without samples are left out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric_registry.h"
#include "metrics/metric_snapshot.h"

namespace kiln::metrics {

// The Content-Type to serve it with.
inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderText(const std::vector<FamilySnapshot>& families);
inline std::string RenderText(const MetricRegistry& registry) { return RenderText(registry.Collect()); }

// The format's number spelling: integers without a fraction, others in the shortest form
// that reads back the same, "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);
// A label value inside its double quotes: backslash, double quote and newline escaped.
std::string EscapeLabelValue(std::string_view value);
// HELP text: backslash and newline escaped.
std::string EscapeHelp(std::string_view help);

}  // namespace kiln::metrics
