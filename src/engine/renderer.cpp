#include "engine/renderer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "backend/backend.hpp"
#include "backend/stage_clock.hpp"
#include "core/assert.hpp"
#include "core/thread_cpu.hpp"
#include "core/units.hpp"
#include "engine/automation.hpp"
#include "engine/block_fill.hpp"
#include "engine/decode_ahead.hpp"
#include "engine/denoise_stage.hpp"
#include "engine/finite_check.hpp"
#include "engine/planar_fifo.hpp"
#include "engine/reverb_plan.hpp"
#include "engine/voice_plan.hpp"
#include "layout/layout_file.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

constexpr std::int64_t kMaxBlockFrames = 1 << 20;

// The most voices sounding at once.
int peakVoices(const std::vector<PlannedVoice>& voices) {
  std::vector<std::pair<std::int64_t, int>> edges;  // (frame, +1 start / -1 end)
  for (const PlannedVoice& v : voices) {
    edges.emplace_back(v.startFrame, 1);
    edges.emplace_back(v.endFrame(), -1);
  }
  std::sort(edges.begin(), edges.end());  // at equal frames ends (-1) come first
  int sounding = 0, most = 0;
  for (const auto& [frame, delta] : edges) most = std::max(most, sounding += delta);
  return most;
}

// The block size for blockFrames = 0: 8192 frames, halved (down to 1024) while the block's
// samples, voices x frames x 4 bytes, pass 16 MiB (512 voices x 8192). Each block costs a
// read call per voice, a submission and a wait per mix and a meter pass, so longer blocks are
// cheaper until their samples fall out of cache. On the 2-core lavapipe host (2026-11-30):
// 256 voices 0.95-1.04 s at 8192 against 1.00-1.13 s at 4096, 1024 voices 1.45 s at 8192,
// 1.52-1.59 s at 4096, 1.60-1.68 s at 1024 and 1.81-1.86 s at 2048 (6 KiB reads, too large for
// the PCM reader's window).
std::int64_t autoBlockFrames(int peakVoices) {
  std::int64_t frames = 8192;
  while (frames > 1024 && static_cast<std::int64_t>(peakVoices) * frames > 512 * 8192) frames /= 2;
  return frames;
}

}  // namespace

Layout outputLayout(const Session& session, const RenderOptions& options) {
  if (options.layout.empty())
    return layout::resolveLayout(session.layout, session.path.string(), "layout");
  return layout::resolveLayout(options.layout, "--layout", "");
}

