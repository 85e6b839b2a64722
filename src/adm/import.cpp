#include "adm/import.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>

#include "adm/direct_speakers.hpp"
#include "adm/hoa.hpp"
#include "adm/matrix.hpp"
#include "adm/screen.hpp"
#include "adm/timing.hpp"
#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::adm {

Position positionOf(const BlockFormat& b) {
  Position p;
  p.cartesian = b.cartesian;
  p.azimuthDeg = b.azimuth;
  p.elevationDeg = b.elevation;
  p.distance = b.distance;
  p.x = b.x;
  p.y = b.y;
  p.z = b.z;
  p.widthDeg = b.width;
  p.heightDeg = b.height;
  p.depth = b.depth;
  p.divergence = b.divergence;
  p.divergenceAzimuthRangeDeg = b.divergenceAzimuthRange;
  // BS.2127 (the reference renderer's diverge()) reads positionRange only on Cartesian blocks;
  // a polar block diverges by azimuthRange alone, so its positionRange renders as nothing.
  p.divergencePositionRange = b.cartesian ? b.divergencePositionRange : 0.0;
  p.channelLock = b.channelLock;
  p.channelLockMaxDistance = b.channelLockMaxDistance;
  p.zoneExclusion = b.zoneExclusion;
  p.diffuse = b.diffuse;
  return p;
}

BlockFormat blockAt(const Position& p) {
  BlockFormat b;
  b.cartesian = p.cartesian;
  b.azimuth = p.azimuthDeg;
  b.elevation = p.elevationDeg;
  b.distance = p.distance;
  b.x = p.x;
  b.y = p.y;
  b.z = p.z;
  b.width = p.widthDeg;
  b.height = p.heightDeg;
  b.depth = p.depth;
  b.divergence = p.divergence;
  b.divergenceAzimuthRange = p.divergenceAzimuthRangeDeg;
  b.divergencePositionRange = p.divergencePositionRange;
  b.channelLock = p.channelLock;
  b.channelLockMaxDistance = p.channelLockMaxDistance;
  b.zoneExclusion = p.zoneExclusion;
  b.diffuse = p.diffuse;
  return b;
}

namespace {

// The DRR each mode's room gives (binaural::roomFor; near has no room: BS.2076-2's default).
constexpr double kNearDrrDb = 130.0, kMidDrrDb = 9.0, kFarDrrDb = 0.0;

}  // namespace

HeadphoneVirtualise headphoneVirtualiseOf(BinauralMode mode) {
  switch (mode) {
    case BinauralMode::Off:
      return {.bypass = true, .drrDb = kNearDrrDb};
    case BinauralMode::Near:
      return {.bypass = false, .drrDb = kNearDrrDb};
    case BinauralMode::Mid:
      return {.bypass = false, .drrDb = kMidDrrDb};
    case BinauralMode::Far:
      return {.bypass = false, .drrDb = kFarDrrDb};
  }
  return {};
}

BinauralMode binauralModeOf(const HeadphoneVirtualise& h) {
  if (h.bypass) return BinauralMode::Off;
  if (h.drrDb >= (kNearDrrDb + kMidDrrDb) / 2) return BinauralMode::Near;
  if (h.drrDb >= (kMidDrrDb + kFarDrrDb) / 2) return BinauralMode::Mid;
  return BinauralMode::Far;
}

std::string normaliseSpeakerLabel(const std::string& label) {
  std::string l = label;
  const std::string urn = "urn:itu:bs:2051:";
  if (l.rfind(urn, 0) == 0) {
    const std::size_t speaker = l.find(":speaker:");
    if (speaker == std::string::npos) return "";
    l = l.substr(speaker + 9);
  }
  // Dolby's profile prefixes its own channel names ("RC_L", "RC_Lss"): not BS.2051 labels, so
  // such a speaker is placed by its position, as BS.2127 places any label it does not know; its
  // LFE is still the LFE.
  if (l.rfind("RC_", 0) == 0) return l == "RC_LFE" ? "LFE1" : "";
  if (l == "LFE" || l == "LFE1" || l == "LFEL") return "LFE1";
  if (l == "LFE2" || l == "LFER") return "LFE2";
  for (const Layout& layout : builtinLayouts()) {
    if (layout.indexOfLabel(l)) return l;
  }
  // Any other well-formed BS.2051 label (M+060, B-045, T+000, ...).
  if (l.size() == 5 && (l[0] == 'M' || l[0] == 'U' || l[0] == 'B' || l[0] == 'T') &&
      (l[1] == '+' || l[1] == '-') && l.find_first_not_of("0123456789", 2) == std::string::npos)
    return l;
  return "";
}

