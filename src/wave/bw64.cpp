#include "wave/bw64.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/files.hpp"
#include "vkmix/error.hpp"

namespace vkmix::wave {
namespace {

constexpr std::uint64_t kMaxAxmlBytes = 64ull << 20;
constexpr std::uint32_t kSizeInDs64 = 0xFFFFFFFFu;
constexpr std::size_t kChnaEntryBytes = 40;  // u16 index, UID[12], track ref[14], pack ref[11], pad

std::uint16_t u16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint32_t u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t u64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(u32(p)) | (static_cast<std::uint64_t>(u32(p + 4)) << 32);
}
std::string fourcc(const std::uint8_t* p) {
  return std::string(reinterpret_cast<const char*>(p), 4);
}
// A fixed-width ASCII field, cut at the first NUL.
std::string field(const std::uint8_t* p, std::size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  return s.substr(0, s.find('\0'));
}
std::string printable(const std::string& id) {
  std::string out;
  for (char c : id) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return out;
}

class Chunks {
 public:
  Chunks(const ByteReader& read, std::uint64_t size, const std::string& source)
      : read_(read), size_(size), source_(source) {}
  std::vector<std::uint8_t> bytes(std::uint64_t offset, std::uint64_t n, const std::string& what) {
    if (offset > size_ || n > size_ - offset) fail(what, "truncated file");
    std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
    // An empty chunk reads nothing (no null destination for the reader; the fuzzer found one).
    if (n > 0 && read_(offset, out) != out.size()) fail(what, "truncated file");
    return out;
  }
  [[noreturn]] void fail(const std::string& what, const std::string& problem) const {
    throw InputError(source_, what, problem);
  }
  std::uint64_t size() const { return size_; }

 private:
  const ByteReader& read_;
  std::uint64_t size_;
  const std::string& source_;
};

void parseFmt(Chunks& file, const std::vector<std::uint8_t>& b, Bw64Info& info) {
  if (b.size() < 16) file.fail("fmt", "chunk shorter than 16 bytes");
  std::uint16_t tag = u16(&b[0]);
  info.numChannels = u16(&b[2]);
  info.sampleRate = static_cast<int>(u32(&b[4]));
  info.blockAlign = u16(&b[12]);
  info.bitsPerSample = u16(&b[14]);
  if (tag == 0xFFFE) {  // WAVE_FORMAT_EXTENSIBLE: the real tag opens the SubFormat GUID
    if (b.size() < 40) file.fail("fmt", "extensible format chunk shorter than 40 bytes");
    info.channelMask = u32(&b[20]);
    tag = u16(&b[24]);
  }
  if (tag != 1 && tag != 3) {
    file.fail("fmt", "format tag " + std::to_string(tag) + " is neither PCM nor IEEE float");
  }
  info.isFloat = tag == 3;
  const int bits = info.bitsPerSample;
  if (info.isFloat ? (bits != 32 && bits != 64)
                   : (bits != 8 && bits != 16 && bits != 24 && bits != 32))
    file.fail("fmt", std::to_string(bits) + "-bit samples are not supported");
  if (info.numChannels < 1) file.fail("fmt", "no channels");
  if (info.sampleRate < 1000 || info.sampleRate > 768000)
    file.fail("fmt", "sample rate " + std::to_string(info.sampleRate) + " is out of range");
}

void parseChna(Chunks& file, const std::vector<std::uint8_t>& b, Bw64Info& info) {
  if (b.size() < 4) file.fail("chna", "chunk shorter than 4 bytes");
  const std::size_t numUids = u16(&b[2]);
  if (4 + numUids * kChnaEntryBytes > b.size()) {
    file.fail("chna", "says " + std::to_string(numUids) + " entries; the chunk holds " +
                          std::to_string((b.size() - 4) / kChnaEntryBytes));
  }
  for (std::size_t i = 0; i < numUids; ++i) {
    const std::uint8_t* e = &b[4 + i * kChnaEntryBytes];
    ChnaEntry entry{u16(e), field(e + 2, 12), field(e + 14, 14), field(e + 28, 11)};
    if (entry.trackIndex == 0) continue;  // unused slot (writers reserve room with zeros)
    info.chna.push_back(std::move(entry));
  }
}

}  // namespace

