#include "engine/delivery.hpp"

#include <algorithm>
#include <cmath>

#include "engine/report.hpp"
#include "io/output_guard.hpp"
#include "layout/downmix.hpp"

namespace vkmix::engine {

namespace {

std::string extensionFor(io::OutputFormat f) { return std::string(io::formatInfo(f).extension); }

}  // namespace

std::vector<double> weightsFor(const Layout& layout) {
  std::vector<double> w;
  for (const Speaker& s : layout.speakers)
    w.push_back(loudness::channelWeight(s.azimuthDeg, s.elevationDeg, s.lfe));
  return w;
}

Delivery::Delivery(const Session& session, const DeliveryOptions& d, io::OutputFormat format,
                   double gainDb)
    : session_(session),
      options_(d),
      format_(format),
      gain_(static_cast<float>(std::pow(10.0, gainDb / 20.0))) {}

void Delivery::open(const RenderPlanInfo& plan) {
  const int rate = session_.sampleRate;
  const bool limit = options_.loudnessTargetLufs.has_value();
  outputLayout_ = *plan.layout;  // the render's own copy dies with the render; ours outlives it
  mix_.name = "mix";
  mix_.layout = &outputLayout_;
  mix_.file = options_.output;
  mix_.meter = std::make_unique<loudness::LoudnessMeter>(rate, weightsFor(*plan.layout));
  if (limit)
    mix_.limiter = std::make_unique<loudness::TruePeakLimiter>(rate, plan.layout->numChannels(),
                                                               options_.truePeakCeilingDbtp);
  mix_.format = format_;
  if (!options_.output.empty())
    mix_.writer = std::make_unique<io::AudioWriter>(options_.output, *plan.layout, rate, format_);
  // One stem and no limiter: the mix is that stem, sample for sample (the mix is the sum of the
  // stems), and the mix's meter measures it too; a second meter on every channel would only
  // repeat the figures.
  const bool stemIsMix = plan.stems.size() == 1 && !limit;
  for (const std::string& stem : plan.stems) {
    Programme p;
    p.name = stem;
    p.layout = &outputLayout_;
    if (!stemIsMix)
      p.meter = std::make_unique<loudness::LoudnessMeter>(rate, weightsFor(*plan.layout));
    p.format = format_;
    if (!options_.stemsDir.empty()) {
      p.file = options_.stemsDir / (io::safeFileName(stem) + extensionFor(format_));
      p.writer = std::make_unique<io::AudioWriter>(p.file, *plan.layout, rate, format_);
    }
    stems_.push_back(std::move(p));
  }
  std::unique_ptr<binaural::Hrtf> hrtf;
  for (const auto& [name, file] : options_.downmixes) {
    const Layout* to = &downmixLayout(name);
    Programme p;
    p.name = name;
    p.layout = to;
    p.file = file;
    p.meter = std::make_unique<loudness::LoudnessMeter>(rate, weightsFor(*to));
    if (limit)
      p.limiter = std::make_unique<loudness::TruePeakLimiter>(rate, to->numChannels(),
                                                              options_.truePeakCeilingDbtp);
    // Without --format each downmix file's extension picks its format (5.1=preview.eac3).
    p.format = options_.format.empty() ? io::defaultFormatFor(file) : format_;
    p.writer = std::make_unique<io::AudioWriter>(file, *to, rate, p.format);
    if (name == kBinaural) {
      if (!hrtf) hrtf = std::make_unique<binaural::Hrtf>(hrtfPath(options_), rate);
      // The delivered mix is every track together: all of it in the sessions' default mode.
      binaural_.push_back(std::make_unique<binaural::BinauralRenderer>(
          outputLayout_, *hrtf, binaural::BinauralOptions{.mode = BinauralMode::Mid}));
      matrices_.emplace_back();
    } else {
      binaural_.push_back(nullptr);
      matrices_.push_back(layout::downmixMatrix(outputLayout_, *to));
    }
    binauralFrames_.push_back(0);
    downmixes_.push_back(std::move(p));
  }
  // The dialogue stem through each downmix's matrix: what a dialogue-gated spec measures on a
  // re-render. Unlimited, as the stem itself is: the limiter only touches peaks.
  const auto dialogue = std::find(plan.stems.begin(), plan.stems.end(), "dialogue");
  if (options_.meterDialogueDownmixes && dialogue != plan.stems.end()) {
    dialogueStem_ = static_cast<std::size_t>(dialogue - plan.stems.begin());
    for (const Programme& p : downmixes_)
      dialogueDownmixMeters_.emplace_back(rate, weightsFor(*p.layout));
  }
  buffers_.resize(parts());
}

const Layout& downmixLayout(const std::string& name) {
  return name == kBinaural ? *findLayout("2.0") : *findLayout(name);
}

std::filesystem::path hrtfPath(const DeliveryOptions& d) {
  return d.hrtf.empty() ? binaural::Hrtf::defaultPath() : d.hrtf;
}

void Delivery::consumePart(const RenderedBlock& b, std::size_t part) {
  if (part == 0) {
    consumeMix(b, buffers_[0]);
  } else {
    consumeStem(b, part - 1, buffers_[part]);
  }
}

void Delivery::consumeStem(const RenderedBlock& b, std::size_t s, Buffers& m) {
  const bool dialogueDownmixes = s == dialogueStem_ && !dialogueDownmixMeters_.empty();
  if (!stems_[s].meter && !stems_[s].writer && !dialogueDownmixes) return;
  m.scaled.resize(static_cast<std::size_t>(outputLayout_.numChannels() * b.stride));
  for (std::size_t k = 0; k < m.scaled.size(); ++k) m.scaled[k] = b.stems[s][k] * gain_;
  stems_[s].deliver(m.scaled, b.stride, b.numFrames);
  if (!dialogueDownmixes) return;
  for (std::size_t d = 0; d < downmixes_.size(); ++d) {
    if (binaural_[d]) continue;  // the dialogue stem is not rendered binaurally on its own
    downmix(d, m.scaled, b.stride, b.numFrames, m);
    dialogueDownmixMeters_[d].addFrames(m.down, b.numFrames, b.numFrames);
  }
}

void Delivery::consumeMix(const RenderedBlock& b, Buffers& m) {
  m.scaled.resize(static_cast<std::size_t>(outputLayout_.numChannels() * b.stride));
  for (std::size_t k = 0; k < m.scaled.size(); ++k) m.scaled[k] = b.mix[k] * gain_;
  if (mix_.limiter) {
    mix_.limiter->process(m.scaled, b.stride, b.numFrames);
    drainMix(m);
  } else {
    deliverMix(m.scaled, b.stride, b.numFrames, m);
  }
}

void Delivery::close() {
  Buffers& m = buffers_[0];
  if (mix_.limiter) {
    mix_.limiter->flush();
    drainMix(m);
  }
  for (std::size_t d = 0; d < downmixes_.size(); ++d) {
    if (binaural_[d]) {
      binaural_[d]->finish();
      deliverBinaural(d, m);
    }
    Programme& p = downmixes_[d];
    if (!p.limiter) continue;
    p.limiter->flush();
    drainDownmix(p, m);
  }
  for (const Programme* p : all()) {
    if (p->writer) p->writer->close();
  }
}

void Delivery::commit() {
  for (const Programme* p : all()) {
    if (p->writer) p->writer->commit();
  }
}

void Delivery::fill(RenderReport& r) const {
  r.mix = loudnessFigures(*mix_.meter);
  r.stems.clear();
  for (const Programme& p : stems_)
    r.stems.push_back({p.name, p.layout->name, p.file, p.meter ? loudnessFigures(*p.meter) : r.mix,
                       std::nullopt});
  r.downmixes.clear();
  for (std::size_t d = 0; d < downmixes_.size(); ++d) {
    const Programme& p = downmixes_[d];
    std::optional<double> dialogue;
    if (!dialogueDownmixMeters_.empty() && !binaural_[d])
      dialogue = dialogueDownmixMeters_[d].integratedLufs();
    r.downmixes.push_back({p.name, p.layout->name, p.file, loudnessFigures(*p.meter), dialogue});
  }
  r.outputs.clear();
  auto output = [&](const char* role, const Programme& p) {
    if (p.writer)
      r.outputs.push_back({role, p.name, p.file, io::outputFormatName(p.format), p.layout->name,
                           p.layout->numChannels()});
  };
  output("mix", mix_);
  for (const Programme& p : stems_) output("stem", p);
  for (const Programme& p : downmixes_) output("downmix", p);
  r.limiterReductionDb = mix_.limiter ? mix_.limiter->maxReductionDb() : 0.0;
  r.clippedSamples = 0;
  for (const Programme* p : all()) {
    if (p->writer) r.clippedSamples += p->writer->clippedSamples();
  }
}

std::vector<const Delivery::Programme*> Delivery::all() const {
  std::vector<const Programme*> out{&mix_};
  for (const Programme& p : stems_) out.push_back(&p);
  for (const Programme& p : downmixes_) out.push_back(&p);
  return out;
}

void Delivery::drainMix(Buffers& m) {
  std::int64_t n = mix_.limiter->take(m.limited);
  if (n > 0) deliverMix(m.limited, n, n, m);
}

void Delivery::deliverMix(std::span<const float> planar, std::int64_t stride, std::int64_t n,
                          Buffers& m) {
  mix_.deliver(planar, stride, n);
  mixFrames_ += n;
  for (std::size_t d = 0; d < downmixes_.size(); ++d) {
    if (binaural_[d]) {
      const auto nc = static_cast<std::size_t>(outputLayout_.numChannels());
      feeds_.resize(nc * static_cast<std::size_t>(n));
      for (std::size_t c = 0; c < nc; ++c)
        std::copy_n(
            planar.begin() + static_cast<std::ptrdiff_t>(c * static_cast<std::size_t>(stride)), n,
            feeds_.begin() + static_cast<std::ptrdiff_t>(c * static_cast<std::size_t>(n)));
      binaural_[d]->process(feeds_, n);
      deliverBinaural(d, m);
      continue;
    }
    downmix(d, planar, stride, n, m);
    deliverDownmix(downmixes_[d], n, m);
  }
}

void Delivery::deliverDownmix(Programme& p, std::int64_t n, Buffers& m) {
  if (p.limiter) {
    p.limiter->process(m.down, n, n);
    drainDownmix(p, m);
  } else {
    p.deliver(m.down, n, n);
  }
}

void Delivery::deliverBinaural(std::size_t d, Buffers& m) {
  binaural::BinauralRenderer& r = *binaural_[d];
  const std::int64_t n = std::min(r.ready(), mixFrames_ - binauralFrames_[d]);
  if (n <= 0) return;
  m.down.resize(static_cast<std::size_t>(2 * n));
  const std::span<float> ears(m.down);
  r.take(n, ears.first(static_cast<std::size_t>(n)), ears.subspan(static_cast<std::size_t>(n)));
  binauralFrames_[d] += n;
  deliverDownmix(downmixes_[d], n, m);
}

void Delivery::downmix(std::size_t d, std::span<const float> planar, std::int64_t stride,
                       std::int64_t n, Buffers& m) const {
  const auto& matrix = matrices_[d];
  const int outCh = downmixes_[d].layout->numChannels();
  m.down.assign(static_cast<std::size_t>(outCh * n), 0.0f);
  for (int o = 0; o < outCh; ++o) {
    for (std::size_t i = 0; i < matrix[o].size(); ++i) {
      const auto g = static_cast<float>(matrix[o][i]);
      if (g == 0.0f) continue;
      for (std::int64_t f = 0; f < n; ++f) m.down[o * n + f] += g * planar[i * stride + f];
    }
  }
}

void Delivery::drainDownmix(Programme& p, Buffers& m) {
  std::int64_t n = p.limiter->take(m.downLimited);
  if (n > 0) p.deliver(m.downLimited, n, n);
}

}  // namespace vkmix::engine
