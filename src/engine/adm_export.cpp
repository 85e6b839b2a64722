// `vkmix adm-export`: a session written as an ADM BWF master. The render runs in track-print
// shape (renderer.hpp): every sounding track's own signal, unpanned, and each stem's reverb
// returns in the output layout; those become the file's tracks, and the session's positions,
// beds and stems become its axml and chna.
#include <memory>

#include "adm/builder.hpp"
#include "adm/import.hpp"
#include "adm/xml.hpp"
#include "engine/renderer.hpp"
#include "io/atomic_file.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"
#include "wave/bw64.hpp"

namespace vkmix {
namespace {

// A track's trajectory as contiguous blocks over [0, end] that the importer turns back into keys
// travelling the same path: a linear key is a block moving over its whole duration (jumpPosition
// 0); a jump key holds the previous position over its segment and jumps at its end, which the
// next block (a hold, or a zero-length jump block before a moving one) starts with.
std::vector<adm::BlockFormat> trajectoryBlocks(const Track& t, double end) {
  std::vector<adm::BlockFormat> blocks;
  auto add = [&](double from, double to, const Position& p, bool jump) {
    adm::BlockFormat b = adm::blockAt(p);
    b.rtime = from;
    b.duration = to - from;
    b.jumpPosition = jump;
    if (jump) b.interpolationLength = 0.0;
    blocks.push_back(b);
  };
  const auto& keys = t.positionKeys;
  if (keys.empty()) {
    add(0.0, end, t.position, true);
    return blocks;
  }
  add(0.0, keys[0].timeSeconds, keys[0].position, true);
  for (std::size_t k = 1; k < keys.size(); ++k) {
    const double from = keys[k - 1].timeSeconds, to = keys[k].timeSeconds;
    if (keys[k].interpolation == Interpolation::Linear) {
      add(from, to, keys[k].position, false);
    } else {
      add(from, to, keys[k - 1].position, true);
      const bool nextMoves =
          k + 1 < keys.size() && keys[k + 1].interpolation == Interpolation::Linear;
      if (nextMoves) add(to, to, keys[k].position, true);
    }
  }
  add(keys.back().timeSeconds, std::max(end, keys.back().timeSeconds), keys.back().position, true);
  return blocks;
}

}  // namespace

RenderReport exportAdm(const Session& session, const RenderOptions& options,
                       const std::filesystem::path& output, AdmSampleFormat format) {
  if (output.has_parent_path() && !std::filesystem::is_directory(output.parent_path()))
    throw InputError(output.string(), "", "the output folder does not exist");
  io::AtomicFile file(output);
  std::unique_ptr<wave::Bw64Writer> writer;
  std::unique_ptr<adm::DocumentBuilder> builder;
  std::vector<std::vector<int>> columns;  // per print: its channels that become file tracks
  std::vector<float> interleaved;
  RenderReport report = engine::renderBlocks(
      session, options,
      [&](const engine::RenderPlanInfo& plan) {
        builder = std::make_unique<adm::DocumentBuilder>(plan.stemNames);
        const double end = static_cast<double>(plan.numFrames) / session.sampleRate;
        for (const engine::PrintInfo& p : plan.prints) {
          columns.emplace_back();
          for (int c = 0; c < p.channels; ++c) columns.back().push_back(c);
          // Beds go as BS.2094 common packs where their layout has one, so a reader applies
          // BS.2127's mapping rules to them (M+110 played by M+135, ...), as vkmix's own render
          // of the bed does; others as custom packs.
          // True when the bed went out as a BS.2094 common pack (whose channels the file does not
          // define, so no block of it can carry the track's headphoneVirtualise).
          auto bed = [&](const std::string& name, const Layout& layout) {
            if (builder->commonBed(name, layout, p.stemIndex)) return true;
            builder->bed(name, layout, p.stemIndex);
            return false;
          };
          if (p.trackIndex < 0) {
            bed("Reverb returns " + plan.stemNames[static_cast<std::size_t>(p.stemIndex)],
                *plan.layout);
            continue;
          }
          const Track& t = session.tracks[static_cast<std::size_t>(p.trackIndex)];
          if (const std::string written = adm::xmlCharacters(t.name);
              written != t.name && options.warn) {
            options.warn(session.path.string() + ": tracks[" + std::to_string(p.trackIndex) +
                         "].name: characters XML 1.0 cannot carry are written as U+FFFD: \"" +
                         written + "\"");
          }
          if (t.type == TrackType::Bed) {
            if (bed(t.name, *findLayout(t.bedLayout)) && t.binauralMode != BinauralMode::Mid &&
                options.warn) {
              options.warn(session.path.string() + ": tracks[" + std::to_string(p.trackIndex) +
                           "].binauralMode: not carried: the bed goes out as a BS.2094 common "
                           "pack, whose channels ADM cannot annotate (it imports as \"mid\")");
            }
          } else if (t.type == TrackType::Hoa) {
            // Only the channels the clips carry (as the render designs the decoder for them):
            // a mixed-order track is a custom pack of those, so a reader designs the same
            // decoder. A binaural mode other than the default needs blocks to carry it: BS.2094's
            // common channels are not in the file, so such a track goes out as a custom pack too.
            const int acns = (t.hoaOrder + 1) * (t.hoaOrder + 1);
            std::vector<bool> present(static_cast<std::size_t>(acns), false);
            for (const Clip& clip : t.clips) {
              for (int k = 0; k < acns; ++k) {
                const auto ks = static_cast<std::size_t>(k);
                if (clip.channels.empty() || (ks < clip.channels.size() && clip.channels[ks] >= 0))
                  present[ks] = true;
              }
            }
            columns.back().clear();
            for (int k = 0; k < acns; ++k) {
              if (present[static_cast<std::size_t>(k)]) columns.back().push_back(k);
            }
            if (columns.back().empty()) {
              if (options.warn) {
                options.warn(session.path.string() + ": tracks[" + std::to_string(p.trackIndex) +
                             "].clips: no channel present (every channels entry -1): not written");
              }
              continue;
            }
            builder->hoa(t.name, t.hoaOrder, t.hoaNormalization, p.stemIndex, present,
                         t.binauralMode != BinauralMode::Mid);
          } else {
            builder->object(t.name, p.stemIndex, trajectoryBlocks(t, end));
          }
          builder->headphoneVirtualise(adm::headphoneVirtualiseOf(t.binauralMode));
        }
        if (builder->chna().empty())
          throw InputError(session.path.string(), "tracks", "nothing sounds: no ADM to write");
        writer = std::make_unique<wave::Bw64Writer>(
            file.tempPath(), static_cast<int>(builder->chna().size()), session.sampleRate,
            format == AdmSampleFormat::Int24 ? wave::Bw64Sample::Int24 : wave::Bw64Sample::Float32,
            builder->chna());
      },
      [&](const engine::RenderedBlock& b) {
        const auto total = static_cast<std::size_t>(builder->chna().size());
        interleaved.assign(total * static_cast<std::size_t>(b.numFrames), 0.0f);
        std::size_t column = 0;
        for (std::size_t p = 0; p < b.stems.size(); ++p) {
          for (const int c : columns[p]) {
            const float* src = b.stems[p].data() + c * b.stride;
            for (std::int64_t i = 0; i < b.numFrames; ++i)
              interleaved[static_cast<std::size_t>(i) * total + column] = src[i];
            ++column;
          }
        }
        writer->write(interleaved);
      },
      engine::DryShape::TrackPrints);
  writer->finish(adm::writeAdm(builder->document()));
  writer.reset();
  file.commit();
  // The file's channels, in track order: an object's name, or a bed's name and speaker.
  report.channelNames = builder->trackNames();
  return report;
}

}  // namespace vkmix
