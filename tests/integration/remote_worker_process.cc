#include "remote_worker_process.h"

namespace kiln_test {

std::unique_ptr<WorkerProcess> WorkerProcess::Start(const std::string& scheduler_address, const std::string& work_dir,
                                                    const std::string& worker_id,
                                                    const std::vector<std::string>& extra_flags, std::string* error) {
  std::vector<std::string> args = {KILN_BINARY,  "worker",   "--scheduler", scheduler_address,
                                   "--work-dir", work_dir,   "--worker-id", worker_id};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  std::unique_ptr<WorkerProcess> process(new WorkerProcess());
  process->worker_id_ = worker_id;
  process->child_ = ChildProcess::Spawn(std::move(args), error);
  if (!process->child_) return nullptr;
  // With several frontends, whichever it picked.
  const std::string connected = scheduler_address.find(',') == std::string::npos
                                    ? "kiln worker: connected to " + scheduler_address + " as " + worker_id + "\n"
                                    : " as " + worker_id + "\n";
  if (!process->child_->ReadStdoutUntil(connected, 20'000)) {
    *error = "kiln worker did not connect within 20 s; stdout so far: \"" + process->stdout_text() + "\"";
    return nullptr;  // The child's destructor kills and reaps it.
  }
  return process;
}

WorkerProcess::~WorkerProcess() = default;

std::string WorkerProcess::connected_to() const {
  const std::string prefix = "kiln worker: connected to ";
  const std::string& text = stdout_text();
  const size_t line = text.rfind(prefix);
  if (line == std::string::npos) return "";
  const size_t start = line + prefix.size();
  return text.substr(start, text.find(" as ", start) - start);
}

}  // namespace kiln_test
