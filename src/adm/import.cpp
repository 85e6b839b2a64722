#include "adm/import.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "vkmix/adm.hpp"
#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::adm {
namespace {

// BS.2094 common definitions that files reference without defining: the DirectSpeakers channels
// of the 5.1 family (AC_00010001..06). Anything else must be defined in the file's axml.
const std::vector<ChannelFormat>& commonChannels() {
  static const std::vector<ChannelFormat> table = [] {
    const std::pair<const char*, const char*> speakers[] = {
        {"FrontLeft", "M+030"},          {"FrontRight", "M-030"},   {"FrontCentre", "M+000"},
        {"LowFrequencyEffects", "LFE1"}, {"SurroundLeft", "M+110"}, {"SurroundRight", "M-110"}};
    std::vector<ChannelFormat> out;
    int n = 1;
    for (const auto& [name, label] : speakers) {
      char id[16];
      std::snprintf(id, sizeof id, "AC_0001%04x", n++);
      BlockFormat b;
      b.speakerLabel = label;
      out.push_back(ChannelFormat{id, name, TypeDefinition::DirectSpeakers, {b}});
    }
    return out;
  }();
  return table;
}

}  // namespace

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
  return b;
}

std::string normaliseSpeakerLabel(const std::string& label) {
  std::string l = label;
  const std::string urn = "urn:itu:bs:2051:";
  if (l.rfind(urn, 0) == 0) {
    const std::size_t speaker = l.find(":speaker:");
    if (speaker == std::string::npos) return "";
    l = l.substr(speaker + 9);
  }
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

Resolved resolve(const wave::Bw64Info& info, const Document& doc, const std::string& source,
                 const std::string& programme) {
  Resolved r;
  const DocumentIndex index(doc);
  for (const std::string& u : doc.unsupported)
    r.warnings.push_back(u + " is not supported; ignored");

  std::map<std::string, const wave::ChnaEntry*> byUid;
  for (const wave::ChnaEntry& e : info.chna) {
    if (e.trackIndex > info.numChannels) {
      throw InputError(source, "chna",
                       "track " + std::to_string(e.trackIndex) + " (" + e.uid +
                           ") but the file has " + std::to_string(info.numChannels) + " channels");
    }
    if (!byUid.emplace(e.uid, &e).second)
      throw InputError(source, "chna", "audioTrackUID " + e.uid + " is listed twice");
  }
  // AT_/AC_ reference of a chna row -> its channel format.
  auto channelOf = [&](const wave::ChnaEntry& e) -> const ChannelFormat* {
    std::string id = e.trackFormatRef;
    if (id.rfind("AT_", 0) == 0) {
      const TrackFormat* t = index.track(id);
      const StreamFormat* s = t != nullptr ? index.stream(t->streamRef) : nullptr;
      // Without the formats in the axml, BS.2076's numbering ties AT_xxxxyyyy_zz to AC_xxxxyyyy.
      id = s != nullptr ? s->channelRef : "AC_" + id.substr(3, 8);
    }
    if (const ChannelFormat* c = index.channel(id)) return c;
    for (const ChannelFormat& c : commonChannels()) {
      if (c.id == id) return &c;
    }
    return nullptr;
  };

  // Which objects play: the chosen (or first) programme's contents, else every content, else
  // every object.
  std::vector<std::pair<const Object*, const Content*>> chosen;
  std::set<std::string> seen;
  std::function<void(const std::string&, const Content*, int)> add =
      [&](const std::string& id, const Content* content, int depth) {
        const Object* o = index.object(id);
        if (o == nullptr)
          throw InputError(source, "axml", "audioObjectIDRef " + id + " is not defined");
        if (depth > 16 || !seen.insert(id).second) return;  // nested once; cycles end here
        chosen.emplace_back(o, content);
        for (const std::string& child : o->objectRefs) add(child, content, depth + 1);
      };
  if (!programme.empty()) {
    for (const Programme& p : doc.programmes) {
      if (p.id == programme || p.name == programme) {
        r.programme = &p;
        break;
      }
    }
    if (r.programme == nullptr) {
      std::string have;
      for (const Programme& p : doc.programmes)
        have += (have.empty() ? "" : ", ") + p.id + " \"" + p.name + "\"";
      throw InputError(source, "audioProgramme",
                       "no programme with the ID or name \"" + programme + "\" (the file has " +
                           (have.empty() ? std::string("none") : have) + ")");
    }
  } else if (!doc.programmes.empty()) {
    r.programme = &doc.programmes.front();
    if (doc.programmes.size() > 1) {
      r.warnings.push_back(std::to_string(doc.programmes.size()) +
                           " audioProgrammes; rendering the first, " + r.programme->id + " \"" +
                           r.programme->name + "\" (--programme chooses another)");
    }
  }
  if (r.programme != nullptr) {
    for (const std::string& cid : r.programme->contentRefs) {
      const Content* c = index.content(cid);
      if (c == nullptr)
        throw InputError(source, "axml", "audioContentIDRef " + cid + " is not defined");
      for (const std::string& oid : c->objectRefs) add(oid, c, 0);
    }
  } else if (!doc.contents.empty()) {
    for (const Content& c : doc.contents) {
      for (const std::string& oid : c.objectRefs) add(oid, &c, 0);
    }
  } else {
    for (const Object& o : doc.objects) add(o.id, nullptr, 0);
  }

  for (const auto& [object, content] : chosen) {
    ResolvedObject ro{object, content, TypeDefinition::Unknown, {}, {}};
    if (!object->packRefs.empty()) {
      ro.packId = object->packRefs.front();
      if (const PackFormat* p = index.pack(ro.packId)) ro.type = p->type;
    }
    for (const std::string& uid : object->trackUidRefs) {
      auto it = byUid.find(uid);
      if (it == byUid.end()) {
        throw InputError(source, "chna",
                         "audioObject " + object->id + " uses audioTrackUID " + uid +
                             ", which chna does not map to a track");
      }
      const ChannelFormat* cf = channelOf(*it->second);
      if (cf == nullptr) {
        throw InputError(source, "axml",
                         "audioTrackUID " + uid + ": its channel format (" +
                             it->second->trackFormatRef + ") is not defined in the file");
      }
      if (ro.type == TypeDefinition::Unknown) ro.type = cf->type;
      if (ro.packId.empty()) ro.packId = it->second->packFormatRef;
      ro.channels.push_back(ResolvedChannel{it->second->trackIndex - 1, uid, cf});
    }
    if (ro.channels.empty() && object->objectRefs.empty())
      r.warnings.push_back("audioObject " + object->id +
                           " has no audioTrackUIDRef; nothing to play");
    if (ro.type != TypeDefinition::Objects && ro.type != TypeDefinition::DirectSpeakers &&
        !ro.channels.empty()) {
      r.warnings.push_back("audioObject " + object->id + ": typeDefinition " + typeName(ro.type) +
                           " is not supported; not rendered");
    }
    r.objects.push_back(std::move(ro));
  }
  return r;
}

namespace {

double linearToDb(double g) { return g <= 1e-10 ? -200.0 : 20.0 * std::log10(g); }

std::string stemOf(const Content* c) {
  if (c == nullptr) return "effects";
  if (c->dialogue == 1) return "dialogue";
  if (c->dialogue == 0 && c->nonDialogueKind == 1) return "music";
  return "effects";
}

// The timed blocks of one Objects channel as the track's position and gain keys. A block without
// jumpPosition moves from the previous block's position over its own duration; with it, over
// interpolationLength from its start (0: a jump at its start). The first block holds from its
// start.
void blocksToKeys(const std::vector<BlockFormat>& blocks, double start, Track& t) {
  bool anyGain = false;
  for (const BlockFormat& b : blocks) anyGain = anyGain || b.gain != 1.0;
  const BlockFormat* previous = nullptr;
  for (const BlockFormat& b : blocks) {
    const double begin = start + b.rtime.value_or(0.0);
    const double end = begin + b.duration.value_or(0.0);
    auto key = [&](double time, const BlockFormat& at, Interpolation how) {
      t.positionKeys.push_back(PositionKey{time, positionOf(at), how});
      if (anyGain) t.gainKeys.push_back(GainKey{time, linearToDb(at.gain), how});
    };
    if (previous == nullptr || !b.rtime) {
      key(begin, b, Interpolation::Jump);
    } else if (b.jumpPosition) {
      const double length = std::clamp(b.interpolationLength.value_or(0.0), 0.0, end - begin);
      if (length > 0.0) {
        key(begin, *previous, Interpolation::Jump);
        key(begin + length, b, Interpolation::Linear);
      } else {
        key(begin, b, Interpolation::Jump);
      }
    } else {
      // Between blocks nothing moves: hold the previous position up to this block's start.
      if (t.positionKeys.back().timeSeconds < begin) key(begin, *previous, Interpolation::Jump);
      key(end, b, Interpolation::Linear);
    }
    previous = &b;
  }
  if (t.positionKeys.size() == 1) {
    t.position = t.positionKeys.front().position;
    t.positionKeys.clear();
  }
  if (t.gainKeys.size() == 1) {
    t.gainDb += t.gainKeys.front().gainDb;
    t.gainKeys.clear();
  }
}

Clip fileClip(const std::filesystem::path& path, const Object& o) {
  Clip c;
  c.file = path.filename().string();
  c.resolvedPath = path;
  c.startSeconds = o.start.value_or(0.0);
  c.offsetSeconds = c.startSeconds;
  c.lengthSeconds = o.duration;
  return c;
}

// The smallest built-in layout holding every label, with each of its speakers' file channel
// (-1: none); nullptr when no layout holds them all.
const Layout* bedFor(const std::vector<std::pair<std::string, int>>& labelled,
                     std::vector<int>& channels) {
  const Layout* best = nullptr;
  for (const Layout& l : builtinLayouts()) {
    const bool holds = std::all_of(labelled.begin(), labelled.end(), [&](const auto& lc) {
      return l.indexOfLabel(lc.first).has_value();
    });
    if (holds && (best == nullptr || l.numChannels() < best->numChannels())) best = &l;
  }
  if (best == nullptr) return nullptr;
  channels.assign(static_cast<std::size_t>(best->numChannels()), -1);
  for (const auto& [label, ch] : labelled)
    channels[static_cast<std::size_t>(*best->indexOfLabel(label))] = ch;
  return best;
}

}  // namespace

Session sessionFromChunks(const wave::Bw64Info& info, const std::filesystem::path& path,
                          const std::function<void(const std::string&)>& warn,
                          const std::string& programme) {
  const std::string source = path.string();
  if (!info.hasAxml) throw InputError(source, "axml", "no axml chunk: not an ADM BWF file");
  if (!info.hasChna) throw InputError(source, "chna", "no chna chunk: the tracks are not mapped");
  const Document doc = parseAdm(info.axml, source);
  const Resolved resolved = resolve(info, doc, source, programme);
  auto say = [&](const std::string& w) {
    if (warn) warn(source + ": " + w);
  };
  for (const std::string& w : resolved.warnings) say(w);

  Session s;
  s.path = path;
  s.sampleRate = info.sampleRate;
  s.layout = "7.1.4";
  for (const ResolvedObject& ro : resolved.objects) {
    const Object& o = *ro.object;
    if (ro.channels.empty()) continue;
    const std::string stem = stemOf(ro.content);
    const double objectGainDb = linearToDb(o.gain);
    if (ro.type == TypeDefinition::Objects) {
      for (const ResolvedChannel& ch : ro.channels) {
        Track t;
        t.name = ro.channels.size() > 1 ? o.name + " " + ch.format->name : o.name;
        t.stem = stem;
        t.gainDb = objectGainDb;
        t.mute = o.mute;
        if (ch.format->blocks.empty()) {
          say("audioChannelFormat " + ch.format->id +
              " has no audioBlockFormat; placed front centre");
        }
        blocksToKeys(ch.format->blocks, o.start.value_or(0.0), t);
        Clip c = fileClip(path, o);
        c.channel = ch.fileChannel;
        t.clips.push_back(c);
        s.tracks.push_back(std::move(t));
      }
    } else if (ro.type == TypeDefinition::DirectSpeakers) {
      std::vector<std::pair<std::string, int>> labelled;
      std::vector<const ResolvedChannel*> unplaced;
      for (const ResolvedChannel& ch : ro.channels) {
        const std::string label =
            ch.format->blocks.empty()
                ? std::string()
                : normaliseSpeakerLabel(ch.format->blocks.front().speakerLabel);
        if (label.empty()) {
          unplaced.push_back(&ch);
        } else {
          labelled.emplace_back(label, ch.fileChannel);
        }
      }
      std::vector<int> map;
      const Layout* bed = bedFor(labelled, map);
      if (bed == nullptr && !labelled.empty()) {
        // No built-in layout holds them all: LFE stays a bed channel, the rest are placed.
        say("DirectSpeakers " + ro.packId +
            ": its speakers form no built-in layout; rendered as objects at their positions");
        std::vector<std::pair<std::string, int>> lfe;
        for (const auto& lc : labelled) {
          if (lc.first.rfind("LFE", 0) == 0) lfe.emplace_back("LFE1", lc.second);
        }
        for (const ResolvedChannel& ch : ro.channels) {
          const std::string label =
              ch.format->blocks.empty()
                  ? ""
                  : normaliseSpeakerLabel(ch.format->blocks.front().speakerLabel);
          if (label.rfind("LFE", 0) != 0 && !label.empty()) unplaced.push_back(&ch);
        }
        bed = lfe.empty() ? nullptr : bedFor(lfe, map);
      }
      if (bed != nullptr) {
        Track t;
        t.name = o.name;
        t.stem = stem;
        t.type = TrackType::Bed;
        t.bedLayout = bed->name;
        t.gainDb = objectGainDb;
        t.mute = o.mute;
        Clip c = fileClip(path, o);
        c.channels = map;
        t.clips.push_back(c);
        s.tracks.push_back(std::move(t));
      }
      for (const ResolvedChannel* ch : unplaced) {
        Track t;
        t.name = o.name + " " + ch->format->name;
        t.stem = stem;
        t.gainDb = objectGainDb;
        t.mute = o.mute;
        if (!ch->format->blocks.empty()) t.position = positionOf(ch->format->blocks.front());
        Clip c = fileClip(path, o);
        c.channel = ch->fileChannel;
        t.clips.push_back(c);
        s.tracks.push_back(std::move(t));
      }
    }
  }
  if (s.tracks.empty()) throw InputError(source, "axml", "no object or bed vkmix can render");
  // The session parser's checks (ranges, key order) apply to imported values too.
  try {
    Session checked = parseSession(sessionToJson(s), path);
    return checked;
  } catch (const InputError& e) {
    throw InputError(source, "axml", "imported " + e.field() + ": " + e.problem());
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
  return adm::sessionFromChunks(wave::readBw64(path), path, warn, programme);
}

Session loadSessionOrMaster(const std::filesystem::path& path,
                            const std::function<void(const std::string&)>& warn,
                            const std::string& programme) {
  if (isAdmFile(path)) return importAdm(path, warn, programme);
  if (!programme.empty())
    throw InputError("--programme", "",
                     path.string() + " is not an ADM BWF master; a session has no programmes");
  return loadSession(path);
}

std::string describeAdm(const std::filesystem::path& path) {
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
    out << "no axml chunk: not an ADM BWF file\n";
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
    if (o.gain != 1.0) out << ", gain " << linearToDb(o.gain) << " dB";
    if (o.mute) out << ", muted";
    out << "\n";
    for (const ResolvedChannel& ch : ro.channels) {
      out << "      track " << ch.fileChannel + 1 << " " << ch.uid << " -> " << ch.format->id
          << " \"" << ch.format->name << "\"";
      if (ro.type == TypeDefinition::DirectSpeakers && !ch.format->blocks.empty()) {
        out << " speaker " << ch.format->blocks.front().speakerLabel;
      } else {
        out << ", " << ch.format->blocks.size() << " block"
            << (ch.format->blocks.size() == 1 ? "" : "s");
      }
      out << "\n";
    }
  }
  for (const std::string& w : r.warnings) out << "warning: " << w << "\n";
  return out.str();
}

}  // namespace vkmix
