// One delivery pass: the gain, the true-peak limiters, the matrix downmixes, a meter on every
// programme and the writers of the mix, stems and downmixes, fed rendered blocks in order. Every
// file is closed under its temporary name and renamed into place only by commit().
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "binaural/binaural_renderer.hpp"
#include "engine/renderer.hpp"
#include "io/writer.hpp"
#include "loudness/limiter.hpp"
#include "loudness/meter.hpp"
#include "vkmix/layout.hpp"
#include "vkmix/render.hpp"

namespace vkmix::engine {

// BS.1770-4 channel weights of a layout's speakers (LFE excluded).
std::vector<double> weightsFor(const Layout& layout);

// The downmix that is the mix on headphones (--downmix binaural=FILE): 2.0, made by convolving
// each of the mix's speaker feeds with its HRIR pair (binaural/), not by a matrix.
inline constexpr const char* kBinaural = "binaural";
// The layout a downmix name delivers: the named one, or 2.0 for binaural (a name checked known).
const Layout& downmixLayout(const std::string& name);
// The SOFA file a binaural downmix reads: DeliveryOptions::hrtf, else libmysofa's default.
std::filesystem::path hrtfPath(const DeliveryOptions& d);

class Delivery {
 public:
  Delivery(const Session& session, const DeliveryOptions& d, io::OutputFormat format,
           double gainDb);

  // Creates the meters, limiters and writers for the render `plan` describes.
  void open(const RenderPlanInfo& plan);

  // A block's work comes in independent parts: part 0 is the mix (its limiter, meter, writer and
  // every downmix), part 1 + s stem s (its meter, writer and, for the dialogue stem, its meters
  // through the downmixes). A part touches only its own programmes and buffers, so the parts of
  // one block may run on different threads at once; each part must see the blocks in order.
  std::size_t parts() const { return 1 + stems_.size(); }
  void consumePart(const RenderedBlock& b, std::size_t part);
  void consume(const RenderedBlock& b) {
    for (std::size_t p = 0; p < parts(); ++p) consumePart(b, p);
  }

  // Flushes limiters and closes every file under its temporary name.
  void close();
  // Renames every file into place.
  void commit();
  // The loudness of what was delivered, the outputs, the limiter's work.
  void fill(RenderReport& r) const;

 private:
  // One programme being delivered: optional limiter, meter (none: it measures what the mix
  // does), optional writer.
  struct Programme {
    std::string name;
    const Layout* layout = nullptr;
    std::filesystem::path file;
    io::OutputFormat format = io::OutputFormat::Wav24;  // of `writer`
    std::unique_ptr<io::AudioWriter> writer;
    std::unique_ptr<loudness::TruePeakLimiter> limiter;
    std::unique_ptr<loudness::LoudnessMeter> meter;

    void deliver(std::span<const float> planar, std::int64_t stride, std::int64_t n) {
      if (meter) meter->addFrames(planar, stride, n);
      if (writer) writer->write(planar, stride, n);
    }
  };
  // A part's working memory.
  struct Buffers {
    std::vector<float> scaled, limited, down, downLimited;
  };

  std::vector<const Programme*> all() const;
  void consumeStem(const RenderedBlock& b, std::size_t s, Buffers& m);
  void consumeMix(const RenderedBlock& b, Buffers& m);
  void drainMix(Buffers& m);
  void deliverMix(std::span<const float> planar, std::int64_t stride, std::int64_t n, Buffers& m);
  // m.down = downmix d's matrix applied to `n` frames of planar (output layout, `stride` apart).
  void downmix(std::size_t d, std::span<const float> planar, std::int64_t stride, std::int64_t n,
               Buffers& m) const;
  void drainDownmix(Programme& p, Buffers& m);
  // Binaural downmix d's ears, up to the mix's length, into its limiter or file.
  void deliverBinaural(std::size_t d, Buffers& m);
  void deliverDownmix(Programme& p, std::int64_t n, Buffers& m);

  const Session& session_;
  const DeliveryOptions& options_;
  Layout outputLayout_;
  io::OutputFormat format_;
  float gain_;
  Programme mix_;
  std::vector<Programme> stems_;
  std::vector<Programme> downmixes_;
  std::vector<std::vector<std::vector<double>>> matrices_;  // per downmix; binaural: none
  // Per downmix: the binaural renderer (null for a matrix), and the frames it has delivered, so
  // its file ends with the mix (the HRIRs' tails past it are left out).
  std::vector<std::unique_ptr<binaural::BinauralRenderer>> binaural_;
  std::vector<std::int64_t> binauralFrames_;
  std::int64_t mixFrames_ = 0;           // delivered so far
  std::vector<float> feeds_;             // the mix's feeds, contiguous, for a binaural renderer
  std::size_t dialogueStem_ = SIZE_MAX;  // with meterDialogueDownmixes
  std::vector<loudness::LoudnessMeter> dialogueDownmixMeters_;  // one per downmix, or none
  std::vector<Buffers> buffers_;                                // one per part
};

}  // namespace vkmix::engine
