#include "adm/builder.hpp"

#include <algorithm>
#include <cstdio>

#include "adm/common_definitions.hpp"
#include "vkmix/session.hpp"

namespace vkmix::adm {
namespace {

std::string hexId(const char* prefix, unsigned value, int digits) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%0*X", prefix, digits, value);
  return buf;
}

}  // namespace

DocumentBuilder::DocumentBuilder(const std::vector<std::string>& contentNames) {
  doc_.programmes.push_back(Programme{"APR_1001", "vkmix mix", {}, std::nullopt});
  for (std::size_t s = 0; s < contentNames.size(); ++s) {
    Content c{hexId("ACO_", 0x1001 + static_cast<unsigned>(s), 4), contentNames[s], {}};
    if (contentNames[s] == "dialogue") {
      c.dialogue = 1;
    } else if (contentNames[s] == "music" || contentNames[s] == "effects") {
      c.dialogue = 0;
      c.nonDialogueKind = contentNames[s] == "music" ? 1 : 2;
    }
    doc_.programmes[0].contentRefs.push_back(c.id);
    doc_.contents.push_back(c);
  }
}

void DocumentBuilder::object(const std::string& name, int content,
                             std::vector<BlockFormat> blocks) {
  const unsigned n = nextFormat_++;
  const std::string pack = hexId("AP_0003", n, 4), channel = hexId("AC_0003", n, 4);
  Object& o = newObject(name, content, pack);
  for (std::size_t b = 0; b < blocks.size(); ++b)
    blocks[b].id = hexId("AB_0003", n, 4) + hexId("_", static_cast<unsigned>(b + 1), 8);
  doc_.packs.push_back(PackFormat{pack, name, TypeDefinition::Objects, {channel}, {}});
  doc_.channels.push_back(
      ChannelFormat{channel, name, TypeDefinition::Objects, std::move(blocks), {}, {}});
  track(o, pack, channel, n, "0003");
  trackNames_.push_back(name);
}

void DocumentBuilder::bed(const std::string& name, const Layout& layout, int content) {
  const std::string pack = hexId("AP_0001", nextFormat_, 4);
  Object& o = newObject(name, content, pack);
  PackFormat pf{pack, name + " (" + layout.name + ")", TypeDefinition::DirectSpeakers, {}, {}};
  for (const Speaker& s : layout.speakers) {
    const unsigned n = nextFormat_++;
    const std::string channel = hexId("AC_0001", n, 4);
    BlockFormat b;
    b.id = hexId("AB_0001", n, 4) + "_00000001";
    b.speakerLabel = s.label;
    b.azimuth = s.azimuthDeg;
    b.elevation = s.elevationDeg;
    ChannelFormat c{channel, s.name, TypeDefinition::DirectSpeakers, {b}, {}, {}};
    if (s.lfe) c.lowPassHz = 120.0;  // BS.2094's LFE: BS.2127 knows it by this as well
    doc_.channels.push_back(std::move(c));
    pf.channelRefs.push_back(channel);
    track(o, pack, channel, n, "0001");
    trackNames_.push_back(name + " " + s.name);
  }
  doc_.packs.push_back(pf);
}

bool DocumentBuilder::commonBed(const std::string& name, const Layout& layout, int content) {
  const CommonPack common = commonPackFor(layout);
  if (common.packId.empty()) return false;
  Object& o = newObject(name, content, common.packId);
  for (std::size_t s = 0; s < common.channelIds.size(); ++s) {
    const std::string& channel = common.channelIds[s];
    trackNames_.push_back(name + " " + layout.speakers[s].name);
    const int index = static_cast<int>(chna_.size()) + 1;
    const std::string uid = hexId("ATU_", static_cast<unsigned>(index), 8);
    const std::string trackFormat = "AT_" + channel.substr(3) + "_01";
    doc_.uids.push_back(TrackUid{uid, trackFormat, "", common.packId});
    o.trackUidRefs.push_back(uid);
    chna_.push_back(wave::ChnaEntry{index, uid, trackFormat, common.packId});
  }
  return true;
}