namespace {

double linearToDb(double g) { return g <= 1e-10 ? -200.0 : 20.0 * std::log10(g); }

// A track's binauralMode from its blocks' headphoneVirtualise: the first block's that has one (a
// track has one mode; blocks that ask for another are named in a warning); none: the default.
BinauralMode binauralModeOfBlocks(const std::vector<BlockFormat>& blocks,
                                  const std::function<void(const std::string&)>& say) {
  const BlockFormat* first = nullptr;
  for (const BlockFormat& b : blocks) {
    if (!b.headphoneVirtualise) continue;
    if (first == nullptr) {
      first = &b;
    } else if (binauralModeOf(*b.headphoneVirtualise) !=
               binauralModeOf(*first->headphoneVirtualise)) {
      say("audioBlockFormat " + b.id + ": headphoneVirtualise asks for binauralMode \"" +
          binauralModeName(binauralModeOf(*b.headphoneVirtualise)) +
          "\"; a track has one mode: the first block's, \"" +
          binauralModeName(binauralModeOf(*first->headphoneVirtualise)) + "\", is used");
    }
  }
  return first != nullptr ? binauralModeOf(*first->headphoneVirtualise) : BinauralMode::Mid;
}

// A data chunk that declares more bytes than the file holds (not a streaming writer's "unknown
// size" marker): the file was cut short, and whatever chunks followed the audio were lost.
std::string truncation(const wave::Bw64Info& info) {
  const bool unknownSize =
      info.declaredDataBytes == 0xFFFFFFFFu || info.declaredDataBytes == 0x7FFFFFFFu;
  if (unknownSize || info.declaredDataBytes <= info.dataBytes) return "";
  return "truncated file: the data chunk declares " + std::to_string(info.declaredDataBytes) +
         " bytes and the file holds " + std::to_string(info.dataBytes) +
         "; the chunks after it (axml, chna) are lost";
}

std::string stemOf(const Content* c) {
  if (c == nullptr) return "effects";
  if (c->dialogue == 1) return "dialogue";
  if (c->dialogue == 0 && c->nonDialogueKind == 1) return "music";
  return "effects";
}

}  // namespace

