// libFuzzer target: an ADM BWF file's chunks (RIFF/RF64/BW64 headers, ds64, fmt, chna, axml) and
// everything built on them: the XML reader (pugixml, with vkmix's tree, references and caps
// around it), the ADM model, the track resolution, the session the importer makes (checked by
// the session parser) and adm-info's description. Bytes that are not a valid master must end in
// an InputError naming the file; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "adm/import.hpp"
#include "vkmix/error.hpp"
#include "wave/bw64.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vkmix::adm;
  using namespace vkmix::wave;
  const ByteReader read = [&](std::uint64_t offset, std::span<std::uint8_t> dst) -> std::size_t {
    if (offset >= size) return 0;
    const std::size_t n = std::min<std::size_t>(dst.size(), size - offset);
    std::memcpy(dst.data(), data + offset, n);
    return n;
  };
  try {
    const Bw64Info info = parseBw64(read, size, "/fuzz/m.wav");
    if (info.hasAxml) {
      const Document doc = parseAdm(info.axml, "/fuzz/m.wav");
      (void)resolve(info, doc, "/fuzz/m.wav");
      (void)writeAdm(doc);
      (void)sessionFromChunks(info, "/fuzz/m.wav", [](const std::string&) {});
    }
  } catch (const vkmix::InputError&) {
  }
  return 0;
}