void DocumentBuilder::hoa(const std::string& name, int order, HoaNormalization norm, int content,
                          const std::vector<bool>& present, bool custom) {
  const int channels = (order + 1) * (order + 1);
  auto has = [&](int acn) {
    return present.empty() || (static_cast<std::size_t>(acn) < present.size() &&
                               present[static_cast<std::size_t>(acn)]);
  };
  bool all = true;
  for (int acn = 0; acn < channels; ++acn) all = all && has(acn);
  const CommonPack common = custom || !all ? CommonPack{} : commonHoaPack(order, norm);
  if (!common.packId.empty()) {
    Object& o = newObject(name, content, common.packId);
    for (int acn = 0; acn < channels; ++acn) {
      const std::string& channel = common.channelIds[static_cast<std::size_t>(acn)];
      trackNames_.push_back(name + " ACN " + std::to_string(acn));
      const int index = static_cast<int>(chna_.size()) + 1;
      const std::string uid = hexId("ATU_", static_cast<unsigned>(index), 8);
      const std::string trackFormat = "AT_" + channel.substr(3) + "_01";
      doc_.uids.push_back(TrackUid{uid, trackFormat, "", common.packId});
      o.trackUidRefs.push_back(uid);
      chna_.push_back(wave::ChnaEntry{index, uid, trackFormat, common.packId});
    }
    return;
  }
  const std::string pack = hexId("AP_0004", nextFormat_, 4);
  Object& o = newObject(name, content, pack);
  PackFormat pf{pack, name, TypeDefinition::HOA, {}, {}};
  for (int acn = 0; acn < channels; ++acn) {
    if (!has(acn)) continue;
    const unsigned n = nextFormat_++;
    const std::string channel = hexId("AC_0004", n, 4);
    BlockFormat b;
    b.id = hexId("AB_0004", n, 4) + "_00000001";
    int order0 = 0;
    while ((order0 + 1) * (order0 + 1) <= acn) ++order0;
    b.hoaOrder = order0;
    b.hoaDegree = acn - order0 * order0 - order0;
    b.hoaNormalization = hoaNormalizationName(norm);
    doc_.channels.push_back(ChannelFormat{
        channel, name + " ACN " + std::to_string(acn), TypeDefinition::HOA, {b}, {}, {}});
    pf.channelRefs.push_back(channel);
    track(o, pack, channel, n, "0004");
    trackNames_.push_back(name + " ACN " + std::to_string(acn));
  }
  doc_.packs.push_back(pf);
}

void DocumentBuilder::headphoneVirtualise(const HeadphoneVirtualise& h) {
  if (doc_.objects.empty()) return;
  const std::string& pack = doc_.objects.back().packRefs.front();
  for (const PackFormat& p : doc_.packs) {
    if (p.id != pack) continue;
    for (ChannelFormat& c : doc_.channels) {
      if (std::find(p.channelRefs.begin(), p.channelRefs.end(), c.id) == p.channelRefs.end())
        continue;
      for (BlockFormat& b : c.blocks) b.headphoneVirtualise = h;
    }
  }
}

Object& DocumentBuilder::newObject(const std::string& name, int content, const std::string& pack) {
  Object o;
  o.id = hexId("AO_", 0x1001 + static_cast<unsigned>(doc_.objects.size()), 4);
  o.name = name;
  o.packRefs.push_back(pack);
  doc_.contents[static_cast<std::size_t>(content)].objectRefs.push_back(o.id);
  doc_.objects.push_back(o);
  return doc_.objects.back();
}

void DocumentBuilder::track(Object& o, const std::string& pack, const std::string& channel,
                            unsigned n, const char* type) {
  const int index = static_cast<int>(chna_.size()) + 1;
  const std::string uid = hexId("ATU_", static_cast<unsigned>(index), 8);
  const std::string stream = std::string("AS_") + type + hexId("", n, 4);
  const std::string trackFormat = std::string("AT_") + type + hexId("", n, 4) + "_01";
  doc_.streams.push_back(StreamFormat{stream, o.name, channel, "", {trackFormat}});
  doc_.tracks.push_back(TrackFormat{trackFormat, o.name, stream});
  doc_.uids.push_back(TrackUid{uid, trackFormat, "", pack});
  o.trackUidRefs.push_back(uid);
  chna_.push_back(wave::ChnaEntry{index, uid, trackFormat, pack});
}

}  // namespace vkmix::adm
