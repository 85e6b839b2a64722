// libFuzzer target: the session parser on arbitrary bytes. A malformed session must end in an
// InputError (one line naming the file and field); anything else (a crash, a hang, another
// exception, a sanitizer report) is a finding. Built by scripts/fuzz.sh with clang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vkmix/error.hpp"
#include "vkmix/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    vkmix::Session s = vkmix::parseSession(text, "/fuzz/session.json");
    (void)vkmix::sessionNominalEndSeconds(s);
  } catch (const vkmix::InputError&) {
  }
  return 0;
}
