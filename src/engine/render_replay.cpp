#include "engine/render_replay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "core/assert.hpp"
#include "engine/row_kernels.hpp"
#include "io/output_guard.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {

namespace {

struct BlockHeader {
  std::int64_t numFrames = 0;
  std::int64_t stride = 0;
};

}  // namespace

ScratchFolder::ScratchFolder(const std::filesystem::path& beside)
    : path_(beside.parent_path() /
            ("." + beside.filename().string() + ".vkmix-" + io::temporaryOwner())) {
  std::error_code ec;
  std::filesystem::create_directories(path_, ec);
  if (ec) throw InputError(beside.string(), "", "cannot create a work folder: " + ec.message());
}

ScratchFolder::~ScratchFolder() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::int64_t storedRenderBytes(const RenderPlanInfo& plan) {
  return plan.numFrames * plan.layout->numChannels() *
         static_cast<std::int64_t>(plan.stems.size() * sizeof(float));
}

void sumStems(const std::vector<std::span<const float>>& stems, std::size_t samples,
              std::vector<float>& mix) {
  mix.resize(samples);
  const auto n = static_cast<std::int64_t>(samples);
  if (stems.empty()) {
    std::fill(mix.begin(), mix.end(), 0.0f);
    return;
  }
  // 0 + the first stem (-0 becomes +0, as zeros plus it would), then each other in order.
  zeroPlusRow(mix.data(), stems[0].data(), n);
  for (std::size_t s = 1; s < stems.size(); ++s) addRow(mix.data(), stems[s].data(), n);
}

StoredRender::StoredRender(std::filesystem::path file, const RenderPlanInfo& plan, int sampleRate)
    : file_(std::move(file)), layout_(*plan.layout), plan_(plan), sampleRate_(sampleRate) {
  plan_.layout = &layout_;
  try {
    writer_ = std::make_unique<io::DirectWriter>(file_, true);
  } catch (const io::FileError& e) {
    fail("cannot create", e.error());
  }
}

std::unique_ptr<StoredRender> StoredRender::open(std::filesystem::path file,
                                                 const RenderPlanInfo& plan, int sampleRate) {
  auto stored = std::unique_ptr<StoredRender>(new StoredRender(plan, sampleRate));
  stored->file_ = std::move(file);
  const int fd = ::open(stored->file_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) stored->fail("cannot open", errno);
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } closeAtEnd{fd};
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size < 0) stored->fail("cannot read", errno);
  // Walk the block headers: every block whole, the frames counted.
  const auto nc = static_cast<std::int64_t>(stored->layout_.numChannels());
  const auto numStems = static_cast<std::int64_t>(plan.stems.size());
  std::int64_t at = 0;
  while (at < size) {
    BlockHeader header;
    if (::pread(fd, &header, sizeof header, at) != static_cast<ssize_t>(sizeof header) ||
        header.numFrames <= 0 || header.stride < header.numFrames)
      stored->fail("cannot read", EIO);
    at += static_cast<std::int64_t>(sizeof header) +
          header.stride * nc * numStems * static_cast<std::int64_t>(sizeof(float));
    stored->frames_ += header.numFrames;
  }
  if (at != size) stored->fail("cannot read (cut short)", EIO);
  stored->bytes_ = size;
  return stored;
}

StoredRender::StoredRender(const RenderPlanInfo& plan, int sampleRate)
    : layout_(*plan.layout), plan_(plan), sampleRate_(sampleRate) {
  plan_.layout = &layout_;
}

StoredRender::~StoredRender() = default;

void StoredRender::fail(const std::string& what, int error) const {
  throw IoError(file_.string() + ": " + what +
                " the render kept for delivery: " + std::strerror(error));
}

void StoredRender::append(const RenderedBlock& b) {
  const auto samples = static_cast<std::size_t>(layout_.numChannels() * b.stride);
  // A check of how the renderer makes its mix, not of this block's data: the first blocks and
  // then one in 32 (summing every block again would double the delivery thread's reads).
  if (blocksStored_ < 8 || blocksStored_ % 32 == 0) {
    sumStems(b.stems, samples, mix_);
    VKMIX_ASSERT(
        b.mix.size() >= samples &&
            std::memcmp(mix_.data(), b.mix.data(), samples * sizeof(float)) == 0,
        "the rendered mix must be the sum of its stems in stem order, as a replay makes it");
  }
  ++blocksStored_;
  VKMIX_ASSERT(writer_ != nullptr, "blocks are stored before finish() and the first replay");
  const BlockHeader header{b.numFrames, b.stride};
  try {
    writer_->write(&header, sizeof header);
    for (const std::span<const float>& stem : b.stems)
      writer_->write(stem.data(), samples * sizeof(float));
  } catch (const io::FileError& e) {
    fail("cannot write", e.error());
  }
  bytes_ = writer_->position();
  frames_ += b.numFrames;
}

void StoredRender::finish() {
  if (!writer_) return;
  try {
    writer_->close();
  } catch (const io::FileError& e) {
    fail("cannot write", e.error());
  }
  writer_.reset();
}

void StoredRender::replay(const std::function<void(const RenderPlanInfo&)>& onPlan,
                          const BlockSink& sink, const RenderOptions& options) {
  finish();
  std::optional<io::DirectReader> reader;
  try {
    reader.emplace(file_);
  } catch (const io::FileError& e) {
    fail("cannot read back", e.error());
  }
  if (onPlan) onPlan(plan_);
  const auto nc = static_cast<std::size_t>(layout_.numChannels());
  const std::size_t numStems = plan_.stems.size();
  const double total = static_cast<double>(frames_) / sampleRate_;
  std::int64_t offset = 0, done = 0;
  auto get = [&](void* data, std::size_t bytes) {
    try {
      reader->read(data, bytes);
    } catch (const io::FileError& e) {
      fail("cannot read back", e.error());
    }
    offset += static_cast<std::int64_t>(bytes);
  };
  RenderedBlock block;
  while (offset < bytes_) {
    if (options.cancelled && options.cancelled()) throw Interrupted("render interrupted");
    BlockHeader header;
    get(&header, sizeof header);
    const auto samples = static_cast<std::size_t>(header.stride) * nc;
    stems_.resize(samples * numStems);
    get(stems_.data(), stems_.size() * sizeof(float));
    block.stems.clear();
    for (std::size_t s = 0; s < numStems; ++s)
      block.stems.emplace_back(stems_.data() + s * samples, samples);
    sumStems(block.stems, samples, mix_);
    block.mix = mix_;
    block.stride = header.stride;
    block.numFrames = header.numFrames;
    sink(block);
    done += header.numFrames;
    if (options.progress) options.progress(static_cast<double>(done) / sampleRate_, total);
  }
  VKMIX_ASSERT(done == frames_, "a replay hands on every stored frame");
}

}  // namespace vkmix::engine
