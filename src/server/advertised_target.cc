#include "server/advertised_target.h"

namespace kiln {

std::string DefaultAdvertisedTarget(const std::string& listen, int bound_port, bool tls, const std::string& host_name) {
  const size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::" || host == "*") host = host_name;
  return std::string(tls ? "grpcs://" : "grpc://") + host + ":" + std::to_string(bound_port);
}

}  // namespace kiln
