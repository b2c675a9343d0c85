#include "metrics/text_exposition.h"

#include <charconv>
#include <cmath>

namespace kiln::metrics {
namespace {

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"}` from the family's names and the sample's values, plus an extra label
// (a histogram's "le") when given; nothing at all without labels.
void AppendLabels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                  const char* extra_name = nullptr, const std::string& extra_value = {}) {
  if (names.empty() && extra_name == nullptr) return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  if (extra_name != nullptr) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void AppendHistogram(std::string& out, const FamilySnapshot& family, const SampleSnapshot& sample) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < sample.bucket_counts.size(); ++i) {
    cumulative += sample.bucket_counts[i];
    out += family.name;
    out += "_bucket";
    const std::string le = i < family.bounds.size() ? FormatValue(family.bounds[i]) : "+Inf";
    AppendLabels(out, family.label_names, sample.label_values, "le", le);
    out += ' ';
    out += std::to_string(cumulative);
    out += '\n';
  }
  out += family.name;
  out += "_sum";
  AppendLabels(out, family.label_names, sample.label_values);
  out += ' ';
  out += FormatValue(sample.sum);
  out += '\n';
  out += family.name;
  out += "_count";
  AppendLabels(out, family.label_names, sample.label_values);
  out += ' ';
  out += std::to_string(sample.count);
  out += '\n';
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return std::to_string(static_cast<int64_t>(value));
  char buffer[64];
  // Plain decimals where they stay short ("0.0001" rather than "1e-04" in bucket bounds).
  const auto format = std::fabs(value) >= 1e-6 ? std::chars_format::fixed : std::chars_format::general;
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value, format);
  if (error != std::errc()) end = std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  return std::string(buffer, end);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderText(const std::vector<FamilySnapshot>& families) {
  std::string out;
  for (const FamilySnapshot& family : families) {
    if (family.samples.empty()) continue;
    out += "# HELP " + family.name + ' ' + EscapeHelp(family.help) + '\n';
    out += "# TYPE " + family.name + ' ' + TypeName(family.type) + '\n';
    for (const SampleSnapshot& sample : family.samples) {
      if (family.type == MetricType::kHistogram) {
        AppendHistogram(out, family, sample);
        continue;
      }
      out += family.name;
      AppendLabels(out, family.label_names, sample.label_values);
      out += ' ';
      out += FormatValue(sample.value);
      out += '\n';
    }
  }
  return out;
}

}  // namespace kiln::metrics
