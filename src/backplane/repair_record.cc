#include "backplane/repair_record.h"

#include <sstream>

#include "backplane/operation_fields.h"

namespace kiln {
namespace {

const redis::RedisScript& SaveScript() {
  static const auto* script = new redis::RedisScript(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
return 1
)lua");
  return *script;
}

std::string MillisOf(WallTimePoint time) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count());
}

WallTimePoint TimeOf(const std::string& millis) {
  return WallTimePoint(std::chrono::duration_cast<WallTimePoint::duration>(
      std::chrono::milliseconds(std::strtoll(millis.c_str(), nullptr, 10))));
}

std::string Join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : " ") + name;
  return joined;
}

std::vector<std::string> Split(const std::string& joined) {
  std::vector<std::string> names;
  std::istringstream words(joined);
  for (std::string name; words >> name;) names.push_back(name);
  return names;
}

}  // namespace

std::string_view RepairStateName(RepairRecord::State state) {
  switch (state) {
    case RepairRecord::State::kNone: return "never run";
    case RepairRecord::State::kRunning: return "running";
    case RepairRecord::State::kFinished: return "finished";
  }
  return "";
}

std::string RingSignature(const std::vector<StorageNodeEntry>& members, size_t replicas) {
  std::ostringstream signature;
  signature.precision(17);
  signature << "R=" << replicas;
  // The directory lists members by name, so every frontend builds the same text.
  for (const StorageNodeEntry& member : members) signature << " " << member.name << "=" << member.weight;
  return signature.str();
}

RepairRecordStore::RepairRecordStore(redis::RedisClient* client, const std::string& key_namespace)
    : client_(client), key_("kiln:{" + key_namespace + "}:storage:repair") {}

StatusOr<RepairRecord> RepairRecordStore::Load() const {
  auto reply = client_->Run(key_, {"HGETALL", key_});
  if (!reply.ok()) return Status::Unavailable("cannot read the repair pass's record: " + reply.status().message());
  if (reply->is_error()) return Status::Unavailable("the backplane refused the repair pass's record: " + reply->text);
  RepairRecord record;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    const std::string& field = reply->elements[i].text;
    const std::string& value = reply->elements[i + 1].text;
    const int64_t number = std::strtoll(value.c_str(), nullptr, 10);
    if (field == "state") {
      record.state = value == "running" ? RepairRecord::State::kRunning : RepairRecord::State::kFinished;
    } else if (field == "ring") {
      record.ring = value;
    } else if (field == "cursor") {
      record.cursor = value;
    } else if (field == "fraction") {
      record.fraction_done = std::strtod(value.c_str(), nullptr);
    } else if (field == "scanned") {
      record.counters.blobs_scanned = number;
    } else if (field == "missing") {
      record.counters.copies_missing = number;
    } else if (field == "copies") {
      record.counters.copies_made = number;
    } else if (field == "bytes") {
      record.counters.bytes_copied = number;
    } else if (field == "failures") {
      record.counters.failures = number;
    } else if (field == "started") {
      record.started = TimeOf(value);
    } else if (field == "updated") {
      record.updated = TimeOf(value);
    } else if (field == "finished") {
      record.finished = TimeOf(value);
    } else if (field == "complete") {
      record.complete = value == "1";
    } else if (field == "unlisted") {
      record.unlisted_nodes = Split(value);
    } else if (field == "runner") {
      record.runner = value;
    }
  }
  return record;
}

Status RepairRecordStore::Save(const RepairRecord& record, const RepairLease& lease) {
  std::ostringstream fraction;
  fraction.precision(6);
  fraction << record.fraction_done;
  std::vector<std::string> args = {
      lease.token(),
      "state", record.state == RepairRecord::State::kRunning ? "running" : "finished",
      "ring", record.ring,
      "cursor", record.cursor,
      "fraction", fraction.str(),
      "scanned", std::to_string(record.counters.blobs_scanned),
      "missing", std::to_string(record.counters.copies_missing),
      "copies", std::to_string(record.counters.copies_made),
      "bytes", std::to_string(record.counters.bytes_copied),
      "failures", std::to_string(record.counters.failures),
      "started", MillisOf(record.started),
      "updated", MillisOf(record.updated),
      "finished", MillisOf(record.finished),
      "complete", record.complete ? "1" : "0",
      "unlisted", Join(record.unlisted_nodes),
      "runner", record.runner,
  };
  auto saved = client_->Eval(SaveScript(), {lease.key(), key_}, args);
  if (!saved.ok()) return Status::Unavailable("cannot save the repair pass's record: " + saved.status().message());
  if (saved->is_error()) return Status::Unavailable("the backplane refused the repair pass's record: " + saved->text);
  if (saved->integer != 1) return Status::FailedPrecondition("this frontend no longer holds the repair lease");
  return Status::Ok();
}

}  // namespace kiln
