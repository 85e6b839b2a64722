// Delivering a render: loudness normalisation (measure pass, then deliver), the true-peak limiter,
// meters on everything delivered, and the writers for the mix, stems and matrix downmixes. Every
// file is closed under its temporary name and renamed into place only when the whole render
// succeeded; a failure leaves nothing behind.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>

#include "core/thread_cpu.hpp"
#include "core/units.hpp"
#include "engine/block_pipeline.hpp"
#include "engine/renderer.hpp"
#include "engine/report.hpp"
#include "io/output_guard.hpp"
#include "io/video_mux.hpp"
#include "io/writer.hpp"
#include "layout/downmix.hpp"
#include "loudness/limiter.hpp"
#include "loudness/meter.hpp"
#include "vkmix/error.hpp"

namespace vkmix {
namespace {

constexpr double kTargetToleranceLu = 0.05;
constexpr int kMaxDeliveryPasses = 4;  // limiting rarely needs more than one correction

std::vector<double> weightsFor(const Layout& layout) {
  std::vector<double> w;
  for (const Speaker& s : layout.speakers)
    w.push_back(loudness::channelWeight(s.azimuthDeg, s.elevationDeg, s.lfe));
  return w;
}

std::string extensionFor(io::OutputFormat f) { return std::string(io::formatInfo(f).extension); }

// One programme being delivered: optional limiter, meter (none: it measures what the mix does),
// optional writer.
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

// The delivery pass: gain, limiting, downmixing, metering and writing of every block.
class Delivery {
 public:
  Delivery(const Session& session, const DeliveryOptions& d, io::OutputFormat format, double gainDb)
      : session_(session),
        options_(d),
        format_(format),
        gain_(static_cast<float>(std::pow(10.0, gainDb / 20.0))) {}

