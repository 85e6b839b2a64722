// writeAdm: a Document as the ebuCoreMain axml that BS.2076 and EBU Tech 3285 describe (the
// reading side is model.cpp).
#include <cstdio>
#include <optional>

#include "adm/model.hpp"

namespace vkmix::adm {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// <headphoneVirtualise>, where a block has one: each attribute written, so a reader with other
// defaults reads the same.
void writeHeadphoneVirtualise(XmlWriter& w, const BlockFormat& b) {
  if (!b.headphoneVirtualise) return;
  w.open("headphoneVirtualise")
      .attribute("bypass", b.headphoneVirtualise->bypass ? "1" : "0")
      .attribute("DRR", number(b.headphoneVirtualise->drrDb))
      .close();
}

// A Matrix block's output channel and coefficients (BS.2076 §5.4.3.2); attributes at their
// defaults are left out.
void writeMatrixBlock(XmlWriter& w, const BlockFormat& b) {
  if (!b.outputChannelRef.empty()) w.leaf("outputChannelFormatIDRef", b.outputChannelRef);
  w.open("matrix");
  for (const MatrixCoefficient& m : b.matrix) {
    w.open("coefficient");
    if (m.gain != 1.0) w.attribute("gain", number(m.gain));
    if (m.phase) w.attribute("phase", number(*m.phase));
    if (m.delay) w.attribute("delay", number(*m.delay));
    if (!m.gainVar.empty()) w.attribute("gainVar", m.gainVar);
    if (!m.phaseVar.empty()) w.attribute("phaseVar", m.phaseVar);
    if (!m.delayVar.empty()) w.attribute("delayVar", m.delayVar);
    w.text(m.inputChannelRef).close();
  }
  w.close();
}

}  // namespace

