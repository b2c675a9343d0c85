// kiln's metrics: every family a server exports, by name, for /metrics. Two kinds:
//   - live families (counters, gauges, histograms) that the code bumps as things happen;
//   - computed families, whose values a callback reads at scrape time from state the
//     subsystems keep anyway (queue lengths, stored bytes, open descriptors): nothing on
//     any hot path, and never out of date.
// Names follow Prometheus' conventions (checked here): snake_case with a "kiln_" or
// "process_" prefix by the caller's choice, base units (_seconds, _bytes), counters ending
// in _total. An invalid or duplicate name or label aborts: it is a programming error, found
// by the first test that starts a server. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/metric_family.h"

namespace kiln::metrics {

// What a computed family's callback fills in.
class ComputedSamples {
 public:
  explicit ComputedSamples(FamilySnapshot& family) : family_(family) {}
  // REQUIRES: as many values as the family has label names.
  void Add(std::vector<std::string> label_values, double value);

 private:
  FamilySnapshot& family_;
};

class MetricRegistry {
 public:
  using ComputeFn = std::function<void(ComputedSamples&)>;

  Family<Counter>& AddCounter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                                  std::vector<double> bounds);
  // `compute` runs at every scrape, on the scraping thread, without the registry's lock; it
  // must not block for long (a Redis round trip at most: cache anything slower).
  // REQUIRES: type is kCounter or kGauge; whatever `compute` reads outlives the registry's
  // last scrape.
  void AddComputed(MetricType type, std::string name, std::string help, std::vector<std::string> label_names,
                   ComputeFn compute);

  // Every family, in the order they were added; live families without children yet (a
  // labelled family nothing has used) have no samples.
  std::vector<FamilySnapshot> Collect() const;

 private:
  class ComputedFamily;
  FamilySnapshot Header(std::string name, std::string help, MetricType type, std::vector<std::string> label_names);
  void Add(std::string name, std::shared_ptr<FamilyBase> family);

  mutable std::mutex mutex_;
  std::vector<std::string> names_;
  std::vector<std::shared_ptr<FamilyBase>> families_;
};

// Prometheus' rules: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* not starting with "__".
bool IsValidMetricName(const std::string& name);
bool IsValidLabelName(const std::string& name);

}  // namespace kiln::metrics
