// `vkmix adm-export`: a session written as an ADM BWF master. The render runs in track-print
// shape (renderer.hpp): every sounding track's own signal, unpanned, and each stem's reverb
// returns in the output layout; those become the file's tracks, and the session's positions,
// beds and stems become its axml and chna.
#include <algorithm>
#include <cmath>
#include <memory>

#include "adm/builder.hpp"
#include "adm/import.hpp"
#include "adm/xml.hpp"
#include "dsp/voices/params.hpp"
#include "engine/renderer.hpp"
#include "io/atomic_file.hpp"
#include "layout/position.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"
#include "wave/bw64.hpp"

namespace vkmix {
namespace {

// Key `b`'s position a fraction f of the way from key `a`'s, as the renderer moves an object
// whose position interpolates (timeline/automation.cpp): Cartesian keys in room coordinates,
// others in azimuth, elevation and distance; sizes, divergence and diffuse in a straight line;
// channelLock and zoneExclusion the end key's.
Position between(const Position& a, const Position& b, double f) {
  auto lerp = [f](double x, double y) { return x + (y - x) * f; };
  Position p = b;
  if (a.cartesian && b.cartesian) {
    p.x = lerp(a.x, b.x);
    p.y = lerp(a.y, b.y);
    p.z = lerp(a.z, b.z);
  } else {
    const layout::Polar pa = a.cartesian ? layout::cartesianToPolar(a.x, a.y, a.z)
                                         : layout::Polar{a.azimuthDeg, a.elevationDeg, a.distance};
    const layout::Polar pb = b.cartesian ? layout::cartesianToPolar(b.x, b.y, b.z)
                                         : layout::Polar{b.azimuthDeg, b.elevationDeg, b.distance};
    p.cartesian = false;
    p.azimuthDeg = lerp(pa.azimuthDeg, pb.azimuthDeg);
    p.elevationDeg = lerp(pa.elevationDeg, pb.elevationDeg);
    p.distance = lerp(pa.distance, pb.distance);
  }
  p.widthDeg = lerp(a.widthDeg, b.widthDeg);
  p.heightDeg = lerp(a.heightDeg, b.heightDeg);
  p.depth = lerp(a.depth, b.depth);
  p.divergence = lerp(a.divergence, b.divergence);
  p.divergenceAzimuthRangeDeg = lerp(a.divergenceAzimuthRangeDeg, b.divergenceAzimuthRangeDeg);
  p.divergencePositionRange = lerp(a.divergencePositionRange, b.divergencePositionRange);
  p.diffuse = lerp(a.diffuse, b.diffuse);
  return p;
}

// How far a move travels, in degrees: along the path it takes (azimuth across at its elevation,
// elevation, sizes; a room coordinate's or a 0..1 parameter's full range as 90).
double travelDegrees(const Position& a, const Position& b) {
  double d = 0.0;
  if (a.cartesian && b.cartesian) {
    d = 90.0 * (std::abs(b.x - a.x) + std::abs(b.y - a.y) + std::abs(b.z - a.z));
  } else {
    const Position pa = between(a, a, 0.0), pb = between(b, b, 0.0);
    const double el = std::max(std::abs(pa.elevationDeg), std::abs(pb.elevationDeg));
    d = std::abs(pb.azimuthDeg - pa.azimuthDeg) *
            std::cos(std::min(el, 90.0) * 3.14159265358979 / 180.0) +
        std::abs(pb.elevationDeg - pa.elevationDeg) + 90.0 * std::abs(pb.distance - pa.distance);
  }
  return d + std::abs(b.widthDeg - a.widthDeg) + std::abs(b.heightDeg - a.heightDeg) +
         90.0 * (std::abs(b.depth - a.depth) + std::abs(b.divergence - a.divergence) +
                 std::abs(b.diffuse - a.diffuse)) +
         std::abs(b.divergenceAzimuthRangeDeg - a.divergenceAzimuthRangeDeg) +
         90.0 * std::abs(b.divergencePositionRange - a.divergencePositionRange);
}

// A track's trajectory as contiguous blocks over [0, end] that the importer turns back into keys
// travelling the same path: a jump key holds the previous position over its segment and jumps at
// its end, which the next block (a hold, or a zero-length jump block before a moving one) starts
// with; a linear key is blocks moving over its duration (jumpPosition 0). A BS.2127 renderer
// interpolates a moving block's gains, not its position, so a move of a track whose position
// interpolates goes in blocks of at most kStepDegrees of travel, each ending on a point of the
// renderer's gain grid (kGridFrames at `rate`): there the imported gains are the session's own,
// and between them they stay within a small step's straight line.
constexpr double kStepDegrees = 1.0;

std::vector<adm::BlockFormat> trajectoryBlocks(const Track& t, double end, int rate) {
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
  const double cell = static_cast<double>(dsp::kGridFrames) / rate;
  add(0.0, keys[0].timeSeconds, keys[0].position, true);
  for (std::size_t k = 1; k < keys.size(); ++k) {
    const double from = keys[k - 1].timeSeconds, to = keys[k].timeSeconds;
    const Position& a = keys[k - 1].position;
    const Position& b = keys[k].position;
    if (keys[k].interpolation == Interpolation::Linear) {
      const bool positions = t.panInterpolation == PanInterpolation::Position;
      const auto steps =
          positions ? std::max(1.0, std::ceil(travelDegrees(a, b) / kStepDegrees)) : 1.0;
      double at = from;
      for (double j = 1.0; j < steps; ++j) {
        // The grid point nearest the step's end, if it lies between the last and the key's.
        const double next = std::round((from + (to - from) * j / steps) / cell) * cell;
        if (next <= at || next >= to) continue;
        add(at, next, between(a, b, (next - from) / (to - from)), false);
        at = next;
      }
      add(at, to, b, false);
    } else {
      add(from, to, a, true);
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
            builder->object(t.name, p.stemIndex, trajectoryBlocks(t, end, session.sampleRate));
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
