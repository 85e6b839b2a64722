// resolve(): which objects a programme plays and, through chna and the axml's track, stream and
// channel formats (or BS.2076's numbering and BS.2094's common definitions where the file does
// not define them), the file track and channel format behind each.
#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "adm/common_definitions.hpp"
#include "adm/import.hpp"
#include "vkmix/error.hpp"

namespace vkmix::adm {

namespace {
constexpr const char* kSilentTrackUid = "ATU_00000000";
}  // namespace

Resolved resolve(const wave::Bw64Info& info, const Document& doc, const std::string& source,
                 const std::string& programme, const std::vector<std::string>& complementary) {
  Resolved r;
  const DocumentIndex index(doc);
  for (const std::string& u : doc.unsupported)
    r.warnings.push_back(u + " is not supported; ignored");
  for (const std::string& w : doc.warnings) r.warnings.push_back(w);

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
  std::map<std::string, const TrackUid*> uidElements;
  for (const TrackUid& u : doc.uids) uidElements.emplace(u.id, &u);
  // The track or channel format a chna row names; a row that names none (written by tools that
  // leave it to the axml, as BS.2127's reference renderer allows) takes its axml audioTrackUID's.
  auto formatRefOf = [&](const wave::ChnaEntry& e) {
    if (!e.trackFormatRef.empty()) return e.trackFormatRef;
    const auto u = uidElements.find(e.uid);
    if (u == uidElements.end()) return std::string();
    return u->second->trackFormatRef.empty() ? u->second->channelFormatRef
                                             : u->second->trackFormatRef;
  };
  auto channelOf = [&](const wave::ChnaEntry& e) -> const ChannelFormat* {
    std::string id = formatRefOf(e);
    if (id.rfind("AT_", 0) == 0) {
      const TrackFormat* t = index.track(id);
      const StreamFormat* s = t != nullptr ? index.stream(t->streamRef) : nullptr;
      const auto u = uidElements.find(e.uid);
      if (s != nullptr && !s->channelRef.empty()) {
        id = s->channelRef;
      } else if (u != uidElements.end() && !u->second->channelFormatRef.empty()) {
        id = u->second->channelFormatRef;
      } else {
        // A stream naming a pack instead of a channel (Dolby's profile), or no formats in the
        // axml: BS.2076's numbering ties AT_xxxxyyyy_zz to AC_xxxxyyyy.
        id = "AC_" + id.substr(3, 8);
      }
    } else if (id.rfind("AC_", 0) == 0 && id.size() == 14 && id.ends_with("_00")) {
      id.resize(11);  // BS.2076-2 chna rows may name the channel format itself: AC_xxxxyyyy_00
    }
    if (const ChannelFormat* c = index.channel(id)) return c;
    for (const ChannelFormat& c : commonChannelFormats()) {
      if (c.id == id) return &c;
    }
    return nullptr;
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
  // The objects at the top of what is rendered: the chosen (or first) programme's contents, else
  // every content, else every object.
  std::vector<std::pair<std::string, const Content*>> roots;
  if (r.programme != nullptr) {
    for (const std::string& cid : r.programme->contentRefs) {
      const Content* c = index.content(cid);
      if (c == nullptr)
        throw InputError(source, "axml", "audioContentIDRef " + cid + " is not defined");
      for (const std::string& oid : c->objectRefs) roots.emplace_back(oid, c);
    }
  } else if (!doc.contents.empty()) {
    for (const Content& c : doc.contents) {
      for (const std::string& oid : c.objectRefs) roots.emplace_back(oid, &c);
    }
  } else {
    for (const Object& o : doc.objects) roots.emplace_back(o.id, nullptr);
  }

  // Every object of what is rendered, alternatives included: complementary groups are chosen
  // among these.
  std::set<std::string> inRender;
  std::function<void(const std::string&, int)> reach = [&](const std::string& id, int depth) {
    const Object* o = index.object(id);
    if (o == nullptr || depth > 16 || !inRender.insert(id).second) return;
    for (const std::string& child : o->objectRefs) reach(child, depth + 1);
  };
  for (const auto& [id, content] : roots) reach(id, 0);
  const std::string rendered =
      r.programme != nullptr ? "audioProgramme " + r.programme->id : std::string("the file");

  // Complementary groups (BS.2076 audioComplementaryObjectIDRef): one member plays, the one
  // `complementary` names or else the group's leader (its default); the others are left out.
  std::set<std::string> leftOut;
  std::set<std::string> picked(complementary.begin(), complementary.end());
  std::set<std::string> grouped;
  for (const Object& o : doc.objects) {
    if (o.complementaryRefs.empty()) continue;
    std::vector<std::string> members = {o.id};
    members.insert(members.end(), o.complementaryRefs.begin(), o.complementaryRefs.end());
    std::string play, list;
    bool rendersHere = false;
    for (const std::string& m : members) {
      if (index.object(m) == nullptr)
        throw InputError(source, "axml", "audioComplementaryObjectIDRef " + m + " is not defined");
      list += (list.empty() ? "" : ", ") + m;
      grouped.insert(m);
      rendersHere = rendersHere || inRender.contains(m);
    }
    for (const std::string& m : members) {
      if (!picked.contains(m)) continue;
      if (!play.empty()) {
        throw InputError("--complementary", "",
                         play + " and " + m + " are alternatives of one complementary group (" +
                             list + "); choose one");
      }
      play = m;
    }
    const bool chosenByUser = !play.empty();
    if (!chosenByUser) play = o.id;
    for (const std::string& m : members) {
      if (m != play) leftOut.insert(m);
    }
    // A group outside what is rendered plays nothing either way: no warning about it.
    if (!rendersHere) continue;
    r.warnings.push_back("complementary objects " + list + ": only " + play + " plays (" +
                         (chosenByUser ? "chosen by --complementary"
                                       : "the default; --complementary chooses another") +
                         ")");
  }
  for (const std::string& id : complementary) {
    if (!grouped.contains(id)) {
      std::string groups;
      for (const Object& o : doc.objects) {
        if (!o.complementaryRefs.empty()) groups += (groups.empty() ? "" : ", ") + o.id;
      }
      throw InputError(
          "--complementary", "",
          id + " is not in a complementary group of " + source + " (" +
              (groups.empty() ? std::string("it has none") : "groups led by " + groups) + ")");
    }
    if (!inRender.contains(id))
      throw InputError("--complementary", "",
                       id + " is not in " + rendered + ", which is what is rendered" +
                           (r.programme != nullptr ? " (--programme chooses another)" : ""));
  }

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
        if (leftOut.contains(id)) return;  // an alternative not chosen, with what it nests
        chosen.emplace_back(o, content);
        for (const std::string& child : o->objectRefs) add(child, content, depth + 1);
      };
  for (const auto& [id, content] : roots) add(id, content, 0);

  // BS.2127's item selection without programmes, contents or objects: every chna track plays, in
  // the audioPackFormat its row (else its axml audioTrackUID) names. Rows of one pack in a row are
  // one instance of it; a channel format coming again starts the next instance.
  if (doc.programmes.empty() && doc.contents.empty() && doc.objects.empty()) {
    std::set<const ChannelFormat*> inInstance;
    for (const wave::ChnaEntry& e : info.chna) {
      std::string pack = e.packFormatRef;
      if (const auto u = uidElements.find(e.uid); pack.empty() && u != uidElements.end())
        pack = u->second->packRef;
      if (pack.empty()) {
        r.warnings.push_back("chna: audioTrackUID " + e.uid +
                             " names no audioPackFormat and no audioObject lists it; not "
                             "rendered (BS.2127 renders a master without objects by the packs "
                             "of its chna rows)");
        continue;
      }
      const ChannelFormat* channel = channelOf(e);
      if (r.chnaObjects.empty() || r.chnaObjects.back().packRefs.front() != pack ||
          inInstance.contains(channel)) {
        Object o;
        o.id = "chna " + std::to_string(r.chnaObjects.size() + 1);
        const PackFormat* p = index.pack(pack);
        o.name = p != nullptr && !p->name.empty() ? p->name : pack;
        o.packRefs = {pack};
        r.chnaObjects.push_back(std::move(o));
        inInstance.clear();
      }
      inInstance.insert(channel);
      r.chnaObjects.back().trackUidRefs.push_back(e.uid);
    }
    if (!r.chnaObjects.empty()) {
      r.warnings.push_back(
          "no audioProgramme, audioContent or audioObject: every chna track plays in its "
          "audioPackFormat, as BS.2127 renders such a master");
    }
    for (const Object& o : r.chnaObjects) chosen.emplace_back(&o, nullptr);
  }

  for (const auto& [object, content] : chosen) {
    ResolvedObject ro{object, content, TypeDefinition::Unknown, {}, {}};
    if (!object->packRefs.empty()) {
      ro.packId = object->packRefs.front();
      if (const PackFormat* p = index.pack(ro.packId)) ro.type = p->type;
    }
    int silentTracks = 0;
    for (const std::string& uid : object->trackUidRefs) {
      // BS.2076: ATU_00000000 is a silent track, a channel of the pack with no audio.
      if (uid == kSilentTrackUid) {
        ++silentTracks;
        continue;
      }
      auto it = byUid.find(uid);
      if (it == byUid.end()) {
        throw InputError(source, "chna",
                         "audioObject " + object->id + " uses audioTrackUID " + uid +
                             ", which chna does not map to a track");
      }
      const ChannelFormat* cf = channelOf(*it->second);
      if (cf == nullptr) {
        const std::string ref = formatRefOf(*it->second);
        if (ref.empty()) {
          throw InputError(source, "chna",
                           "audioTrackUID " + uid +
                               ": neither its chna row nor the axml names its "
                               "audioTrackFormat or audioChannelFormat");
        }
        throw InputError(source, "axml",
                         "audioTrackUID " + uid + ": " + ref +
                             " leads to no audioChannelFormat defined in the file or in "
                             "BS.2094's common definitions");
      }
      if (ro.type == TypeDefinition::Unknown) ro.type = cf->type;
      if (ro.packId.empty()) ro.packId = it->second->packFormatRef;
      ro.channels.push_back(ResolvedChannel{it->second->trackIndex - 1, uid, cf});
    }
    if (ro.channels.empty() && silentTracks > 0) {
      r.warnings.push_back("audioObject " + object->id + ": its audioTrackUIDRefs are all " +
                           kSilentTrackUid + " (silent tracks); nothing to play");
    } else if (ro.channels.empty() && object->objectRefs.empty()) {
      r.warnings.push_back("audioObject " + object->id +
                           " has no audioTrackUIDRef; nothing to play");
    } else if (silentTracks > 0 && ro.type == TypeDefinition::HOA) {
      r.warnings.push_back("audioObject " + object->id + ": " + std::to_string(silentTracks) +
                           " silent track(s) (" + kSilentTrackUid +
                           ") in an HOA pack: the decoder is designed for the channels that "
                           "have tracks, where BS.2127 designs it for every channel of the pack");
    }
    if (ro.type != TypeDefinition::Objects && ro.type != TypeDefinition::DirectSpeakers &&
        ro.type != TypeDefinition::Matrix && ro.type != TypeDefinition::HOA &&
        !ro.channels.empty()) {
      r.warnings.push_back("audioObject " + object->id + ": typeDefinition " + typeName(ro.type) +
                           " is not supported; not rendered");
    }
    r.objects.push_back(std::move(ro));
  }
  return r;
}

}  // namespace vkmix::adm
