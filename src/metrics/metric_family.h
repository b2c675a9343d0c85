// One metric name with its label names, and a child metric per set of label values
// (Prometheus' "metric family" / "vector"). WithLabels takes a lock and a map lookup, so
// hot paths call it once (at start-up, or the first time a label value shows up) and keep
// the reference, which stays valid for the family's lifetime. Thread-safe.
#pragma once

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "metrics/counter.h"
#include "metrics/histogram.h"
#include "metrics/metric_snapshot.h"

namespace kiln::metrics {

// What the registry needs of any family: its samples at scrape time.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  virtual FamilySnapshot Collect() const = 0;
};

template <typename Metric>
class Family final : public FamilyBase {
 public:
  Family(FamilySnapshot header, std::shared_ptr<const std::vector<double>> bounds)
      : header_(std::move(header)), bounds_(std::move(bounds)) {
    if (header_.label_names.empty()) (void)WithLabels({});  // Shown (as 0) before its first use.
  }

  // REQUIRES: as many values as the family has label names (fewer or more abort).
  Metric& WithLabels(const std::vector<std::string>& values) {
    if (values.size() != header_.label_names.size()) std::abort();  // A programming error.
    std::lock_guard lock(mutex_);
    auto [it, inserted] = children_.try_emplace(values);
    if (inserted) {
      if constexpr (std::is_same_v<Metric, Histogram>) {
        it->second = std::make_unique<Histogram>(bounds_);
      } else {
        it->second = std::make_unique<Metric>();
      }
    }
    return *it->second;
  }
  // The only child of a family without labels.
  Metric& Unlabelled() { return WithLabels({}); }

  FamilySnapshot Collect() const override {
    FamilySnapshot snapshot = header_;
    std::lock_guard lock(mutex_);
    for (const auto& [values, metric] : children_) {
      SampleSnapshot& sample = snapshot.samples.emplace_back();
      sample.label_values = values;
      if constexpr (std::is_same_v<Metric, Histogram>) {
        Histogram::Snapshot read = metric->Read();
        sample.bucket_counts = std::move(read.counts);
        sample.sum = read.sum;
        sample.count = read.count;
      } else {
        sample.value = static_cast<double>(metric->Value());
      }
    }
    return snapshot;
  }

 private:
  const FamilySnapshot header_;  // Name, help, type, labels, bounds; no samples.
  const std::shared_ptr<const std::vector<double>> bounds_;  // Histograms only.
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;  // Sorted: stable output.
};

}  // namespace kiln::metrics
