// Who is calling, as the scheduler's ownership checks see it (scheduler/caller.h). The one
// place the service layer decides it: every Execution and Operations call asks here, so that
// wiring in authentication changes this function and nothing else.
#pragma once

#include <grpcpp/grpcpp.h>

#include "scheduler/caller.h"

namespace kiln {

// For now everyone is "anonymous" with admin rights, which keeps today's behaviour (every
// client sees every operation) until the authentication layer supplies the principal and
// its `admin` permission.
Caller CallerFor(grpc::CallbackServerContext* context);

}  // namespace kiln