  void open(const engine::RenderPlanInfo& plan) {
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
    for (const auto& [name, file] : options_.downmixes) {
      const Layout* to = findLayout(name);
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
      matrices_.push_back(layout::downmixMatrix(outputLayout_, *to));
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
  }

  void consume(const engine::RenderedBlock& b) {
    const int nc = mix_.layout->numChannels();
    scaled_.resize(static_cast<std::size_t>(nc * b.stride));
    for (std::size_t s = 0; s < stems_.size(); ++s) {
      const bool dialogueDownmixes = s == dialogueStem_ && !dialogueDownmixMeters_.empty();
      if (!stems_[s].meter && !stems_[s].writer && !dialogueDownmixes) continue;
      for (std::size_t k = 0; k < scaled_.size(); ++k) scaled_[k] = b.stems[s][k] * gain_;
      stems_[s].deliver(scaled_, b.stride, b.numFrames);
      if (!dialogueDownmixes) continue;
      for (std::size_t d = 0; d < downmixes_.size(); ++d) {
        downmix(d, scaled_, b.stride, b.numFrames);
        dialogueDownmixMeters_[d].addFrames(down_, b.numFrames, b.numFrames);
      }
    }
    for (std::size_t k = 0; k < scaled_.size(); ++k) scaled_[k] = b.mix[k] * gain_;
    if (mix_.limiter) {
      mix_.limiter->process(scaled_, b.stride, b.numFrames);
      drainMix();
    } else {
      deliverMix(scaled_, b.stride, b.numFrames);
    }
  }

  // Flushes limiters and closes every file under its temporary name.
  void close() {
    if (mix_.limiter) {
      mix_.limiter->flush();
      drainMix();
    }
    for (Programme& p : downmixes_) {
      if (!p.limiter) continue;
      p.limiter->flush();
      drainDownmix(p);
    }
    for (Programme* p : all()) {
      if (p->writer) p->writer->close();
    }
  }

  void commit() {
    for (Programme* p : all()) {
      if (p->writer) p->writer->commit();
    }
  }

  void fill(RenderReport& r) const {
    r.mix = engine::loudnessFigures(*mix_.meter);
    r.stems.clear();
    for (const Programme& p : stems_)
      r.stems.push_back({p.name, p.layout->name, p.file,
                         p.meter ? engine::loudnessFigures(*p.meter) : r.mix, std::nullopt});
    r.downmixes.clear();
    for (std::size_t d = 0; d < downmixes_.size(); ++d) {
      const Programme& p = downmixes_[d];
      std::optional<double> dialogue;
      if (!dialogueDownmixMeters_.empty()) dialogue = dialogueDownmixMeters_[d].integratedLufs();
      r.downmixes.push_back(
          {p.name, p.layout->name, p.file, engine::loudnessFigures(*p.meter), dialogue});
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
    for (const Programme* p : const_cast<Delivery*>(this)->all()) {
      if (p->writer) r.clippedSamples += p->writer->clippedSamples();
    }
  }

  const loudness::LoudnessMeter& mixMeter() const { return *mix_.meter; }

 private:
  std::vector<Programme*> all() {
    std::vector<Programme*> out{&mix_};
    for (Programme& p : stems_) out.push_back(&p);
    for (Programme& p : downmixes_) out.push_back(&p);
    return out;
  }

  void drainMix() {
    std::int64_t n = mix_.limiter->take(limited_);
    if (n > 0) deliverMix(limited_, n, n);
  }

  void deliverMix(std::span<const float> planar, std::int64_t stride, std::int64_t n) {
    mix_.deliver(planar, stride, n);
    for (std::size_t d = 0; d < downmixes_.size(); ++d) {
      Programme& p = downmixes_[d];
      downmix(d, planar, stride, n);
      if (p.limiter) {
        p.limiter->process(down_, n, n);
        drainDownmix(p);
      } else {
        p.deliver(down_, n, n);
      }
    }
  }

  // down_ = downmix d's matrix applied to `n` frames of planar (output layout, `stride` apart).
  void downmix(std::size_t d, std::span<const float> planar, std::int64_t stride, std::int64_t n) {
    const auto& m = matrices_[d];
    const int outCh = downmixes_[d].layout->numChannels();
    down_.assign(static_cast<std::size_t>(outCh * n), 0.0f);
    for (int o = 0; o < outCh; ++o) {
      for (std::size_t i = 0; i < m[o].size(); ++i) {
        const auto g = static_cast<float>(m[o][i]);
        if (g == 0.0f) continue;
        for (std::int64_t f = 0; f < n; ++f) down_[o * n + f] += g * planar[i * stride + f];
      }
    }
  }

  void drainDownmix(Programme& p) {
    std::int64_t n = p.limiter->take(downLimited_);
    if (n > 0) p.deliver(downLimited_, n, n);
  }

  const Session& session_;
  const DeliveryOptions& options_;
  Layout outputLayout_;
  io::OutputFormat format_;
  float gain_;
  Programme mix_;
  std::vector<Programme> stems_;
  std::vector<Programme> downmixes_;
  std::vector<std::vector<std::vector<double>>> matrices_;
  std::size_t dialogueStem_ = SIZE_MAX;                         // with meterDialogueDownmixes
  std::vector<loudness::LoudnessMeter> dialogueDownmixMeters_;  // one per downmix, or none
  std::vector<float> scaled_, limited_, down_, downLimited_;
};

io::OutputFormat resolveFormat(const DeliveryOptions& d) {
  if (d.format.empty()) return io::defaultFormatFor(d.output);
  auto parsed = io::parseOutputFormat(d.format);
  if (!parsed)
    throw InputError(
        "--format", "",
        "\"" + d.format + "\" is not one of " + io::outputFormatNames() + " (see 'vkmix formats')");
  return *parsed;
}

void checkFolder(const std::filesystem::path& file) {
  if (file.has_parent_path() && !std::filesystem::is_directory(file.parent_path())) {
    throw InputError(file.string(), "", "the output folder does not exist");
  }
}

// Pass 1 of normalisation: the integrated loudness of the reference (mix or dialogue stem).
double measureReference(const Session& session, const RenderOptions& options,
                        LoudnessReference ref) {
  std::unique_ptr<loudness::LoudnessMeter> meter;
  std::size_t stem = 0;
  engine::renderBlocks(
      session, options,
      [&](const engine::RenderPlanInfo& plan) {
        meter =
            std::make_unique<loudness::LoudnessMeter>(session.sampleRate, weightsFor(*plan.layout));
        if (ref == LoudnessReference::Dialogue) {
          auto it = std::find(plan.stems.begin(), plan.stems.end(), "dialogue");
          if (it == plan.stems.end()) {
            throw InputError("--loudness-reference", "",
                             "dialogue: the session has no track with stem \"dialogue\"");
          }
          stem = static_cast<std::size_t>(it - plan.stems.begin());
        }
      },
      [&](const engine::RenderedBlock& b) {
        meter->addFrames(ref == LoudnessReference::Dialogue ? b.stems[stem] : b.mix, b.stride,
                         b.numFrames);
      });
  return meter->integratedLufs();
}

}  // namespace

RenderedAudio renderToMemory(const Session& session, const RenderOptions& options) {
  RenderedAudio result;
  std::unique_ptr<loudness::LoudnessMeter> mixMeter;
  std::vector<loudness::LoudnessMeter> stemMeters;
  auto append = [](std::vector<std::vector<float>>& dst, std::span<const float> planar,
                   std::int64_t stride, std::int64_t n) {
    for (std::size_t c = 0; c < dst.size(); ++c) {
      dst[c].insert(dst[c].end(), planar.begin() + static_cast<std::ptrdiff_t>(c * stride),
                    planar.begin() + static_cast<std::ptrdiff_t>(c * stride + n));
    }
  };
  result.report = engine::renderBlocks(
      session, options,
      [&](const engine::RenderPlanInfo& plan) {
        const auto nc = static_cast<std::size_t>(plan.layout->numChannels());
        result.channels.assign(nc, {});
        result.stemNames = plan.stems;
        result.stems.assign(plan.stems.size(), std::vector<std::vector<float>>(nc));
        mixMeter =
            std::make_unique<loudness::LoudnessMeter>(session.sampleRate, weightsFor(*plan.layout));
        for (std::size_t s = 0; s < plan.stems.size(); ++s)
          stemMeters.emplace_back(session.sampleRate, weightsFor(*plan.layout));
      },
      [&](const engine::RenderedBlock& b) {
        append(result.channels, b.mix, b.stride, b.numFrames);
        mixMeter->addFrames(b.mix, b.stride, b.numFrames);
        for (std::size_t s = 0; s < b.stems.size(); ++s) {
          append(result.stems[s], b.stems[s], b.stride, b.numFrames);
          stemMeters[s].addFrames(b.stems[s], b.stride, b.numFrames);
        }
      });
  result.report.mix = engine::loudnessFigures(*mixMeter);
  for (std::size_t s = 0; s < stemMeters.size(); ++s) {
    result.report.stems.push_back({result.stemNames[s],
                                   result.report.layout,
                                   {},
                                   engine::loudnessFigures(stemMeters[s]),
                                   std::nullopt});
  }
  return result;
}

RenderReport renderToFile(const Session& session, const RenderOptions& options,
                          const DeliveryOptions& delivery) {
  const io::OutputFormat format = resolveFormat(delivery);
  const Layout layout = engine::outputLayout(session, options);
  checkFolder(delivery.output);
  for (const auto& [name, file] : delivery.downmixes) {
    const Layout* to = findLayout(name);
    if (to == nullptr) throw InputError("--downmix", name, "unknown layout; see 'vkmix layouts'");
    layout::downmixMatrix(layout, *to);  // throws when there is no path
    checkFolder(file);
    if (delivery.format.empty()) io::defaultFormatFor(file);  // throws for an unknown extension
  }
  // A stems folder this render creates goes again if the render fails (when still empty).
  struct MadeFolder {
    std::filesystem::path path;
    bool keep = false;
    ~MadeFolder() {
      std::error_code ec;
      if (!path.empty() && !keep) std::filesystem::remove(path, ec);
    }
  } madeStems;
  if (!delivery.stemsDir.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(delivery.stemsDir, ec)) {
      std::filesystem::create_directory(delivery.stemsDir, ec);
      if (ec)
        throw InputError(delivery.stemsDir.string(), "--stems",
                         "cannot create the stems folder: " + ec.message());
      madeStems.path = delivery.stemsDir;
    }
  }
  if (delivery.loudnessTargetLufs &&
      !(*delivery.loudnessTargetLufs <= 0.0 && *delivery.loudnessTargetLufs >= -60.0)) {
    throw InputError("--loudness-target", "", "must be within -60..0 LUFS");
  }
  if (!(delivery.truePeakCeilingDbtp <= 0.0 && delivery.truePeakCeilingDbtp >= -20.0)) {
    throw InputError("--true-peak-ceiling", "", "must be within -20..0 dBTP");
  }

