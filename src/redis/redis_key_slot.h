// Redis Cluster's key -> hash slot function, which the client must compute exactly as the
// server does to send each command to the node that owns its keys. The scheduler puts a
// hash tag ({...}) in related keys so that they share a slot and can go in one pipeline or
// one Lua script.
#pragma once

#include <cstdint>
#include <string_view>

namespace kiln::redis {

inline constexpr int kClusterSlots = 16384;

// CRC16/XMODEM (polynomial 0x1021, initial value 0), as the cluster specification defines.
uint16_t Crc16(std::string_view data);

// The slot of `key`: CRC16 of its hash tag (the text between the first '{' and the next '}',
// if not empty) or else of the whole key, mod 16384.
int KeySlot(std::string_view key);

}  // namespace kiln::redis