RenderReport renderBlocks(const Session& session, const RenderOptions& options,
                          const std::function<void(const RenderPlanInfo&)>& onPlan,
                          const BlockSink& sink, DryShape shape) {
  const auto wallStart = std::chrono::steady_clock::now();
  restartThreadCpu();
  const double loopCpuStart = threadCpuSeconds();
  const double hostCpuStart = accountedCpuSeconds();
  const Layout output = outputLayout(session, options);
  if (options.blockFrames < 0 || options.blockFrames > kMaxBlockFrames) {
    throw InputError("--block", "",
                     "must be within 1.." + std::to_string(kMaxBlockFrames) +
                         " frames (0: chosen from the session)");
  }
  if (options.tailSeconds && !(*options.tailSeconds >= 0.0 && *options.tailSeconds <= 600.0)) {
    throw InputError("--tail", "", "must be within 0..600 seconds");
  }
  // The device comes up (instance, drivers, and on lavapipe LLVM: a tenth of a second) while the
  // session is planned. A planning error is reported first; the device's own error when the
  // render needs it.
  const int nc = output.numChannels();
  backend::DeviceStart device(options.device, options.validation, nc);
  const int rate = session.sampleRate;
  layout::ObjectPanner panner(output);
  // Planning and set-up can take seconds (media probed, compressed files counted, IRs decoded
  // and transformed): Ctrl-C is heard between their steps too, not only between blocks.
  auto pollCancel = [&options] {
    if (options.cancelled && options.cancelled()) throw Interrupted("render interrupted");
  };
  FrameCounter counter(rate, options.allowShortMedia, options.warn, options.cancelled);
  VoicePlan plan = planVoices(session, output, panner, counter, options.warn);
  pollCancel();
  const int mostVoices = peakVoices(plan.voices);
  const std::int64_t blockFrames =
      options.blockFrames > 0 ? options.blockFrames : autoBlockFrames(mostVoices);
  const std::vector<DenoisedTrack> denoised = planDenoise(session, plan);
  // Clip media streams in as voices start and goes when their clip ends (bounded memory).
  std::map<int, std::unique_ptr<SampleSource>> sources;
  ReverbPlan reverbs = planReverbs(session, output, panner, plan, options.tailSeconds, counter);
  pollCancel();
  const std::int64_t endFrame = plan.endFrame + reverbs.tailFrames;

  // Dry groups: the stems, each nc wide; or, for track prints, one group per sounding track and
  // one per stem whose reverb returns need somewhere to go.
  const bool prints = shape == DryShape::TrackPrints;
  RenderPlanInfo info{&output, {}, plan.stems, {}, endFrame};
  std::vector<int> groupChannels;
  std::vector<int> trackGroup(session.tracks.size(), -1);
  std::vector<int> returnGroup(plan.stems.size(), -1);  // where stem s's reverb returns go
  if (!prints) {
    info.stems = plan.stems;
    groupChannels.assign(plan.stems.size(), nc);
    for (std::size_t s = 0; s < plan.stems.size(); ++s) returnGroup[s] = static_cast<int>(s);
  } else {
    for (const PlannedVoice& v : plan.voices) {
      int& g = trackGroup[static_cast<std::size_t>(v.trackIndex)];
      if (g >= 0) continue;
      const Track& t = session.tracks[static_cast<std::size_t>(v.trackIndex)];
      g = static_cast<int>(groupChannels.size());
      groupChannels.push_back(t.type == TrackType::Bed ? findLayout(t.bedLayout)->numChannels()
                                                       : 1);
      info.stems.push_back(t.name);
      info.prints.push_back(PrintInfo{v.trackIndex, v.stemIndex, groupChannels.back()});
    }
    for (const ReverbInstance& inst : reverbs.instances) {
      int& g = returnGroup[static_cast<std::size_t>(inst.stem)];
      if (g >= 0) continue;
      g = static_cast<int>(groupChannels.size());
      groupChannels.push_back(nc);
      info.stems.push_back("reverb returns " + plan.stems[static_cast<std::size_t>(inst.stem)]);
      info.prints.push_back(PrintInfo{-1, inst.stem, nc});
    }
  }
  const std::size_t numStems = groupChannels.size();
  if (onPlan) onPlan(info);

  // The first block's clip files open while the device is still coming up.
  ClipSourcePool clipSources(plan.clips, rate);
  for (const PlannedVoice& v : plan.voices) {
    const PlannedClip& c = plan.clips[static_cast<std::size_t>(v.clipIndex)];
    if (v.startFrame < std::min(blockFrames, endFrame) && c.denoised < 0 &&
        !sources.contains(v.clipIndex))
      sources.emplace(v.clipIndex, clipSources.open(v.clipIndex));
  }
  pollCancel();
  backend::BackendSetup setup{
      .groupChannels = groupChannels, .buses = {}, .instanceBus = {}, .denoised = {}};
  for (const ReverbBus& bus : reverbs.buses) setup.buses.push_back(&bus.spec);
  for (const ReverbInstance& inst : reverbs.instances) setup.instanceBus.push_back(inst.bus);
  for (const DenoisedTrack& t : denoised) setup.denoised.push_back(&t.spec);
  const std::unique_ptr<backend::Backend> backendPtr = device.make(setup);
  backend::Backend& backend = *backendPtr;
  pollCancel();
  RenderReport report;
  for (std::size_t b = 0; b < reverbs.buses.size(); ++b) {
    const ReverbBus& bus = reverbs.buses[b];
    report.reverbs.push_back(
        ReverbReport{.name = session.reverbs[b].name,
                     .irChannels = static_cast<int>(bus.spec.irs.size()),
                     .irSeconds = static_cast<double>(bus.spec.maxIrFrames()) / rate,
                     .tailSeconds = static_cast<double>(bus.tailFrames) / rate,
                     .convolvers = static_cast<int>(std::count_if(
                         reverbs.instances.begin(), reverbs.instances.end(),
                         [b](const ReverbInstance& i) { return i.bus == static_cast<int>(b); })),
                     .partitionFrames = bus.spec.partitionFrames});
  }
  report.tailSeconds = static_cast<double>(reverbs.tailFrames) / rate;
  // The convolvers keep the IRs' spectra; the samples (16 channels x 6 s: 18 MB) go.
  for (ReverbBus& bus : reverbs.buses) std::vector<std::vector<float>>().swap(bus.spec.irs);
  report.device = backend.deviceName();
  report.layout = output.name;
  for (const Speaker& s : output.speakers) report.channelNames.push_back(s.name);
  report.sampleRate = rate;
  report.numFrames = endFrame;
  report.durationSeconds = static_cast<double>(endFrame) / rate;
  report.numVoices = static_cast<int>(plan.voices.size());
  report.peakVoices = mostVoices;
  report.blockFrames = blockFrames;

  // Stems: the planned gains (objects: the panner; beds: the routing) times gain automation.
  // Prints: the voice's own channel of its track's print times gain automation.
  auto groupOf = [&, prints](const PlannedVoice& v) {
    return prints ? trackGroup[static_cast<std::size_t>(v.trackIndex)] : v.stemIndex;
  };
  const auto printChannel = [](const PlannedVoice& v) {
    return static_cast<std::size_t>(std::max(v.bedChannel, 0));
  };
  std::vector<Routing> stemRouting(numStems);
  for (std::size_t s = 0; s < numStems; ++s) {
    stemRouting[s] = Routing{
        .includes = [s,
                     groupOf](const PlannedVoice& v) { return groupOf(v) == static_cast<int>(s); },
        .envelopeGain = [](const PlannedVoice& v) { return v.gainLinear; },
        .automated = [](const PlannedVoice& v) { return v.moving; },
        .staticGains =
            [prints, printChannel](const PlannedVoice& v, auto& g) {
              if (!prints) {
                g = v.gains;
                return;
              }
              g.fill(0.0f);
              g[printChannel(v)] = 1.0f;
            },
        .gainsAt =
            [&, prints, printChannel](const PlannedVoice& v, double t, std::vector<double>& g) {
              const Track& track = session.tracks[v.trackIndex];
              if (prints) {
                std::fill(g.begin(), g.end(), 0.0);
                g[printChannel(v)] = 1.0;
              } else if (v.bedChannel < 0) {
                const ObjectState st = objectStateAt(track, t);
                panner.gains(st.position, st.shape, g);
              } else {
                std::copy(v.gains.begin(), v.gains.begin() + static_cast<std::ptrdiff_t>(g.size()),
                          g.begin());
              }
              const double gain = dbToLinear(automationGainDbAt(track, t));
              for (double& x : g) x *= gain;
            }};
  }
  // Reverb sends: a mono bus input gets the send level; a true-stereo one the voice panned
  // between L and R (the BS.2127 stereo panner) times the level. Post-fader sends follow the
  // track's gain and automation; pre-fader ones only the clip gain and fades.
  const Layout& stereo = *findLayout("2.0");
  layout::ObjectPanner stereoPanner(stereo);
  std::vector<Routing> sendRouting;
  for (const ReverbInstance& inst : reverbs.instances) {
    const std::string busName = session.reverbs[inst.bus].name;
    const bool trueStereo = reverbs.buses[inst.bus].shape == BusShape::TrueStereo;
    auto sendOf = [&session, busName](const PlannedVoice& v) -> const Send* {
      for (const Send& s : session.tracks[v.trackIndex].sends) {
        if (s.reverb == busName) return &s;
      }
      return nullptr;
    };
    auto busGains = [&, sendOf, trueStereo](const PlannedVoice& v, double t, std::vector<double>& g,
                                            bool automation) {
      const Send* send = sendOf(v);
      const Track& track = session.tracks[v.trackIndex];
      double level = dbToLinear(send->levelDb);
      if (automation && !send->preFader) level *= dbToLinear(automationGainDbAt(track, t));
      if (!trueStereo) {
        g[0] = level;
        return;
      }
      std::vector<double> lr(2);
      if (v.bedChannel < 0) {
        stereoPanner.pointGains(objectStateAt(track, t).position, lr);
      } else {
        const Speaker& sp = findLayout(track.bedLayout)->speakers[v.bedChannel];
        stereoPanner.pointGains({sp.azimuthDeg, 0.0, 1.0}, lr);
      }
      g[0] = lr[0] * level;
      g[1] = lr[1] * level;
    };
    sendRouting.push_back(
        Routing{.includes =
                    [stem = inst.stem, sendOf](const PlannedVoice& v) {
                      return v.stemIndex == stem && sendOf(v) != nullptr;
                    },
                .envelopeGain =
                    [sendOf](const PlannedVoice& v) {
                      return sendOf(v)->preFader ? v.clipGainLinear : v.gainLinear;
                    },
                .automated =
                    [&session, sendOf, trueStereo](const PlannedVoice& v) {
                      const Track& t = session.tracks[v.trackIndex];
                      return (!sendOf(v)->preFader && !t.gainKeys.empty()) ||
                             (trueStereo && t.positionKeys.size() > 1);
                    },
                .staticGains =
                    [busGains](const PlannedVoice& v, auto& g) {
                      std::vector<double> d(2, 0.0);
                      busGains(v, 0.0, d, false);
                      g[0] = static_cast<float>(d[0]);
                      g[1] = static_cast<float>(d[1]);
                    },
                .gainsAt = [busGains](const PlannedVoice& v, double t,
                                      std::vector<double>& g) { busGains(v, t, g, true); }});
  }

  // Dry stems wait in FIFOs until every reverb instance has returned the same frames: the wet
  // signal stays sample-aligned with the dry one whatever the partition size.
  std::vector<PlanarFifo> dry;
  for (int channels : groupChannels) dry.emplace_back(channels);
  std::vector<PlanarFifo> sendIn, returns;
  for (const ReverbInstance& inst : reverbs.instances) {
    sendIn.emplace_back(reverbs.buses[inst.bus].spec.numInputs);
    returns.emplace_back(nc);
  }
  std::int64_t emitted = 0;
  const std::string sessionFile = session.path.string();
  std::vector<float> mixOut, convIn, convOut;
  std::vector<std::vector<float>> stemOut(numStems);
  RenderedBlock rendered;
  // A convolver takes a batch of partitions per call; the frames past the send's end are zeros,
  // and what they give is not returned.
  auto runPartitions = [&](std::size_t k, bool flush) {
    const ReverbBus& bus = reverbs.buses[reverbs.instances[k].bus];
    const std::int64_t span = bus.spec.partitionFrames * backend.convolverBatch(k);
    const auto outs = static_cast<std::int64_t>(bus.spec.outputs.size());
    while (sendIn[k].frames() >= span || (flush && sendIn[k].frames() > 0)) {
      convIn.assign(static_cast<std::size_t>(bus.spec.numInputs * span), 0.0f);
      const std::int64_t take = std::min(span, sendIn[k].frames());
      sendIn[k].read(convIn, span, take);
      sendIn[k].consume(take);
      convOut.resize(static_cast<std::size_t>(outs * span));  // convolve() writes every sample
      requireWithinFftRange(
          convIn,
          "the send to reverb \"" +
              session.reverbs[static_cast<std::size_t>(reverbs.instances[k].bus)].name + "\"",
          sessionFile);
      backend.convolve(k, convIn, convOut);
      requireFinite(convOut, static_cast<int>(outs), span, take,
                    "reverb \"" +
                        session.reverbs[static_cast<std::size_t>(reverbs.instances[k].bus)].name +
                        "\"",
                    emitted + returns[k].frames(), rate, sessionFile);
      // The returns: each output times its speaker gains, summed into silence in the FIFO.
      returns[k].appendSilence(take);
      for (std::int64_t o = 0; o < outs; ++o) {
        for (int c = 0; c < nc; ++c) {
          const float g = bus.returnGains[o][c];
          if (g == 0.0f) continue;
          float* to = returns[k].lastFrames(c, take);
          const float* from = convOut.data() + o * span;
          if (bus.returnShift == 0) {
            for (std::int64_t i = 0; i < take; ++i) to[i] += g * from[i];
          } else {
            for (std::int64_t i = 0; i < take; ++i)
              to[i] += std::ldexp(g * from[i], bus.returnShift);
          }
        }
      }
    }
  };
  // Hands the stems in stemOut (`frames` of them, `stride` apart) and their mix to the sink.
  auto handOn = [&](std::int64_t frames, std::int64_t stride) {
    mixOut.assign(prints ? 0 : static_cast<std::size_t>(nc * stride), 0.0f);
    rendered.stems.clear();
    for (std::size_t s = 0; s < numStems; ++s) {
      // The mix is the sum of the stems in stem order, so stems sum to it exactly.
      for (std::size_t i = 0; i < mixOut.size(); ++i) mixOut[i] += stemOut[s][i];
      rendered.stems.emplace_back(stemOut[s]);
    }
    // One check of what is delivered, on both paths (with and without reverbs): the mix, whose
    // overflow any stem's would become; prints have no mix, so each print is checked.
    if (!prints) {
      requireFinite(mixOut, nc, stride, frames, "the mix (the sum of the stems)", emitted, rate,
                    sessionFile);
    } else {
      for (std::size_t s = 0; s < numStems; ++s)
        requireFinite(stemOut[s], groupChannels[s], stride, frames,
                      "the print of \"" + info.stems[s] + "\"", emitted, rate, sessionFile);
    }
    rendered.mix = mixOut;
    rendered.stride = stride;
    rendered.numFrames = frames;
    sink(rendered);
    emitted += frames;
  };
  // Hands on what every FIFO holds, a block at a time at most: a reverb returns a whole
  // partition (up to 131072 frames) at once, and block-sized pieces keep the stems, the mix and
  // the delivery's queue small (16 channels: 0.5 MB a block, not 8 MB).
  auto emit = [&] {
    std::int64_t ready = dry.empty() ? 0 : dry[0].frames();
    for (const PlanarFifo& r : returns) ready = std::min(ready, r.frames());
    while (ready > 0) {
      const std::int64_t n = std::min(ready, blockFrames);
      const std::int64_t stride = (n + 3) / 4 * 4;
      for (std::size_t s = 0; s < numStems; ++s) {
        stemOut[s].assign(static_cast<std::size_t>(groupChannels[s] * stride), 0.0f);
        dry[s].read(stemOut[s], stride, n);
        dry[s].consume(n);
        for (std::size_t k = 0; k < reverbs.instances.size(); ++k) {
          if (returnGroup[static_cast<std::size_t>(reverbs.instances[k].stem)] ==
              static_cast<int>(s))
            returns[k].addTo(stemOut[s], stride, n);
        }
      }
      for (std::size_t k = 0; k < returns.size(); ++k) returns[k].consume(n);
      handOn(n, stride);
      ready -= n;
    }
  };

  // A clip's file streams through a ClipSource; a denoised track's signal through a
  // DenoiseSource that premixes and denoises its clips on the backend.
  auto openSource = [&](int clipIndex) -> std::unique_ptr<SampleSource> {
    const PlannedClip& c = plan.clips[static_cast<std::size_t>(clipIndex)];
    if (c.denoised < 0) return clipSources.open(clipIndex);
    const auto k = static_cast<std::size_t>(c.denoised);
    return std::make_unique<DenoiseSource>(
        denoised[k], plan.clips, rate,
        [&backend, k](const dsp::MixBlock& b, std::span<float> o) { backend.premix(k, b, o); },
        [&backend, k, &session, &sessionFile, &denoised](std::span<const float> i,
                                                         std::span<float> o) {
          requireWithinFftRange(
              i,
              "the denoiser's input on track \"" +
                  session.tracks[static_cast<std::size_t>(denoised[k].trackIndex)].name + "\"",
              sessionFile);
          backend.denoise(k, i, o);
        });
  };
  dsp::MixBlock block;
  std::vector<float> out;
  std::vector<std::size_t> active;
  // Mixer m's channels and the FIFO its output joins: the dry groups, then the reverb sends.
  std::vector<int> mixerChannels = groupChannels;
  for (const ReverbInstance& inst : reverbs.instances)
    mixerChannels.push_back(reverbs.buses[inst.bus].spec.numInputs);
  const std::size_t numMixers = mixerChannels.size();
  std::vector<const Routing*> mixerRouting;
  for (const Routing& r : stemRouting) mixerRouting.push_back(&r);
  for (const Routing& r : sendRouting) mixerRouting.push_back(&r);
  std::vector<RowMemory> mixerRows;
  for (std::size_t m = 0; m < numMixers; ++m) mixerRows.push_back(backend.rowMemory(m));
  // Block k's mixes are started before block k - (kInFlight - 1)'s are collected, so reading and
  // uploading one block overlaps the device mixing those before. Collection keeps the mixers'
  // order, so the FIFOs, the reverbs and the delivery see exactly what a block-at-a-time loop gives
  // them.
  struct Started {
    std::int64_t n = 0, stride = 0;
    std::vector<char> dispatched;  // per mixer: false for a silent mix (no dispatch, zeros)
  };
  std::deque<Started> started;
  // Declared after `sources`, so they are destroyed first: a batch in flight finishes before
  // the sources it decodes go, and so does a block's reading.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  DecodeAhead decodeAhead(options.decodeThreads >= 0 ? options.decodeThreads
                                                     : std::clamp(cores - 2, 0, 4));
  std::vector<DecodeAhead::Job> ahead;
  ParallelFor readers(options.readThreads >= 0 ? options.readThreads
                      : cores >= 4             ? std::min(8, cores - 2)
                                               : 0);
  // With no reverb to wait for, each stem's mix goes from the device straight into the block
  // the delivery gets: what the FIFOs would hand on, without their two copies.
  auto collectDirect = [&](const Started& b) {
    const auto n = static_cast<std::size_t>(b.n), stride = static_cast<std::size_t>(b.stride);
    for (std::size_t s = 0; s < numStems; ++s) {
      const auto channels = static_cast<std::size_t>(groupChannels[s]);
      stemOut[s].resize(channels * stride);
      if (b.dispatched[s]) {
        backend.finishMix(s, stemOut[s]);
        for (std::size_t c = 0; c < channels; ++c)  // frames past n: zeros, as a FIFO gives
          std::fill_n(stemOut[s].begin() + static_cast<std::ptrdiff_t>(c * stride + n), stride - n,
                      0.0f);
      } else {
        std::fill(stemOut[s].begin(), stemOut[s].end(), 0.0f);
      }
    }
    handOn(b.n, b.stride);
  };
  auto collect = [&](const Started& b) {
    if (reverbs.instances.empty()) {
      collectDirect(b);
      if (options.progress)
        options.progress(static_cast<double>(emitted) / rate, report.durationSeconds);
      return;
    }
    for (std::size_t m = 0; m < numMixers; ++m) {
      // A finished mix overwrites every sample; a silent one is zeros.
      out.resize(static_cast<std::size_t>(mixerChannels[m] * b.stride));
      if (b.dispatched[m]) {
        backend.finishMix(m, out);
      } else {
        std::fill(out.begin(), out.end(), 0.0f);
      }
      if (m < numStems) {
        dry[m].append(out, b.stride, b.n);
      } else {
        sendIn[m - numStems].append(out, b.stride, b.n);
        runPartitions(m - numStems, false);
      }
    }
    emit();
    if (options.progress)
      options.progress(static_cast<double>(emitted) / rate, report.durationSeconds);
  };
  double readSeconds = 0.0;
  std::int64_t chunks = 0;
  for (std::int64_t start = 0; start < endFrame; start += blockFrames, ++chunks) {
    if (options.cancelled && options.cancelled()) throw Interrupted("render interrupted");
    Started now;
    now.n = std::min(blockFrames, endFrame - start);
    now.stride = (now.n + 3) / 4 * 4;
    decodeAhead.finish();
    gatherActive(plan.voices, start, now.n, active, sources, openSource);
    now.dispatched.assign(numMixers, 0);
    for (std::size_t m = 0; m < numMixers; ++m) {
      const Routing& routing = *mixerRouting[m];
      if (std::none_of(active.begin(), active.end(),
                       [&](std::size_t v) { return routing.includes(plan.voices[v]); }))
        continue;  // a silent mix costs no dispatch
      {
        const backend::StageClock clock(readSeconds);
        fillBlock(block, plan.voices, active, routing, sources, mixerChannels[m], rate, start,
                  now.n, mixerRows[m], &readers);
      }
      backend.submitMix(m, block);
      now.dispatched[m] = 1;
    }
    closeFinished(sources, plan.clips, start + now.n);
    // The open clips' next block decodes while the device mixes this one and the loop collects
    // the one before.
    if (decodeAhead.enabled()) {
      const std::int64_t aheadTo = std::min(endFrame, start + now.n + blockFrames);
      ahead.clear();
      for (const auto& [clip, source] : sources)
        ahead.emplace_back(source.get(),
                           aheadTo - plan.clips[static_cast<std::size_t>(clip)].startFrame);
      decodeAhead.start(std::move(ahead));
    }
    started.push_back(std::move(now));
    if (started.size() >= static_cast<std::size_t>(backend::Backend::kInFlight)) {
      collect(started.front());
      started.pop_front();
    }
  }
  for (; !started.empty(); started.pop_front()) collect(started.front());
  for (std::size_t k = 0; k < reverbs.instances.size(); ++k) runPartitions(k, true);
  emit();
  VKMIX_ASSERT(emitted == endFrame, "every rendered frame must be delivered");
  if (options.progress) options.progress(report.durationSeconds, report.durationSeconds);
  report.validationErrors = backend.validationErrors();
  backend.fill(report.backend);
  report.backend.chunkFrames = blockFrames;
  report.backend.chunks = chunks;
  report.backend.stageSeconds["read"] += readSeconds;
  accountThreadCpu();
  report.backend.loopCpuSeconds = threadCpuSeconds() - loopCpuStart;
  report.backend.hostCpuSeconds = accountedCpuSeconds() - hostCpuStart;
  report.wallSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  return report;
}

}  // namespace vkmix::engine