  const int measurePasses = delivery.loudnessTargetLufs ? 1 : 0;
  auto passStarted = [&](int pass, const std::string& what) {
    if (options.passStarted) options.passStarted(pass, std::max(pass, measurePasses + 1), what);
  };
  double gainDb = 0.0;
  if (delivery.loudnessTargetLufs) {
    passStarted(1, "measuring");
    const double measured = measureReference(session, options, delivery.reference);
    if (measured <= -70.0)
      throw InputError("--loudness-target", "",
                       "the reference is silent; there is nothing to normalise");
    gainDb = *delivery.loudnessTargetLufs - measured;
  }
  // Limiting lowers the programme's loudness a little; re-deliver with the difference made up.
  for (int attempt = 0;; ++attempt) {
    passStarted(measurePasses + 1 + attempt,
                attempt == 0 ? "delivering" : "delivering (limiter correction)");
    Delivery d(session, delivery, format, gainDb);
    const double cpuStart = accountedCpuSeconds();
    // Metering, limiting and encoding of a block run on their own thread while the next renders.
    engine::BlockPipeline pipeline([&](const engine::RenderedBlock& b) { d.consume(b); });
    RenderReport report = engine::renderBlocks(
        session, options, [&](const engine::RenderPlanInfo& plan) { d.open(plan); },
        [&](const engine::RenderedBlock& b) { pipeline.push(b); });
    pipeline.finish();
    d.close();
    // The delivery thread's CPU, counted as it consumed each block, is in now.
    report.backend.hostCpuSeconds = accountedCpuSeconds() - cpuStart;
    d.fill(report);
    report.normalisationGainDb = gainDb;
    if (delivery.loudnessTargetLufs)
      report.normalisation = Normalisation{*delivery.loudnessTargetLufs, delivery.reference,
                                           delivery.truePeakCeilingDbtp};
    const bool programme = delivery.reference == LoudnessReference::Programme;
    const double miss = delivery.loudnessTargetLufs && programme
                            ? *delivery.loudnessTargetLufs - report.mix.integratedLufs
                            : 0.0;
    if (std::abs(miss) <= kTargetToleranceLu || attempt == kMaxDeliveryPasses - 1) {
      if (std::abs(miss) > kTargetToleranceLu && options.warn) {
        options.warn("loudness target missed by " + std::to_string(miss) + " LU after limiting");
      }
      d.commit();
      madeStems.keep = true;
      return report;
    }
    gainDb += miss;
  }
}

namespace {

// A folder of intermediate files beside the output, removed with everything in it.
class ScratchFolder {
 public:
  explicit ScratchFolder(const std::filesystem::path& beside)
      : path_(beside.parent_path() /
              ("." + beside.filename().string() + ".vkmix-" + io::temporaryOwner())) {
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) throw InputError(beside.string(), "", "cannot create a work folder: " + ec.message());
  }
  ~ScratchFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace

RenderReport renderIntoVideo(const Session& session, const RenderOptions& options,
                             const DeliveryOptions& delivery, const VideoOptions& video) {
  std::optional<io::OutputFormat> codec;
  if (video.codec == "pcm") {
    codec = io::OutputFormat::Wav24;
  } else if (video.codec == "aac") {
    codec = io::OutputFormat::Aac;
  } else if (video.codec == "eac3") {
    codec = io::OutputFormat::Eac3;
  } else if (!video.codec.empty()) {
    throw InputError("--mux-codec", "", "\"" + video.codec + "\" is not one of pcm, aac, eac3");
  }
  checkFolder(delivery.output);
  // The streams to add, checked against the picture and the container before the render.
  const Layout layout = engine::outputLayout(session, options);
  io::MuxSpec spec;
  spec.picture = video.picture;
  spec.output = delivery.output;
  spec.sampleRate = session.sampleRate;
  spec.skipFrames = secondsToFrames(session.pictureStartSeconds, session.sampleRate);
  spec.cancelled = options.cancelled;
  spec.audio.push_back({{}, layout, codec, "Mix " + layout.name, video.language});
  for (const std::string& name : video.downmixes) {
    const Layout* to = findLayout(name);
    if (to == nullptr)
      throw InputError("--mux-downmix", name, "unknown layout; see 'vkmix layouts'");
    spec.audio.push_back({{}, *to, codec, "Downmix " + name, video.language});
  }
  io::checkMux(spec);
  // Render every programme to float WAV in a work folder, then encode them into the picture.
  ScratchFolder work(delivery.output);
  DeliveryOptions d = delivery;
  d.output = work / "mix.wav";
  d.format = "wav32f";
  d.stemsDir = video.stems ? work / "stems" : std::filesystem::path();
  d.downmixes.clear();
  for (const std::string& name : video.downmixes)
    d.downmixes.emplace_back(name, work / (name + ".wav"));
  RenderReport report = renderToFile(session, options, d);
  spec.audio[0].source = d.output;
  for (std::size_t k = 0; k < video.downmixes.size(); ++k)
    spec.audio[1 + k].source = work / (video.downmixes[k] + ".wav");
  if (video.stems) {  // after the mix, before the downmixes
    std::vector<io::MuxAudio> stems;
    for (const NamedLoudness& stem : report.stems)
      stems.push_back({stem.file, layout, codec, "Stem " + stem.name, video.language});
    spec.audio.insert(spec.audio.begin() + 1, stems.begin(), stems.end());
  }
  const io::MuxReport muxed = io::muxIntoVideo(spec);
  for (NamedLoudness& stem : report.stems) stem.file = video.stems ? delivery.output : "";
  for (NamedLoudness& down : report.downmixes) down.file = delivery.output;
  // One file now: its container and the codec of the mix's stream, as --mux-codec names it.
  std::string container = delivery.output.extension().string();
  std::transform(container.begin(), container.end(), container.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const io::OutputFormat mixCodec = muxed.audioCodecs.at(0);
  report.outputs = {{"video", "mix", delivery.output,
                     container.substr(container.empty() ? 0 : 1) + "/" +
                         (mixCodec == io::OutputFormat::Wav24 ? std::string("pcm")
                                                              : io::outputFormatName(mixCodec)),
                     layout.name, layout.numChannels()}};
  return report;
}

}  // namespace vkmix
