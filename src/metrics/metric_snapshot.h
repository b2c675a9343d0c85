// What a scrape reads from the registry: plain values, apart from the live metrics, for
// the exposition format (text_exposition.h) and for tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

struct SampleSnapshot {
  std::vector<std::string> label_values;  // In the order of the family's label names.
  double value = 0;                       // Counters and gauges.
  // Histograms: per bucket, NOT cumulative, the last one +Inf; their sum and count.
  std::vector<uint64_t> bucket_counts;
  double sum = 0;
  uint64_t count = 0;
};

struct FamilySnapshot {
  std::string name;  // Counters' end in _total.
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // Histograms' bucket bounds, without +Inf.
  std::vector<SampleSnapshot> samples;
};

}  // namespace kiln::metrics