std::string writeAdm(const Document& doc) {
  XmlWriter w;
  w.open("ebuCoreMain")
      .attribute("xmlns:dc", "http://purl.org/dc/elements/1.1/")
      .attribute("xmlns", "urn:ebu:metadata-schema:ebuCore_2016")
      .attribute("schema", "EBU_CORE_20161222.xsd")
      .attribute("version", "1.7")
      .open("coreMetadata")
      .open("format")
      .open("audioFormatExtended")
      .attribute("version", "ITU-R_BS.2076-2");
  for (const Programme& p : doc.programmes) {
    w.open("audioProgramme")
        .attribute("audioProgrammeID", p.id)
        .attribute("audioProgrammeName", p.name);
    for (const std::string& r : p.contentRefs) w.leaf("audioContentIDRef", r);
    if (p.referenceScreen) {
      const Screen& sc = *p.referenceScreen;
      w.open("audioProgrammeReferenceScreen").attribute("aspectRatio", number(sc.aspectRatio));
      if (sc.cartesian) {
        w.open("screenCentrePosition")
            .attribute("X", number(sc.x))
            .attribute("Y", number(sc.y))
            .attribute("Z", number(sc.z))
            .close();
        w.open("screenWidth").attribute("X", number(sc.widthX)).close();
      } else {
        w.open("screenCentrePosition")
            .attribute("azimuth", number(sc.azimuth))
            .attribute("elevation", number(sc.elevation))
            .attribute("distance", number(sc.distance))
            .close();
        w.open("screenWidth").attribute("azimuth", number(sc.widthAzimuth)).close();
      }
      w.close();
    }
    w.close();
  }
  for (const Content& c : doc.contents) {
    w.open("audioContent").attribute("audioContentID", c.id).attribute("audioContentName", c.name);
    for (const std::string& r : c.objectRefs) w.leaf("audioObjectIDRef", r);
    if (c.dialogue >= 0) {
      w.open("dialogue");
      if (c.dialogue == 0 && c.nonDialogueKind >= 0)
        w.attribute("nonDialogueContentKind", std::to_string(c.nonDialogueKind));
      w.text(std::to_string(c.dialogue)).close();
    }
    w.close();
  }
  for (const Object& o : doc.objects) {
    w.open("audioObject").attribute("audioObjectID", o.id).attribute("audioObjectName", o.name);
    if (o.start) w.attribute("start", formatTimecode(*o.start));
    if (o.duration) w.attribute("duration", formatTimecode(*o.duration));
    for (const std::string& r : o.packRefs) w.leaf("audioPackFormatIDRef", r);
    if (o.gain != 1.0) w.leaf("gain", number(o.gain));
    if (o.mute) w.leaf("mute", "1");
    for (const std::string& r : o.objectRefs) w.leaf("audioObjectIDRef", r);
    for (const std::string& r : o.complementaryRefs) w.leaf("audioComplementaryObjectIDRef", r);
    for (const std::string& r : o.trackUidRefs) w.leaf("audioTrackUIDRef", r);
    if (o.positionOffset) {
      auto offset = [&](const char* name, double v) {
        w.open("positionOffset").attribute("coordinate", name).text(number(v)).close();
      };
      if (o.positionOffset->cartesian) {
        offset("X", o.positionOffset->x);
        offset("Y", o.positionOffset->y);
        offset("Z", o.positionOffset->z);
      } else {
        offset("azimuth", o.positionOffset->azimuth);
        offset("elevation", o.positionOffset->elevation);
        offset("distance", o.positionOffset->distance);
      }
    }
    w.close();
  }
  for (const PackFormat& p : doc.packs) {
    w.open("audioPackFormat")
        .attribute("audioPackFormatID", p.id)
        .attribute("audioPackFormatName", p.name)
        .attribute("typeLabel", typeLabel(p.type))
        .attribute("typeDefinition", typeName(p.type));
    for (const std::string& r : p.channelRefs) w.leaf("audioChannelFormatIDRef", r);
    for (const std::string& r : p.packRefs) w.leaf("audioPackFormatIDRef", r);
    for (const std::string& r : p.encodePackRefs) w.leaf("encodePackFormatIDRef", r);
    for (const std::string& r : p.decodePackRefs) w.leaf("decodePackFormatIDRef", r);
    if (!p.inputPackRef.empty()) w.leaf("inputPackFormatIDRef", p.inputPackRef);
    if (!p.outputPackRef.empty()) w.leaf("outputPackFormatIDRef", p.outputPackRef);
    if (!p.hoaNormalization.empty()) w.leaf("normalization", p.hoaNormalization);
    if (p.nfcRefDist) w.leaf("nfcRefDist", number(*p.nfcRefDist));
    w.close();
  }
  for (const ChannelFormat& c : doc.channels) {
    w.open("audioChannelFormat")
        .attribute("audioChannelFormatID", c.id)
        .attribute("audioChannelFormatName", c.name)
        .attribute("typeLabel", typeLabel(c.type))
        .attribute("typeDefinition", typeName(c.type));
    auto frequency = [&](const char* kind, const std::optional<double>& hz) {
      if (hz) w.open("frequency").attribute("typeDefinition", kind).text(number(*hz)).close();
    };
    frequency("lowPass", c.lowPassHz);
    frequency("highPass", c.highPassHz);
    for (const BlockFormat& b : c.blocks) {
      w.open("audioBlockFormat").attribute("audioBlockFormatID", b.id);
      if (b.rtime) w.attribute("rtime", formatTimecode(*b.rtime));
      if (b.duration) w.attribute("duration", formatTimecode(*b.duration));
      if (!b.speakerLabel.empty()) w.leaf("speakerLabel", b.speakerLabel);
      if (c.type == TypeDefinition::Matrix) {
        writeMatrixBlock(w, b);
        w.close();
        continue;
      }
      if (c.type == TypeDefinition::HOA) {
        if (b.hoaOrder) w.leaf("order", std::to_string(*b.hoaOrder));
        if (b.hoaDegree) w.leaf("degree", std::to_string(*b.hoaDegree));
        if (!b.hoaNormalization.empty()) w.leaf("normalization", b.hoaNormalization);
        if (b.nfcRefDist) w.leaf("nfcRefDist", number(*b.nfcRefDist));
        if (b.screenRef) w.leaf("screenRef", "1");
        if (b.gain != 1.0) w.leaf("gain", number(b.gain));
        writeHeadphoneVirtualise(w, b);
        w.close();
        continue;
      }
      auto coordinate = [&](const char* name, double v) {
        w.open("position").attribute("coordinate", name);
        const std::string n = name;
        if ((n == "azimuth" || n == "X") && !b.screenEdgeLockHorizontal.empty())
          w.attribute("screenEdgeLock", b.screenEdgeLockHorizontal);
        if ((n == "elevation" || n == "Z") && !b.screenEdgeLockVertical.empty())
          w.attribute("screenEdgeLock", b.screenEdgeLockVertical);
        w.text(number(v)).close();
      };
      if (b.cartesian) {
        w.leaf("cartesian", "1");
        coordinate("X", b.x);
        coordinate("Y", b.y);
        coordinate("Z", b.z);
      } else {
        coordinate("azimuth", b.azimuth);
        coordinate("elevation", b.elevation);
        coordinate("distance", b.distance);
      }
      auto bound = [&](const char* name, const char* which, const std::optional<double>& v) {
        if (v)
          w.open("position")
              .attribute("coordinate", name)
              .attribute("bound", which)
              .text(number(*v))
              .close();
      };
      bound("azimuth", "min", b.azimuthMin);
      bound("azimuth", "max", b.azimuthMax);
      bound("elevation", "min", b.elevationMin);
      bound("elevation", "max", b.elevationMax);
      bound("distance", "min", b.distanceMin);
      bound("distance", "max", b.distanceMax);
      bound("X", "min", b.xMin);
      bound("X", "max", b.xMax);
      bound("Y", "min", b.yMin);
      bound("Y", "max", b.yMax);
      bound("Z", "min", b.zMin);
      bound("Z", "max", b.zMax);
      if (c.type == TypeDefinition::Objects) {
        if (b.width != 0.0) w.leaf("width", number(b.width));
        if (b.height != 0.0) w.leaf("height", number(b.height));
        if (b.depth != 0.0) w.leaf("depth", number(b.depth));
        if (b.gain != 1.0) w.leaf("gain", number(b.gain));
        if (b.divergence != 0.0) {
          // A Cartesian block's range is positionRange (BS.2127 ignores azimuthRange there); its
          // azimuthRange is kept where it is not the default, for layouts on the polar path.
          w.open("objectDivergence");
          if (!b.cartesian || b.divergenceAzimuthRange != 45.0)
            w.attribute("azimuthRange", number(b.divergenceAzimuthRange));
          if (b.cartesian) w.attribute("positionRange", number(b.divergencePositionRange));
          w.text(number(b.divergence)).close();
        }
        if (b.channelLock) {
          w.open("channelLock");
          if (b.channelLockMaxDistance)
            w.attribute("maxDistance", number(*b.channelLockMaxDistance));
          w.text("1").close();
        }
        if (!b.zoneExclusion.empty()) {
          w.open("zoneExclusion");
          for (const ExclusionZone& z : b.zoneExclusion) {
            w.open("zone");
            if (z.cartesian) {
              w.attribute("minX", number(z.minX)).attribute("maxX", number(z.maxX));
              w.attribute("minY", number(z.minY)).attribute("maxY", number(z.maxY));
              w.attribute("minZ", number(z.minZ)).attribute("maxZ", number(z.maxZ));
            } else {
              w.attribute("minElevation", number(z.minElevation))
                  .attribute("maxElevation", number(z.maxElevation));
              w.attribute("minAzimuth", number(z.minAzimuth))
                  .attribute("maxAzimuth", number(z.maxAzimuth));
            }
            w.text("zone").close();
          }
          w.close();
        }
        if (b.diffuse != 0.0) w.leaf("diffuse", number(b.diffuse));
        if (b.screenRef) w.leaf("screenRef", "1");
        w.open("jumpPosition");
        if (b.interpolationLength)
          w.attribute("interpolationLength", number(*b.interpolationLength));
        w.text(b.jumpPosition ? "1" : "0").close();
      }
      writeHeadphoneVirtualise(w, b);
      w.close();
    }
    w.close();
  }
  for (const StreamFormat& s : doc.streams) {
    w.open("audioStreamFormat")
        .attribute("audioStreamFormatID", s.id)
        .attribute("audioStreamFormatName", s.name)
        .attribute("formatLabel", "0001")
        .attribute("formatDefinition", "PCM");
    if (!s.channelRef.empty()) w.leaf("audioChannelFormatIDRef", s.channelRef);
    if (!s.packRef.empty()) w.leaf("audioPackFormatIDRef", s.packRef);
    for (const std::string& r : s.trackRefs) w.leaf("audioTrackFormatIDRef", r);
    w.close();
  }
  for (const TrackFormat& t : doc.tracks) {
    w.open("audioTrackFormat")
        .attribute("audioTrackFormatID", t.id)
        .attribute("audioTrackFormatName", t.name)
        .attribute("formatLabel", "0001")
        .attribute("formatDefinition", "PCM");
    if (!t.streamRef.empty()) w.leaf("audioStreamFormatIDRef", t.streamRef);
    w.close();
  }
  for (const TrackUid& u : doc.uids) {
    w.open("audioTrackUID").attribute("UID", u.id);
    if (!u.trackFormatRef.empty()) w.leaf("audioTrackFormatIDRef", u.trackFormatRef);
    if (!u.channelFormatRef.empty()) w.leaf("audioChannelFormatIDRef", u.channelFormatRef);
    if (!u.packRef.empty()) w.leaf("audioPackFormatIDRef", u.packRef);
    w.close();
  }
  return w.finish();
}

}  // namespace vkmix::adm
