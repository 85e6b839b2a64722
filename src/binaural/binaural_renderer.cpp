#include "binaural/binaural_renderer.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "dsp/convolver/cpu_convolver.hpp"
#include "dsp/convolver/reference.hpp"

namespace vkmix::binaural {

BinauralRenderer::BinauralRenderer(const Layout& speakers, const Hrtf& hrtf,
                                   const BinauralOptions& options, Precision precision)
    : BinauralRenderer(binauralSpec(speakers, hrtf, options), precision) {}

BinauralRenderer::BinauralRenderer(const dsp::ConvolverSpec& spec, Precision precision)
    : BinauralRenderer(spec, 1, nullptr) {
  if (precision == Precision::Double) {
    reference_ = std::make_unique<dsp::ReferenceConvolver>(spec);
    convolve_ = [this](std::span<const float> in, std::span<float> out) {
      reference_->process(in, out);
    };
  } else {
    cpu_ = std::make_unique<dsp::CpuConvolver>(spec, std::make_shared<dsp::CpuIrSpectra>(spec));
    convolve_ = [this](std::span<const float> in, std::span<float> out) { cpu_->process(in, out); };
  }
}

BinauralRenderer::BinauralRenderer(const dsp::ConvolverSpec& spec, std::int64_t batch,
                                   Convolution convolve)
    : numChannels_(spec.numInputs),
      span_(spec.partitionFrames * batch),
      tailFrames_(spec.maxIrFrames() - 1),
      convolve_(std::move(convolve)),
      numOutputs_(static_cast<int>(spec.outputs.size())) {
  pending_.assign(static_cast<std::size_t>(numChannels_ * span_), 0.0f);
  partitionOut_.assign(static_cast<std::size_t>(numOutputs_ * span_), 0.0f);
  ears_.assign(static_cast<std::size_t>(2 * span_), 0.0f);
}

BinauralRenderer::BinauralRenderer(const dsp::ConvolverSpec& spec, std::int64_t batch,
                                   Deferred deferred)
    : BinauralRenderer(spec, batch, Convolution{}) {
  deferred_ = std::move(deferred);
}

BinauralRenderer::~BinauralRenderer() = default;

void BinauralRenderer::runSpan() {
  if (deferred_.queue) {
    deferred_.queue(pending_);
    ++queued_;
  } else {
    convolve_(pending_, partitionOut_);
    addSpan();
  }
  spanFrames_ += span_;
  std::fill(pending_.begin(), pending_.end(), 0.0f);
  filled_ = 0;
}

void BinauralRenderer::addSpan() {
  sumPartialEars(partitionOut_, numOutputs_, span_, ears_);
  const auto p = static_cast<std::ptrdiff_t>(span_);
  left_.insert(left_.end(), ears_.begin(), ears_.begin() + p);
  right_.insert(right_.end(), ears_.begin() + p, ears_.end());
  outputFrames_ += span_;
}

void BinauralRenderer::collect(bool wait) {
  while (queued_ > 0 && (wait || deferred_.done())) {
    deferred_.take(partitionOut_);
    --queued_;
    addSpan();
  }
}

void BinauralRenderer::process(std::span<const float> feeds, std::int64_t numFrames) {
  VKMIX_ASSERT(endFrames_ < 0, "BinauralRenderer::process after finish");
  VKMIX_ASSERT(feeds.size() >= static_cast<std::size_t>(numChannels_ * numFrames),
               "BinauralRenderer: feeds shorter than numChannels x numFrames");
  std::int64_t done = 0;
  while (done < numFrames) {
    const std::int64_t n = std::min(numFrames - done, span_ - filled_);
    for (int c = 0; c < numChannels_; ++c) {
      const auto from = feeds.begin() + static_cast<std::ptrdiff_t>(c * numFrames + done);
      std::copy(from, from + static_cast<std::ptrdiff_t>(n),
                pending_.begin() + static_cast<std::ptrdiff_t>(c * span_ + filled_));
    }
    filled_ += n;
    done += n;
    if (filled_ == span_) runSpan();
  }
  inputFrames_ += numFrames;
}

void BinauralRenderer::endInput() {
  if (endFrames_ >= 0) return;
  endFrames_ = inputFrames_ + tailFrames_;
  // Zeros (pending_ is zeroed past filled_) until the spans cover the tail's last frame.
  while (spanFrames_ < endFrames_) runSpan();
}

void BinauralRenderer::finish() {
  endInput();
  collect(true);
}

std::int64_t BinauralRenderer::ready() const {
  const std::int64_t end = endFrames_ >= 0 ? endFrames_ : outputFrames_;
  return std::min(end, outputFrames_) - takenFrames_;
}

void BinauralRenderer::take(std::int64_t n, std::span<float> left, std::span<float> right) {
  VKMIX_ASSERT(n >= 0 && n <= ready(), "BinauralRenderer::take past ready()");
  VKMIX_ASSERT(
      left.size() >= static_cast<std::size_t>(n) && right.size() >= static_cast<std::size_t>(n),
      "BinauralRenderer::take: output spans too short");
  const auto k = static_cast<std::ptrdiff_t>(n);
  std::copy(left_.begin(), left_.begin() + k, left.begin());
  std::copy(right_.begin(), right_.begin() + k, right.begin());
  left_.erase(left_.begin(), left_.begin() + k);
  right_.erase(right_.begin(), right_.begin() + k);
  takenFrames_ += n;
}

}  // namespace vkmix::binaural
