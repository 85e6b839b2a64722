// Keeping a render to deliver it again. Normalisation needs the whole render's loudness before
// the first delivered sample, so its measuring pass writes every rendered block (the stems, as
// the renderer handed them) to a scratch file beside the output, and each delivery pass replays
// that file: the same blocks, the same sizes, the mix summed from the stems as the renderer sums
// it. A delivery from the replay is therefore the same bytes as one from a fresh render.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/renderer.hpp"
#include "io/direct_file.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/render.hpp"

namespace vkmix::engine {

// A folder of intermediate files beside `beside` (".NAME.vkmix-HOST-PID", the name
// io::removeStaleTemporaries clears after a killed render), removed with everything in it when
// this goes: on success, on failure and on Interrupted alike.
class ScratchFolder {
 public:
  explicit ScratchFolder(const std::filesystem::path& beside);
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// About the bytes a stored render of `plan` takes: its stems in float (each block adds a 16-byte
// header and at most 3 frames of row padding on top).
std::int64_t storedRenderBytes(const RenderPlanInfo& plan);

// One render on disk. Each block is stored as its frame count (int64) then every stem's
// channels, `stride` floats each, exactly as RenderedBlock holds them (padding included), so a
// replayed block is bitwise the rendered one. The mix is not stored: the renderer makes it as the
// sum of the stems in stem order, and the replay sums them the same way (checked on the first
// blocks stored and one in 32 after them). The file is written and read past the page cache
// (io::DirectWriter, DirectReader: the render threads would otherwise copy every byte into kernel
// memory, twice); it stays until its folder goes (a ScratchFolder's to remove).
class StoredRender {
 public:
  // Creates `file` (which must not exist) for the render `plan` describes at `sampleRate` (for
  // the replay's progress); the plan is copied, its layout with it.
  StoredRender(std::filesystem::path file, const RenderPlanInfo& plan, int sampleRate);
  // Opens, to replay, a stored render that is complete on disk (another process's: a farm
  // render's segment, docs/farm.md); `plan` is the one it was stored for. IoError naming the file
  // when it cannot be read or is not whole.
  static std::unique_ptr<StoredRender> open(std::filesystem::path file, const RenderPlanInfo& plan,
                                            int sampleRate);
  ~StoredRender();
  StoredRender(const StoredRender&) = delete;
  StoredRender& operator=(const StoredRender&) = delete;

  // Appends a block (not after finish() or a replay). Throws IoError naming the file on a write
  // failure (a full disk), and InternalError if the block's mix is not the sum of its stems.
  void append(const RenderedBlock& block);

  // Writes out what is gathered and closes the file, whole on disk for open() in another
  // process; the first replay does it too. No append after it.
  void finish();

  const RenderPlanInfo& plan() const { return plan_; }
  std::int64_t bytes() const { return bytes_; }
  std::int64_t frames() const { return frames_; }

  // Replays every stored block into `sink` in order, as renderBlocks would hand them: `onPlan`
  // first, then `options.progress` after each block; `options.cancelled` is polled once per block
  // (Interrupted). Throws IoError if the file cannot be read back whole. May run more than once.
  void replay(const std::function<void(const RenderPlanInfo&)>& onPlan, const BlockSink& sink,
              const RenderOptions& options);

 private:
  StoredRender(const RenderPlanInfo& plan, int sampleRate);  // for open()
  [[noreturn]] void fail(const std::string& what, int error) const;

  std::filesystem::path file_;
  Layout layout_;
  RenderPlanInfo plan_;  // its layout points at layout_
  int sampleRate_;
  std::unique_ptr<io::DirectWriter> writer_;  // while blocks are appended, until the first replay
  std::int64_t bytes_ = 0;
  std::int64_t frames_ = 0;
  std::int64_t blocksStored_ = 0;
  std::vector<float> mix_;    // the mix as the replay makes it (checked against the rendered one)
  std::vector<float> stems_;  // a replayed block's stems, one after another
};

// The mix as the renderer makes it (engine/renderer.cpp): zeros, plus each stem in stem order.
void sumStems(const std::vector<std::span<const float>>& stems, std::size_t samples,
              std::vector<float>& mix);

}  // namespace vkmix::engine
