// What the web UI's endpoints read (webui/web_ui.h), handed to each group of routes.
#pragma once

#include <cstdint>

#include "auth/request_authorizer.h"
#include "cas/blob_store.h"
#include "common/clock.h"
#include "logstream/log_stream_registry.h"
#include "logstream/remote_log_reader.h"
#include "metrics/metric_registry.h"
#include "scheduler/scheduler.h"

namespace kiln {

// What the endpoints read. Not owned; all outlive the WebUi. Null parts are absent on this
// server (a storage node has no scheduler): their endpoints answer 404 saying so.
struct WebUiServices {
  Scheduler* scheduler = nullptr;
  BlobStore* cas = nullptr;
  const LogStreamRegistry* log_streams = nullptr;
  RemoteLogReader* remote_logs = nullptr;  // Other frontends' streams; null outside a farm.
  const metrics::MetricRegistry* metrics = nullptr;  // Null: metrics are off.
  const RequestAuthorizer* authorizer = nullptr;     // Required.
  int64_t cas_capacity_bytes = 0;
  const Clock* clock = nullptr;  // Null: the system clock.
};

}  // namespace kiln
