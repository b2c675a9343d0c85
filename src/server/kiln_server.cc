#include "server/kiln_server.h"

#include <grpcpp/grpcpp.h>

#include "ac/action_cache.h"
#include "ac/record_store.h"
#include "cas/disk_blob_store.h"
#include "cas/upload_registry.h"
#include "server/action_cache_service.h"
#include "server/bytestream_service.h"
#include "server/call_tracker.h"
#include "server/capabilities_service.h"
#include "server/cas_service.h"

namespace kiln {

struct KilnServer::State {
  std::unique_ptr<DiskBlobStore> cas;
  std::unique_ptr<DiskRecordStore> action_records;
  std::unique_ptr<ActionCache> action_cache;
  std::unique_ptr<UploadRegistry> uploads;
  std::unique_ptr<CapabilitiesService> capabilities_service;
  std::unique_ptr<CasService> cas_service;
  std::unique_ptr<ByteStreamService> bytestream_service;
  std::unique_ptr<ActionCacheService> action_cache_service;
  CallTracker calls;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

KilnServer::KilnServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

KilnServer::~KilnServer() {
  if (state_->server) Shutdown(std::chrono::seconds(0));
}

StatusOr<std::unique_ptr<KilnServer>> KilnServer::Start(const ServerOptions& options) {
  if (options.data_dir.empty()) return Status::InvalidArgument("--data-dir is required");
  auto state = std::make_unique<State>();

  DiskBlobStoreOptions cas_options;
  cas_options.root = options.data_dir;
  cas_options.max_bytes = options.max_cas_bytes;
  cas_options.grace_period = options.find_missing_grace;
  cas_options.sync_writes = options.sync_writes;
  auto cas = DiskBlobStore::Open(cas_options);
  if (!cas.ok()) return cas.status().WithContext("opening the CAS in " + options.data_dir);
  state->cas = std::move(cas).value();

  auto records = DiskRecordStore::Open(options.data_dir + "/ac", options.sync_writes);
  if (!records.ok()) return records.status().WithContext("opening the action cache in " + options.data_dir);
  state->action_records = std::move(records).value();
  state->action_cache = std::make_unique<ActionCache>(state->action_records.get(), state->cas.get(), options.max_inline_bytes);
  state->uploads = std::make_unique<UploadRegistry>(SystemClock::Get(), options.upload_idle_timeout);

  CapabilitiesOptions capabilities;
  capabilities.max_batch_total_size_bytes = options.max_batch_total_size_bytes;
  capabilities.max_cas_blob_size_bytes = options.max_cas_bytes;
  state->capabilities_service = std::make_unique<CapabilitiesService>(capabilities);
  state->cas_service = std::make_unique<CasService>(state->cas.get(), CasServiceOptions{options.max_batch_total_size_bytes});
  state->bytestream_service = std::make_unique<ByteStreamService>(state->cas.get(), state->uploads.get());
  state->action_cache_service = std::make_unique<ActionCacheService>(state->action_cache.get());

  grpc::ServerBuilder builder;
  // gRPC enables SO_REUSEPORT by default, which would let a second kiln bind the same port
  // and silently split clients between two data directories.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &state->port);
  // Batch requests carry up to max_batch_total_size_bytes of data plus digests and framing.
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_batch_total_size_bytes + (1 << 20)));
  builder.SetMaxSendMessageSize(-1);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(state->calls.NewInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(state->capabilities_service.get());
  builder.RegisterService(state->cas_service.get());
  builder.RegisterService(state->bytestream_service.get());
  builder.RegisterService(state->action_cache_service.get());
  state->server = builder.BuildAndStart();
  if (!state->server || state->port == 0) {
    return Status::Unavailable("cannot listen on " + options.listen + " (address in use or invalid?)");
  }
  return std::unique_ptr<KilnServer>(new KilnServer(std::move(state)));
}

int KilnServer::port() const { return state_->port; }

void KilnServer::Shutdown(Duration grace) {
  if (!state_->server) return;
  // Let running calls finish (new ones are still accepted meanwhile), then stop at once:
  // idle client connections must not hold shutdown for the whole grace period.
  state_->calls.WaitUntilIdle(grace);
  state_->server->Shutdown(std::chrono::system_clock::now());
  state_->server->Wait();
  state_->server.reset();
}

}  // namespace kiln