Session sessionFromChunks(const wave::Bw64Info& info, const std::filesystem::path& path,
                          const std::function<void(const std::string&)>& warn,
                          const AdmChoice& choice) {
  const std::string source = path.string();
  if (!info.hasAxml && !truncation(info).empty())
    throw InputError(source, "data", truncation(info));
  if (!info.hasAxml) throw InputError(source, "axml", "no axml chunk: not an ADM BWF file");
  if (!info.hasChna) throw InputError(source, "chna", "no chna chunk: the tracks are not mapped");
  const Document doc = parseAdm(info.axml, source);
  const Resolved resolved = resolve(info, doc, source, choice.programme, choice.complementary);
  const DocumentIndex index(doc);
  auto say = [&](const std::string& w) {
    if (warn) warn(source + ": " + w);
  };
  for (const std::string& w : resolved.warnings) say(w);

  Session s;
  s.path = path;
  s.sampleRate = info.sampleRate;
  s.layout = "7.1.4";
  const double fileEnd = static_cast<double>(info.numFrames) / info.sampleRate;
  const double halfSample = 0.5 / info.sampleRate;
  // BS.2127: an object sounds only within its blocks, so its clips are the spans they cover.
  auto elementOf = [](const std::string& field, const auto& from) {
    // "tracks[N].rest": track N's elements; "positionKeys[K]" / "gainKeys[K]" (keys taken
    // from blocks) or its static position: the block as well; the rest of the field after them.
    std::size_t n = 0;
    int used = 0;
    if (std::sscanf(field.c_str(), "tracks[%zu]%n", &n, &used) != 1 || n >= from.size() ||
        used == 0)
      return "imported " + field;
    const auto& origin = from[n];
    std::string rest = field.substr(static_cast<std::size_t>(used));
    if (!rest.empty() && rest[0] == '.') rest.erase(0, 1);
    std::string element = origin.element;
    std::size_t k = 0;
    int keyUsed = 0;
    if ((std::sscanf(rest.c_str(), "positionKeys[%zu]%n", &k, &keyUsed) == 1 ||
         std::sscanf(rest.c_str(), "gainKeys[%zu]%n", &k, &keyUsed) == 1) &&
        keyUsed > 0 && k < origin.keyBlocks.size()) {
      element += ", audioBlockFormat " + origin.keyBlocks[k];
      rest = rest.substr(static_cast<std::size_t>(keyUsed));
      if (!rest.empty() && rest[0] == '.') rest.erase(0, 1);
    } else if (rest.rfind("position", 0) == 0 && !origin.keyBlocks.empty()) {
      element += ", audioBlockFormat " + origin.keyBlocks.front();
    }
    return element + (rest.empty() ? "" : ": " + rest);
  };
  auto clipsFor = [&](const std::vector<std::pair<double, double>>& spans) {
    std::vector<Clip> clips;
    for (const auto& [begin, end] : spans) {
      if (end - begin < halfSample) continue;
      Clip c;
      c.file = path.filename().string();
      c.resolvedPath = path;
      c.startSeconds = begin;
      c.offsetSeconds = begin;
      c.lengthSeconds = end - begin;
      clips.push_back(c);
    }
    return clips;
  };
  // Per track of `s`, the ADM elements it came from, so that the session checks' errors name
  // them rather than the session the user never wrote.
  struct Origin {
    std::string element;                 // "audioObject AO_1001, audioChannelFormat AC_00031001"
    std::vector<std::string> keyBlocks;  // per position (and gain) key: its audioBlockFormat
  };
  std::vector<Origin> origins;
  // Objects left out because vkmix does not render what they carry (a type, a matrix or an HOA
  // pack it cannot), as opposed to those BS.2127 renders as silence (no tracks, no blocks, no
  // block within the file).
  bool notRendered = false;
  try {
    for (const ResolvedObject& ro : resolved.objects) {
      const Object& o = *ro.object;
      if (ro.channels.empty()) continue;
      const double start = o.start.value_or(0.0);
      const std::optional<double> end =
          o.duration ? std::optional<double>(start + *o.duration) : std::nullopt;
      const std::vector<std::pair<double, double>> wholeObject = {
          {start, std::min(end.value_or(fileEnd), fileEnd)}};
      // Channels that play together (a bed's, an HOA object's) sound for the spans of their first
      // channel's blocks, or the whole object when the blocks carry no times.
      auto clipsOfFirstChannel = [&]() {
        const std::vector<BlockFormat>& blocks = ro.channels.front().format->blocks;
        const bool timedBlocks = std::any_of(
            blocks.begin(), blocks.end(), [](const BlockFormat& b) { return b.rtime.has_value(); });
        return clipsFor(
            timedBlocks ? soundingSpans(timeBlocks(blocks, start, end, fileEnd, info.sampleRate))
                        : wholeObject);
      };
      Track base;
      base.name = o.name;
      base.stem = stemOf(ro.content);
      // A negative audioObject gain is a polarity inversion (BS.2127 multiplies by it): |gain| as
      // the fader, every clip of the object's tracks inverted (below).
      base.gainDb = linearToDb(std::abs(o.gain));
      const std::size_t firstTrack = s.tracks.size();
      base.mute = o.mute;
      if (ro.type == TypeDefinition::Objects) {
        for (const ResolvedChannel& ch : ro.channels) {
          Track t = base;
          if (ro.channels.size() > 1) t.name += " " + ch.format->name;
          // positionOffset, screenRef and screenEdgeLock, resolved for vkmix's one (default)
          // reproduction screen (adm/screen.hpp).
          const std::vector<BlockFormat> placed = placedBlocks(
              ch.format->blocks, o,
              resolved.programme != nullptr ? resolved.programme->referenceScreen : std::nullopt,
              say);
          // BS.2127 renders an Objects channel only within its blocks: without one it is silent.
          if (ch.format->blocks.empty()) {
            say("audioChannelFormat " + ch.format->id +
                " (Objects) has no audioBlockFormat; silent, as BS.2127 renders it");
            continue;
          }
          const auto timed = timeBlocks(placed, start, end, fileEnd, info.sampleRate);
          t.clips = clipsFor(soundingSpans(timed));
          if (t.clips.empty()) {
            say("audioChannelFormat " + ch.format->id + ": no block within the file's " +
                std::to_string(fileEnd) + " s; not rendered");
            continue;
          }
          for (Clip& c : t.clips) c.channel = ch.fileChannel;
          Origin origin{"audioObject " + o.id + ", audioChannelFormat " + ch.format->id, {}};
          keysFromBlocks(timed, t, say, &origin.keyBlocks);
          t.binauralMode = binauralModeOfBlocks(ch.format->blocks, say);
          s.tracks.push_back(std::move(t));
          origins.resize(s.tracks.size() - 1);
          origins.push_back(std::move(origin));
        }
      } else if (ro.type == TypeDefinition::DirectSpeakers) {
        base.clips = clipsOfFirstChannel();
        if (base.clips.empty()) continue;
        base.binauralMode = binauralModeOfBlocks(ro.channels.front().format->blocks, say);
        std::vector<ChannelFormat> locked;
        for (Track& t : directSpeakersTracks(edgeLockedDirectSpeakers(ro, locked, say), base, say))
          s.tracks.push_back(std::move(t));
      } else if (ro.type == TypeDefinition::HOA) {
        // BS.2127 gives an HOA object one rtime/duration (hoaTrack refuses channels that differ).
        base.clips = clipsOfFirstChannel();
        if (base.clips.empty()) continue;
        // One track: its channels' blocks give one binaural mode, as an Objects channel's do.
        base.binauralMode = binauralModeOfBlocks(hoaBlocks(ro), say);
        if (auto t = hoaTrack(ro, index, base, say)) {
          s.tracks.push_back(std::move(*t));
        } else {
          notRendered = true;
        }
      } else if (ro.type == TypeDefinition::Matrix) {
        // A matrix's blocks carry coefficients, not times: it plays for the whole object.
        base.clips = clipsFor(wholeObject);
        if (base.clips.empty()) continue;
        for (Track& t : matrixTracks(ro, index, base, info.sampleRate, say))
          s.tracks.push_back(std::move(t));
        notRendered = notRendered || s.tracks.size() == firstTrack;
      } else {
        notRendered = true;  // a typeDefinition vkmix does not render (resolve warned)
      }
      if (o.gain < 0.0) {
        for (std::size_t i = firstTrack; i < s.tracks.size(); ++i) {
          for (Clip& c : s.tracks[i].clips) c.invert = !c.invert;
        }
      }
      origins.resize(s.tracks.size(), Origin{"audioObject " + o.id, {}});
    }
  } catch (const InputError& e) {
    // Errors of the ADM helpers that name the element but not the file.
    if (!e.file().empty()) throw;
    throw InputError(source, e.field(), e.problem());
  }
  // The render lasts as long as the master's audio (as BS.2127's does), also where no object
  // sounds at its end.
  if (fileEnd > 0.0) s.lengthSeconds = fileEnd;
  // A programme whose objects are all silent by BS.2127's rules renders as silence, as the
  // reference renderer renders it; one with nothing to render, or only what vkmix cannot, is
  // refused.
  if (s.tracks.empty()) {
    if (notRendered) {
      throw InputError(source, "axml",
                       "no object or bed vkmix can render (the warnings name what is not)");
    }
    if (fileEnd <= 0.0) throw InputError(source, "data", "no audio to render");
    say(resolved.objects.empty()
            ? "nothing to render (no audioObject, no chna row with an audioPackFormat); rendered "
              "as silence, as BS.2127 renders it"
            : "no object of the programme sounds (the other warnings say why); rendered as "
              "silence, as BS.2127 renders it");
  }
  // The session parser's checks (ranges, key order) apply to imported values too.
  try {
    Session checked = parseSession(sessionToJson(s), path);
    return checked;
  } catch (const InputError& e) {
    throw InputError(source, "axml", elementOf(e.field(), origins) + ": " + e.problem());
  }
}

}  // namespace vkmix::adm

