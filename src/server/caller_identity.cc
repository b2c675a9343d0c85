#include "server/caller_identity.h"

#include <string>

#include "auth/principal.h"

namespace kiln {

Caller CallerFor(grpc::CallbackServerContext* context) {
  return Caller{std::string(kAnonymousPrincipalName), true};
}

}  // namespace kiln
