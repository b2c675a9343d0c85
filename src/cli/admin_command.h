// `kiln admin`: an operator's view of and hand on a running server through its admin
// service (proto/kiln/admin/v1/admin.proto): status, workers, operations, CAS blobs and
// action cache entries.
#pragma once

#include <string>
#include <vector>

namespace kiln {

int RunAdminCommand(const std::vector<std::string>& args);

}  // namespace kiln
