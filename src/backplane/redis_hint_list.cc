#include "backplane/redis_hint_list.h"

#include <algorithm>
#include <charconv>

namespace kiln {
namespace {

// SADD unless the set is full; 1 when added (or already there), 0 when full.
const redis::RedisScript& AddScript() {
  static const auto* script = new redis::RedisScript(R"lua(
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
return redis.call('SADD', KEYS[1], ARGV[1])
)lua");
  return *script;
}

// AddScript for every member of ARGV[2..]; how many are listed when it is done.
const redis::RedisScript& AddAllScript() {
  static const auto* script = new redis::RedisScript(R"lua(
local cap = tonumber(ARGV[1])
local listed = 0
for i = 2, #ARGV do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 1 then
    listed = listed + 1
  elseif redis.call('SCARD', KEYS[1]) < cap then
    redis.call('SADD', KEYS[1], ARGV[i])
    listed = listed + 1
  end
end
return listed
)lua");
  return *script;
}

constexpr size_t kHintsPerCall = 1000;

}  // namespace

std::string EncodeHint(const BlobHint& hint) {
  return hint.owner + " " + std::to_string(static_cast<int>(hint.digest.function())) + " " + hint.digest.hash() + " " +
         std::to_string(hint.digest.size());
}

std::optional<BlobHint> DecodeHint(std::string_view member) {
  // From the end: the owner (a target, grpc://HOST:PORT) has no spaces, but be strict anyway.
  const size_t size_at = member.rfind(' ');
  if (size_at == std::string_view::npos) return std::nullopt;
  const size_t hash_at = member.rfind(' ', size_at - 1);
  if (hash_at == std::string_view::npos || hash_at == 0) return std::nullopt;
  const size_t function_at = member.rfind(' ', hash_at - 1);
  if (function_at == std::string_view::npos || function_at == 0) return std::nullopt;
  int function = -1;
  int64_t size = -1;
  const std::string_view function_text = member.substr(function_at + 1, hash_at - function_at - 1);
  const std::string_view size_text = member.substr(size_at + 1);
  if (std::from_chars(function_text.data(), function_text.data() + function_text.size(), function).ec != std::errc() ||
      std::from_chars(size_text.data(), size_text.data() + size_text.size(), size).ec != std::errc()) {
    return std::nullopt;
  }
  if (function < 0 || function >= static_cast<int>(std::size(kAllDigestFunctions))) return std::nullopt;
  auto digest = Digest::Create(static_cast<DigestFunction>(function), member.substr(hash_at + 1, size_at - hash_at - 1), size);
  if (!digest.ok()) return std::nullopt;
  return BlobHint{std::move(digest).value(), std::string(member.substr(0, function_at))};
}

std::string RedisHintList::KeyFor(const std::string& key_namespace) {
  return "kiln:{" + key_namespace + "}:storage:hints";
}

RedisHintList::RedisHintList(redis::RedisClient* client, const std::string& key_namespace, size_t max_hints)
    : client_(client), key_(KeyFor(key_namespace)), max_hints_(max_hints) {}

bool RedisHintList::Add(const BlobHint& hint) {
  auto added = client_->Eval(AddScript(), {key_}, {EncodeHint(hint), std::to_string(max_hints_)});
  return added.ok() && added->is_integer() && added->integer == 1;
}

size_t RedisHintList::AddAll(const std::vector<BlobHint>& hints) {
  size_t listed = 0;
  for (size_t first = 0; first < hints.size(); first += kHintsPerCall) {
    std::vector<std::string> args{std::to_string(max_hints_)};
    for (size_t i = first; i < std::min(first + kHintsPerCall, hints.size()); ++i) args.push_back(EncodeHint(hints[i]));
    auto added = client_->Eval(AddAllScript(), {key_}, args);
    if (added.ok() && added->is_integer() && added->integer > 0) listed += static_cast<size_t>(added->integer);
  }
  return listed;
}

std::vector<BlobHint> RedisHintList::Take(size_t max) {
  std::vector<BlobHint> taken;
  if (max == 0) return taken;
  auto popped = client_->Run(key_, {"SPOP", key_, std::to_string(max)});
  if (!popped.ok() || !popped->is_array()) return taken;
  for (const redis::Reply& member : popped->elements) {
    // A member that does not parse was not written by kiln: dropping it is all there is to do.
    if (auto hint = DecodeHint(member.text)) taken.push_back(std::move(*hint));
  }
  return taken;
}

int64_t RedisHintList::Size() const {
  auto count = client_->Run(key_, {"SCARD", key_});
  return count.ok() && count->is_integer() ? count->integer : -1;
}

}  // namespace kiln
