// Which frontend of a farm runs the storage ring's repair pass: one at a time, chosen by a
// Redis key (kiln:{NAMESPACE}:storage:repair:lease) that the holder sets with NX and an
// expiry and keeps renewing while it runs. A holder that dies stops renewing, and once the
// key expires another frontend takes over (and goes on from the saved cursor:
// repair_record.h). Renewing and releasing check the key still holds this holder's token
// (a script), so a holder whose lease lapsed cannot renew or delete its successor's.
//
// Thread-safe.
#pragma once

#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_client.h"

namespace kiln {

class RepairLease {
 public:
  // `holder` says who holds it, for status pages ("frontend grpc://fe-1:8980").
  RepairLease(redis::RedisClient* client, const Clock* clock, const std::string& key_namespace, std::string holder,
              Duration ttl);
  ~RepairLease();

  // Renews the lease if this process holds it, else takes it if it is free. Whether this
  // process holds it now; UNAVAILABLE when Redis could not be asked (then held() turns false
  // once the last renewal's term is over).
  StatusOr<bool> Refresh();
  // Gives the lease up at once (if held), so another frontend need not wait for it to expire.
  void Release();
  // Whether this process holds the lease by the last renewal and the term has not run out.
  bool held() const;

  const std::string& key() const { return key_; }
  // The lease's value while this process holds it: the holder and a random suffix.
  const std::string& token() const { return token_; }
  // The holder of the lease now (whoever it is), "" when free.
  static StatusOr<std::string> CurrentHolder(redis::RedisClient* client, const std::string& key_namespace);
  static std::string KeyFor(const std::string& key_namespace);

 private:
  redis::RedisClient* const client_;
  const Clock* const clock_;
  const std::string key_;
  const std::string token_;
  const Duration ttl_;
  mutable std::mutex mutex_;
  bool held_ = false;        // Guarded by mutex_.
  TimePoint held_until_{};   // Guarded by mutex_.
};

}  // namespace kiln
