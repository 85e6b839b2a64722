// The reading half of the render loop: for each chunk, the voices sounding in it, their samples
// read (clip media streamed as voices start, denoised tracks through the backend) and gained into
// one dsp::MixBlock per mixer of the plan, each handed to the backend. The open clips' next chunk
// decodes on worker threads while the backend mixes this one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "backend/backend.hpp"
#include "core/parallel_for.hpp"
#include "core/serial_worker.hpp"
#include "engine/block_fill.hpp"
#include "engine/decode_ahead.hpp"
#include "engine/render_plan.hpp"

namespace vkmix::engine {

// A chunk whose mixes the backend has started.
struct StartedChunk {
  std::int64_t numFrames = 0, stride = 0;
  std::vector<char> dispatched;  // per mixer: false for a silent mix (no dispatch, zeros)
};

class ChunkStarter {
 public:
  // Opens the first chunk's clip files (while a device may still be coming up); the first chunk
  // starts at plan.loopStart.
  ChunkStarter(const RenderPlan& plan, const RenderOptions& options);
  // The backend the chunks go to; it must outlive this (the workers may be reading denoised
  // tracks through it until this is destroyed).
  void attach(backend::Backend& backend);
  StartedChunk start(std::int64_t startFrame, std::int64_t numFrames);
  double readSeconds() const { return readSeconds_; }

 private:
  // The clip's source for reads from timeline frame `fromFrame` on.
  std::unique_ptr<SampleSource> open(int clipIndex, std::int64_t fromFrame);

  const RenderPlan& plan_;
  backend::Backend* backend_ = nullptr;
  std::vector<RowMemory> mixerRows_;
  ClipSourcePool clipSources_;
  SourceMap sources_;
  // Clips the decode-ahead worker opened for the next chunk, for reads from fromFrame on.
  struct Preopened {
    std::int64_t fromFrame = 0;
    std::unique_ptr<SampleSource> source;
  };
  std::map<int, Preopened> preopened_;
  ActiveVoices sounding_;
  std::vector<std::size_t> active_;
  dsp::MixBlock block_;
  FadeCurves fades_;
  // The next chunk's grid gains, computed by the decode-ahead batch's last job (the loop reads
  // them after the batch has finished).
  GridAhead gridAhead_;
  double readSeconds_ = 0.0;
  int decodeThreads_;  // RenderOptions::decodeThreads (-1: chosen in attach())
  // Declared after sources_, so they are destroyed first: a batch in flight finishes before the
  // sources it decodes go, and so does a chunk's reading.
  std::unique_ptr<DecodeAhead> decodeAhead_;  // made in attach(), knowing the backend
  ParallelFor readers_;
  // A backend that mixes on the device, with no readers: each mixer's rows (RowReads) are read
  // on a thread of their own while the loop records the chunk, and waited for before endChunk.
  std::vector<RowReads> rowReads_;
  FadeCurves rowFades_;  // the envelopes the thread computes, with curves of its own
  std::unique_ptr<SerialWorker> rowWorker_;
};

}  // namespace vkmix::engine
