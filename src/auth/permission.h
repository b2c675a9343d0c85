// The permissions kiln grants, one per kind of access. Every RPC needs exactly one of them
// (rpc_permissions.h); the auth file grants them by name ("cas-read", ...). A permission
// implies no other: "cas-write" does not include "cas-read", and "admin" is only for the
// administrative RPCs that need it, not a wildcard.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiln {

enum class Permission : uint8_t {
  kCasRead,
  kCasWrite,
  kAcRead,
  kAcWrite,
  kExecute,
  kAssetFetch,
  kAssetPush,
  kLogsRead,
  kLogsWrite,
  kWorker,
  kAdmin,
};

inline constexpr Permission kAllPermissions[] = {
    Permission::kCasRead,    Permission::kCasWrite,  Permission::kAcRead,    Permission::kAcWrite,
    Permission::kExecute,    Permission::kAssetFetch, Permission::kAssetPush, Permission::kLogsRead,
    Permission::kLogsWrite,  Permission::kWorker,    Permission::kAdmin,
};

// The name the auth file uses ("cas-read").
std::string_view PermissionName(Permission permission);
// nullopt for a name that is not one of PermissionName's.
std::optional<Permission> ParsePermission(std::string_view name);

// A set of permissions as a bit mask: testing membership costs one AND.
class PermissionSet {
 public:
  constexpr PermissionSet() = default;

  constexpr void Add(Permission permission) { bits_ |= Bit(permission); }
  constexpr bool Contains(Permission permission) const { return (bits_ & Bit(permission)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  // "cas-read, execute", in enum order (for messages and docs).
  std::string ToString() const;

 private:
  static constexpr uint32_t Bit(Permission permission) { return uint32_t{1} << static_cast<uint8_t>(permission); }
  uint32_t bits_ = 0;
};

}  // namespace kiln