Bw64Info parseBw64(const ByteReader& read, std::uint64_t size, const std::string& source,
                   Bw64Read what) {
  const bool metadata = what == Bw64Read::Everything;
  Chunks file(read, size, source);
  Bw64Info info;
  const auto head = file.bytes(0, 12, "header");
  info.container = fourcc(&head[0]);
  if ((info.container != "RIFF" && info.container != "RF64" && info.container != "BW64") ||
      fourcc(&head[8]) != "WAVE") {
    file.fail("", "not a WAVE file (RIFF, RF64 or BW64)");
  }
  const bool big = info.container != "RIFF";
  std::uint64_t ds64Data = 0;
  bool haveDs64 = false, haveFmt = false, haveData = false;
  std::uint64_t pos = 12;
  while (pos + 8 <= size) {
    const auto hdr = file.bytes(pos, 8, "chunk header");
    const std::string id = fourcc(&hdr[0]);
    std::uint64_t len = u32(&hdr[4]);
    const std::uint64_t body = pos + 8;
    if (id == "data" && big && len == kSizeInDs64) {
      if (!haveDs64) file.fail("ds64", "missing before the data chunk of an " + info.container);
      len = ds64Data;
    }
    if (id == "data") {
      // A data chunk running past the end is a truncated recording: its frames are what exists.
      info.dataOffset = body;
      info.dataBytes = std::min(len, size > body ? size - body : 0);
      info.declaredDataBytes = len;
      haveData = true;
    } else if (id == "ds64") {
      const auto b = file.bytes(body, std::min<std::uint64_t>(len, 28), "ds64");
      if (b.size() < 24) file.fail("ds64", "chunk shorter than 24 bytes");
      ds64Data = u64(&b[8]);
      haveDs64 = true;
    } else if (id == "fmt ") {
      if (len > 4096) file.fail("fmt", "chunk of " + std::to_string(len) + " bytes");
      parseFmt(file, file.bytes(body, len, "fmt"), info);
      haveFmt = true;
    } else if (id == "chna") {
      if (len > 4 + 65535 * kChnaEntryBytes) file.fail("chna", "chunk too large");
      if (metadata) parseChna(file, file.bytes(body, len, "chna"), info);
      info.hasChna = true;
    } else if (id == "axml") {
      if (len > kMaxAxmlBytes)
        file.fail("axml", "corrupt chunk size: " + std::to_string(len) +
                              " bytes, larger than the 64 MiB an axml chunk may have");
      if (metadata) {
        const auto b = file.bytes(body, len, "axml");
        // Some writers pad with NULs.
        info.axml.assign(b.begin(), std::find(b.begin(), b.end(), std::uint8_t{0}));
      }
      info.hasAxml = true;
    } else if (id.find_first_not_of(
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _-") !=
               std::string::npos) {
      file.fail("chunk at byte " + std::to_string(pos),
                "invalid chunk id \"" + printable(id) + "\"");
    }
    if (len > size - body) break;  // the last chunk is cut short (checked above where it matters)
    pos = body + len + (len & 1);
  }
  if (!haveFmt) file.fail("fmt", "no fmt chunk");
  if (!haveData) file.fail("data", "no data chunk");
  const std::uint64_t frameBytes = static_cast<std::uint64_t>(info.numChannels) *
                                   static_cast<std::uint64_t>(info.bitsPerSample / 8);
  info.numFrames = info.dataBytes / frameBytes;
  return info;
}

Bw64Info readBw64(const std::filesystem::path& path, Bw64Read what) {
  requireRegularFile(path);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    throw InputError(path.string(), "", std::string("cannot open: ") + std::strerror(errno));
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(path.string(), "", "cannot read its size: " + ec.message());
  ByteReader read = [f](std::uint64_t offset, std::span<std::uint8_t> dst) -> std::size_t {
    if (fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0) return 0;
    return std::fread(dst.data(), 1, dst.size(), f);
  };
  return parseBw64(read, size, path.string(), what);
}

// --- writer -------------------------------------------------------------------------------------

namespace {

void le16(std::vector<std::uint8_t>& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void le32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void le64(std::vector<std::uint8_t>& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void tag(std::vector<std::uint8_t>& b, const char* id) { b.insert(b.end(), id, id + 4); }
void fixed(std::vector<std::uint8_t>& b, const std::string& s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    b.push_back(i < s.size() ? static_cast<std::uint8_t>(s[i]) : 0);
}

}  // namespace

Bw64Writer::Bw64Writer(const std::filesystem::path& path, int numChannels, int sampleRate,
                       Bw64Sample sample, std::vector<ChnaEntry> chna)
    : path_(path), channels_(numChannels), sample_(sample) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) throw IoError(path.string() + ": cannot create: " + std::strerror(errno));
  const std::uint16_t bytesPer = sample == Bw64Sample::Int24 ? 3 : 4;
  std::vector<std::uint8_t> h;
  tag(h, "RIFF");
  le32(h, 0);  // fixed in finish()
  tag(h, "WAVE");
  tag(h, "JUNK");  // room for ds64 (riff size, data size, sample count, empty table)
  le32(h, 28);
  h.resize(h.size() + 28, 0);
  tag(h, "fmt ");
  le32(h, 16);
  le16(h, sample == Bw64Sample::Int24 ? 1 : 3);
  le16(h, static_cast<std::uint16_t>(numChannels));
  le32(h, static_cast<std::uint32_t>(sampleRate));
  le32(h, static_cast<std::uint32_t>(sampleRate) * numChannels * bytesPer);
  le16(h, static_cast<std::uint16_t>(numChannels * bytesPer));
  le16(h, static_cast<std::uint16_t>(8 * bytesPer));
  tag(h, "chna");
  le32(h, static_cast<std::uint32_t>(4 + chna.size() * kChnaEntryBytes));
  le16(h, static_cast<std::uint16_t>(numChannels));
  le16(h, static_cast<std::uint16_t>(chna.size()));
  for (const ChnaEntry& e : chna) {
    le16(h, static_cast<std::uint16_t>(e.trackIndex));
    fixed(h, e.uid, 12);
    fixed(h, e.trackFormatRef, 14);
    fixed(h, e.packFormatRef, 11);
    h.push_back(0);
  }
  tag(h, "data");
  le32(h, 0);
  put(h.data(), h.size());
  dataStart_ = h.size();
}

Bw64Writer::~Bw64Writer() {
  if (file_ != nullptr) std::fclose(file_);
}

void Bw64Writer::put(const void* data, std::size_t n) {
  if (std::fwrite(data, 1, n, file_) != n)
    throw IoError(path_.string() + ": write failed: " + std::strerror(errno));
}

void Bw64Writer::write(std::span<const float> interleaved) {
  scratch_.clear();
  if (sample_ == Bw64Sample::Float32) {
    scratch_.resize(interleaved.size() * 4);
    std::memcpy(scratch_.data(), interleaved.data(), scratch_.size());
  } else {
    scratch_.reserve(interleaved.size() * 3);
    for (float x : interleaved) {
      const double scaled = std::nearbyint(static_cast<double>(x) * 8388608.0);
      const auto v = static_cast<std::int32_t>(std::clamp(scaled, -8388608.0, 8388607.0));
      for (int i = 0; i < 3; ++i) scratch_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
  }
  put(scratch_.data(), scratch_.size());
  frames_ += interleaved.size() / static_cast<std::size_t>(channels_);
}

void Bw64Writer::finish(const std::string& axml) {
  const std::uint64_t dataBytes = static_cast<std::uint64_t>(ftello(file_)) - dataStart_;
  if (dataBytes & 1) put("\0", 1);
  std::vector<std::uint8_t> tail;
  tag(tail, "axml");
  le32(tail, static_cast<std::uint32_t>(axml.size()));
  tail.insert(tail.end(), axml.begin(), axml.end());
  if (axml.size() & 1) tail.push_back(0);
  put(tail.data(), tail.size());
  const auto total = static_cast<std::uint64_t>(ftello(file_));
  const bool big = total - 8 > 0xFFFFFFFFull || dataBytes > 0xFFFFFFFFull;
  auto patch = [&](std::uint64_t at, const std::vector<std::uint8_t>& b) {
    if (fseeko(file_, static_cast<off_t>(at), SEEK_SET) != 0) {
      throw IoError(path_.string() + ": seek failed: " + std::strerror(errno));
    }
    put(b.data(), b.size());
  };
  std::vector<std::uint8_t> b;
  if (big) {
    tag(b, "BW64");
    le32(b, kSizeInDs64);
    patch(0, b);
    b.clear();
    tag(b, "ds64");
    le32(b, 28);
    le64(b, total - 8);
    le64(b, dataBytes);
    le64(b, frames_);
    le32(b, 0);
    patch(12, b);
    b.clear();
    le32(b, kSizeInDs64);
  } else {
    le32(b, static_cast<std::uint32_t>(total - 8));
    patch(4, b);
    b.clear();
    le32(b, static_cast<std::uint32_t>(dataBytes));
  }
  patch(dataStart_ - 4, b);
  if (std::fflush(file_) != 0 || std::fclose(file_) != 0) {
    file_ = nullptr;
    throw IoError(path_.string() + ": write failed: " + std::strerror(errno));
  }
  file_ = nullptr;
}

}  // namespace vkmix::wave
