// Sends a bearer token on every call of a channel, as "authorization: Bearer TOKEN"
// metadata. A client interceptor rather than gRPC call credentials, which gRPC refuses to
// send over plaintext channels: kiln clients talk plaintext to a server on loopback, and
// the token must reach it there too.
#pragma once

#include <grpcpp/support/client_interceptor.h>

#include <memory>

#include "client/bearer_token_file.h"

namespace kiln {

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> NewBearerTokenInterceptorFactory(
    std::shared_ptr<BearerTokenFile> token);

}  // namespace kiln
