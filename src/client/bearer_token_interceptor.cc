#include "client/bearer_token_interceptor.h"

#include <grpcpp/support/interceptor.h>

namespace kiln {
namespace {

class BearerTokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(BearerTokenFile* token) : token_(token) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", "Bearer " + token_->Current());
    }
    methods->Proceed();
  }

 private:
  BearerTokenFile* token_;
};

class BearerTokenInterceptorFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenInterceptorFactory(std::shared_ptr<BearerTokenFile> token) : token_(std::move(token)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo*) override {
    return new BearerTokenInterceptor(token_.get());  // gRPC owns and deletes it.
  }

 private:
  std::shared_ptr<BearerTokenFile> token_;  // Outlives every interceptor: the channel holds this factory.
};

}  // namespace

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> NewBearerTokenInterceptorFactory(
    std::shared_ptr<BearerTokenFile> token) {
  return std::make_unique<BearerTokenInterceptorFactory>(std::move(token));
}

}  // namespace kiln
