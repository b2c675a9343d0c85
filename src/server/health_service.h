// gRPC's standard health service (grpc.health.v1.Health) for load balancers: SERVING while
// the server is ready (common/readiness.h: stores open, backplane reachable), NOT_SERVING
// otherwise, for the server as a whole ("") and for each kiln service it serves by name.
// Public: probes carry no credentials, and the answer reveals nothing but readiness.
// Watch streams each change until the client goes, or until Shutdown ends them (with
// NOT_SERVING, so that a balancer drains this server first).
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/readiness.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace kiln {

class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  // `services`: the fully qualified names of the services this server runs.
  // REQUIRES: `readiness` outlives the service.
  HealthService(Readiness* readiness, std::set<std::string> services);
  ~HealthService() override;
  // The services a kiln server runs, by the names Check takes (`executes`: a frontend's
  // Execution and Operations too).
  static std::set<std::string> KilnServices(bool executes);

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context, const grpc::health::v1::HealthCheckRequest* request) override;

  // Ends every Watch stream (NOT_SERVING first); later Watches end at once.
  void Shutdown();

 private:
  class WatchReactor;
  friend class WatchReactor;
  grpc::health::v1::HealthCheckResponse::ServingStatus StatusOf(const std::string& service, bool ready) const;
  void Forget(WatchReactor* reactor);

  Readiness* readiness_;
  const std::set<std::string> services_;
  std::mutex mutex_;
  std::set<WatchReactor*> watches_;
  bool shut_down_ = false;
};

}  // namespace kiln
