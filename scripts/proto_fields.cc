// Prints one line per message field, enum value and RPC of a FileDescriptorSet, in a
// canonical form, so two sets can be compared with diff. Used by check-protos.sh.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <fstream>
#include <iostream>
#include <set>

using namespace google::protobuf;

void DumpMessage(const Descriptor* m, std::set<std::string>& out) {
  for (int i = 0; i < m->field_count(); ++i) {
    const FieldDescriptor* f = m->field(i);
    std::string type = f->message_type() ? f->message_type()->full_name()
                       : f->enum_type()  ? f->enum_type()->full_name()
                                         : f->type_name();
    out.insert(m->full_name() + "." + f->name() + " = " + std::to_string(f->number()) + " " +
               (f->is_repeated() ? "repeated " : "") + type +
               (f->containing_oneof() ? " oneof " + f->containing_oneof()->name() : ""));
  }
  for (int i = 0; i < m->nested_type_count(); ++i) DumpMessage(m->nested_type(i), out);
  for (int i = 0; i < m->enum_type_count(); ++i) {
    const EnumDescriptor* e = m->enum_type(i);
    for (int v = 0; v < e->value_count(); ++v) out.insert(e->full_name() + "." + e->value(v)->name() + " = " + std::to_string(e->value(v)->number()));
  }
}

int main(int argc, char** argv) {
  std::ifstream in(argv[1], std::ios::binary);
  FileDescriptorSet set;
  if (!set.ParseFromIstream(&in)) return 1;
  DescriptorPool pool;
  std::set<std::string> lines;
  for (const auto& proto : set.file()) {
    const FileDescriptor* file = pool.BuildFile(proto);
    if (!file) return 1;
    if (file->package().rfind("google.protobuf", 0) == 0 || file->package() == "google.api") continue;
    for (int i = 0; i < file->message_type_count(); ++i) DumpMessage(file->message_type(i), lines);
    for (int i = 0; i < file->service_count(); ++i) {
      const ServiceDescriptor* s = file->service(i);
      for (int m = 0; m < s->method_count(); ++m) {
        const MethodDescriptor* md = s->method(m);
        lines.insert(s->full_name() + "." + md->name() + "(" + (md->client_streaming() ? "stream " : "") +
                     md->input_type()->full_name() + ") -> " + (md->server_streaming() ? "stream " : "") +
                     md->output_type()->full_name());
      }
    }
  }
  for (const auto& line : lines) std::cout << line << "\n";
}
