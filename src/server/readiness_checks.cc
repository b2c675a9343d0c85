#include "server/readiness_checks.h"

#include <unistd.h>

namespace kiln {

void AddReadinessChecks(Readiness& readiness, const std::string& data_dir, redis::RedisClient* backplane) {
  readiness.AddCheck("data directory", [cas = data_dir + "/cas"] {
    if (::access(cas.c_str(), R_OK | W_OK | X_OK) != 0) return Status::Unavailable(cas + " is not accessible");
    return Status::Ok();
  });
  if (!backplane) return;
  readiness.AddCheck("redis backplane", [backplane] {
    auto reply = backplane->Run("kiln:health", {"PING"});
    return reply.status();
  });
}

}  // namespace kiln
