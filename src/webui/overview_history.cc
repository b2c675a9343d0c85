#include "webui/overview_history.h"

namespace kiln {
namespace {

std::optional<double> Rate(const std::optional<double>& before, const std::optional<double>& after,
                           int64_t elapsed_ms) {
  if (!before || !after || elapsed_ms <= 0 || *after < *before) return std::nullopt;
  return (*after - *before) * 1000.0 / static_cast<double>(elapsed_ms);
}

void Field(JsonWriter& json, const char* key, const std::optional<double>& value) {
  json.Key(key).OptionalDouble(value);
}

}  // namespace

void OverviewHistory::Add(OverviewSample sample) {
  std::lock_guard lock(mutex_);
  samples_.push_back(std::move(sample));
  while (samples_.size() > capacity_) samples_.pop_front();
}

std::vector<OverviewSample> OverviewHistory::Samples() const {
  std::lock_guard lock(mutex_);
  return {samples_.begin(), samples_.end()};
}

std::string HistoryJson(const std::vector<OverviewSample>& samples) {
  JsonWriter json;
  json.BeginObject().Key("points").BeginArray();
  for (size_t i = 0; i < samples.size(); ++i) {
    const OverviewSample& now = samples[i];
    const OverviewSample* before = i > 0 ? &samples[i - 1] : nullptr;
    const int64_t elapsed = before ? now.unix_ms - before->unix_ms : 0;
    json.BeginObject();
    json.Key("unix_ms").Int(now.unix_ms);
    Field(json, "queued", now.queued);
    Field(json, "busy_slots", now.busy_slots);
    Field(json, "requests_per_second",
          before ? Rate(before->requests_total, now.requests_total, elapsed) : std::nullopt);
    Field(json, "actions_per_second", before ? Rate(before->actions_total, now.actions_total, elapsed) : std::nullopt);
    json.EndObject();
  }
  json.EndArray().EndObject();
  return json.str();
}

}  // namespace kiln
