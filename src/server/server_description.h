// How a server describes itself to operators (`kiln admin status`): its role and where its
// CAS, action cache and backplane are, in words, from its options.
#pragma once

#include "server/admin_service.h"
#include "server/kiln_server.h"

namespace kiln {

AdminServerDescription DescribeServer(const ServerOptions& options);
// The URL without its user name and password ("redis://u:p@h:6379" -> "redis://h:6379").
std::string WithoutCredentials(const std::string& url);

}  // namespace kiln