namespace vkmix {

bool isAdmFile(const std::filesystem::path& path) {
  try {
    return wave::readBw64(path, wave::Bw64Read::AudioOnly).hasAxml;
  } catch (const std::exception&) {
    return false;
  }
}

Session importAdm(const std::filesystem::path& path,
                  const std::function<void(const std::string&)>& warn,
                  const std::string& programme) {
  return importAdm(path, warn, AdmChoice{programme, {}});
}

Session importAdm(const std::filesystem::path& path,
                  const std::function<void(const std::string&)>& warn, const AdmChoice& choice) {
  return adm::sessionFromChunks(wave::readBw64(path), path, warn, choice);
}

Session loadSessionOrMaster(const std::filesystem::path& path,
                            const std::function<void(const std::string&)>& warn,
                            const std::string& programme) {
  return loadSessionOrMaster(path, warn, AdmChoice{programme, {}});
}

Session loadSessionOrMaster(const std::filesystem::path& path,
                            const std::function<void(const std::string&)>& warn,
                            const AdmChoice& choice) {
  // A WAVE file is read as one (an ADM chunk it cannot read is that chunk's error, a master cut
  // short says so); anything else is a session. Only a regular file is opened here (a FIFO would
  // block); the rest is loadSession's to refuse.
  char magic[4] = {};
  std::error_code ec;
  std::FILE* f =
      std::filesystem::is_regular_file(path, ec) ? std::fopen(path.c_str(), "rb") : nullptr;
  if (f != nullptr) {
    const std::size_t got = std::fread(magic, 1, sizeof magic, f);
    std::fclose(f);
    const std::string head(magic, got);
    if (head == "RIFF" || head == "RF64" || head == "BW64") {
      std::optional<wave::Bw64Info> info;
      try {
        info = wave::readBw64(path, wave::Bw64Read::AudioOnly);
      } catch (const InputError& e) {
        // A broken ADM chunk is the master's error; other WAVE faults: not a master.
        if (e.field() == "axml" || e.field() == "chna") throw;
      }
      if (info && info->hasAxml) return importAdm(path, warn, choice);
      if (info && !adm::truncation(*info).empty())
        throw InputError(path.string(), "data", adm::truncation(*info));
    }
  }
  if (!choice.programme.empty())
    throw InputError("--programme", "",
                     path.string() + " is not an ADM BWF master; a session has no programmes");
  if (!choice.complementary.empty())
    throw InputError("--complementary", "",
                     path.string() + " is not an ADM BWF master; a session has no ADM objects");
  return loadSession(path);
}

std::string describeAdm(const std::filesystem::path& path, std::string* notRenderable) {
  using namespace adm;
  const std::string source = path.string();
  const wave::Bw64Info info = wave::readBw64(path);
  std::ostringstream out;
  char head[160];
  std::snprintf(head, sizeof head, "%s: %s, %d Hz, %d-bit %s, %d channels, %.3f s\n",
                source.c_str(), info.container.c_str(), info.sampleRate, info.bitsPerSample,
                info.isFloat ? "float" : "PCM", info.numChannels,
                static_cast<double>(info.numFrames) / info.sampleRate);
  out << head;
  if (!info.hasAxml) {
    const std::string cut = truncation(info);
    const InputError why(source, cut.empty() ? "axml" : "data",
                         cut.empty() ? "no axml chunk: not an ADM BWF file" : cut);
    out << why.field() << ": " << why.problem() << "\n";
    if (notRenderable != nullptr) *notRenderable = why.what();
    return out.str();
  }
  const Document doc = parseAdm(info.axml, source);
  const Resolved r = resolve(info, doc, source);
  if (r.programme != nullptr)
    out << "programme " << r.programme->id << " \"" << r.programme->name << "\"\n";
  for (const Programme& p : doc.programmes) {
    if (&p != r.programme)
      out << "programme " << p.id << " \"" << p.name << "\" (not shown; render it with --programme "
          << p.id << ")\n";
  }
  const Content* content = nullptr;
  for (const ResolvedObject& ro : r.objects) {
    if (ro.content != content && ro.content != nullptr) {
      content = ro.content;
      out << "  content " << content->id << " \"" << content->name << "\" (" << stemOf(content)
          << ")\n";
    }
    const Object& o = *ro.object;
    out << "    object " << o.id << " \"" << o.name << "\": " << typeName(ro.type) << ", pack "
        << ro.packId;
    if (o.start) out << ", start " << formatTimecode(*o.start);
    if (o.duration) out << ", duration " << formatTimecode(*o.duration);
    if (o.gain != 1.0) out << ", gain " << linearToDb(std::abs(o.gain)) << " dB";
    if (o.gain < 0.0) out << ", inverted";
    if (o.mute) out << ", muted";
    // What a binaural render gives the object's tracks, as the import reads headphoneVirtualise
    // (a bed takes its first channel's; an object, below, each channel its own).
    const auto quiet = [](const std::string&) {};
    if (ro.type == TypeDefinition::DirectSpeakers && !ro.channels.empty())
      out << ", binaural "
          << binauralModeName(binauralModeOfBlocks(ro.channels.front().format->blocks, quiet));
    if (ro.type == TypeDefinition::Matrix)
      out << ", binaural " << binauralModeName(Track{}.binauralMode);
    if (ro.type == TypeDefinition::HOA)
      out << ", binaural " << binauralModeName(binauralModeOfBlocks(hoaBlocks(ro), quiet));
    out << "\n";
    for (const ResolvedChannel& ch : ro.channels) {
      out << "      track " << ch.fileChannel + 1 << " " << ch.uid << " -> " << ch.format->id
          << " \"" << ch.format->name << "\"";
      if (ro.type == TypeDefinition::DirectSpeakers && !ch.format->blocks.empty()) {
        out << " speaker " << ch.format->blocks.front().speakerLabel;
      } else {
        out << ", " << ch.format->blocks.size() << " block"
            << (ch.format->blocks.size() == 1 ? "" : "s");
        if (ro.type == TypeDefinition::Objects)
          out << ", binaural " << binauralModeName(binauralModeOfBlocks(ch.format->blocks, quiet));
      }
      out << "\n";
    }
  }
  // What the import of the programme shown warns about (the same lines render prints on stderr:
  // what will not be rendered, or not as the master asks), each once, without the file name the
  // heading already gives.
  std::vector<std::string> warnings;
  const std::string prefix = source + ": ";
  auto collect = [&](const std::string& w) {
    const std::string line = w.rfind(prefix, 0) == 0 ? w.substr(prefix.size()) : w;
    if (std::find(warnings.begin(), warnings.end(), line) == warnings.end())
      warnings.push_back(line);
  };
  try {
    (void)sessionFromChunks(info, path, collect, AdmChoice{});
  } catch (const InputError& e) {
    collect("not renderable: " + e.field() + ": " + e.problem());
    if (notRenderable != nullptr) *notRenderable = e.what();
  }
  out << "warnings:" << (warnings.empty() ? " none" : "") << "\n";
  for (const std::string& w : warnings) out << "  " << w << "\n";
  return out.str();
}

}  // namespace vkmix
