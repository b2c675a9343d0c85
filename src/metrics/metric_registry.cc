#include "metrics/metric_registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace kiln::metrics {
namespace {

[[noreturn]] void Misuse(const std::string& what) {
  std::fprintf(stderr, "kiln: metric registry misused: %s\n", what.c_str());
  std::abort();
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool IsValidMetricName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsValidLabelName(const std::string& name) {
  if (name.empty() || name.rfind("__", 0) == 0) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void ComputedSamples::Add(std::vector<std::string> label_values, double value) {
  if (label_values.size() != family_.label_names.size()) Misuse(family_.name + ": wrong number of label values");
  SampleSnapshot& sample = family_.samples.emplace_back();
  sample.label_values = std::move(label_values);
  sample.value = value;
}

class MetricRegistry::ComputedFamily final : public FamilyBase {
 public:
  ComputedFamily(FamilySnapshot header, ComputeFn compute) : header_(std::move(header)), compute_(std::move(compute)) {}
  FamilySnapshot Collect() const override {
    FamilySnapshot snapshot = header_;
    ComputedSamples samples(snapshot);
    compute_(samples);
    // Sorted like the live families' children, so that scrapes compare line by line.
    std::sort(snapshot.samples.begin(), snapshot.samples.end(),
              [](const SampleSnapshot& a, const SampleSnapshot& b) { return a.label_values < b.label_values; });
    return snapshot;
  }

 private:
  const FamilySnapshot header_;
  const ComputeFn compute_;
};

FamilySnapshot MetricRegistry::Header(std::string name, std::string help, MetricType type,
                                      std::vector<std::string> label_names) {
  if (!IsValidMetricName(name)) Misuse("invalid metric name \"" + name + "\"");
  // The exposition's own suffixes, which a family's samples could be confused with.
  if (type == MetricType::kCounter && !EndsWith(name, "_total")) Misuse(name + ": a counter's name ends in _total");
  if (type != MetricType::kCounter && EndsWith(name, "_total")) Misuse(name + ": only counters end in _total");
  if (help.empty()) Misuse(name + ": no help text");
  for (const std::string& label : label_names) {
    if (!IsValidLabelName(label)) Misuse(name + ": invalid label name \"" + label + "\"");
    if (type == MetricType::kHistogram && label == "le") Misuse(name + ": \"le\" is the histogram's own label");
  }
  FamilySnapshot header;
  header.name = std::move(name);
  header.help = std::move(help);
  header.type = type;
  header.label_names = std::move(label_names);
  return header;
}

void MetricRegistry::Add(std::string name, std::shared_ptr<FamilyBase> family) {
  std::lock_guard lock(mutex_);
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) Misuse("metric " + name + " added twice");
  names_.push_back(std::move(name));
  families_.push_back(std::move(family));
}

Family<Counter>& MetricRegistry::AddCounter(std::string name, std::string help, std::vector<std::string> label_names) {
  auto family = std::make_shared<Family<Counter>>(
      Header(name, std::move(help), MetricType::kCounter, std::move(label_names)), nullptr);
  Add(std::move(name), family);
  return *family;
}

Family<Gauge>& MetricRegistry::AddGauge(std::string name, std::string help, std::vector<std::string> label_names) {
  auto family =
      std::make_shared<Family<Gauge>>(Header(name, std::move(help), MetricType::kGauge, std::move(label_names)), nullptr);
  Add(std::move(name), family);
  return *family;
}

Family<Histogram>& MetricRegistry::AddHistogram(std::string name, std::string help,
                                                std::vector<std::string> label_names, std::vector<double> bounds) {
  if (bounds.empty()) Misuse(name + ": a histogram needs bucket bounds");
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      Misuse(name + ": bucket bounds must be finite and increasing");
    }
  }
  FamilySnapshot header = Header(name, std::move(help), MetricType::kHistogram, std::move(label_names));
  header.bounds = bounds;
  auto family = std::make_shared<Family<Histogram>>(
      std::move(header), std::make_shared<const std::vector<double>>(std::move(bounds)));
  Add(std::move(name), family);
  return *family;
}

void MetricRegistry::AddComputed(MetricType type, std::string name, std::string help,
                                 std::vector<std::string> label_names, ComputeFn compute) {
  if (type == MetricType::kHistogram) Misuse(name + ": computed families are counters or gauges");
  auto family =
      std::make_shared<ComputedFamily>(Header(name, std::move(help), type, std::move(label_names)), std::move(compute));
  Add(std::move(name), std::move(family));
}

std::vector<FamilySnapshot> MetricRegistry::Collect() const {
  std::vector<std::shared_ptr<FamilyBase>> families;
  {
    std::lock_guard lock(mutex_);
    families = families_;
  }
  std::vector<FamilySnapshot> snapshots;
  snapshots.reserve(families.size());
  for (const auto& family : families) snapshots.push_back(family->Collect());
  return snapshots;
}

}  // namespace kiln::metrics
