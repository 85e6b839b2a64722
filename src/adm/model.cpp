#include "adm/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "vkmix/error.hpp"

namespace vkmix::adm {
namespace {

constexpr const char* kTypeLabels[] = {"0001", "0002", "0003", "0004", "0005"};
constexpr const char* kTypeNames[] = {"DirectSpeakers", "Matrix", "Objects", "HOA", "Binaural"};

TypeDefinition typeOf(const XmlElement& e) {
  for (int i = 0; i < 5; ++i) {
    const std::string* label = e.attribute("typeLabel");
    const std::string* def = e.attribute("typeDefinition");
    if ((label != nullptr && *label == kTypeLabels[i]) || (def != nullptr && *def == kTypeNames[i]))
      return static_cast<TypeDefinition>(i);
  }
  return TypeDefinition::Unknown;
}

class Reader {
 public:
  Reader(const std::string& source, Document& doc, int bs2076Version)
      : source_(source), doc_(doc), bs2076Version_(bs2076Version) {}

  [[noreturn]] void fail(const XmlElement& e, const std::string& what) const {
    throw InputError(source_, "axml",
                     "line " + std::to_string(e.line) + ": <" + e.name + ">: " + what);
  }
  std::string attr(const XmlElement& e, const char* key, bool required = true) const {
    const std::string* v = e.attribute(key);
    if (v == nullptr) {
      if (required) fail(e, std::string("missing attribute ") + key);
      return {};
    }
    return *v;
  }
  double number(const XmlElement& e, const std::string& text) const {
    const char* begin = text.c_str();
    char* end = nullptr;
    const double v = std::strtod(begin, &end);
    if (text.empty() || end != begin + text.size() || !std::isfinite(v))
      fail(e, "\"" + text + "\" is not a number");
    return v;
  }
  std::optional<double> time(const XmlElement& e, const char* key) const {
    const std::string* v = e.attribute(key);
    if (v == nullptr) return std::nullopt;
    auto t = parseTimecode(*v);
    if (!t) fail(e, std::string(key) + " \"" + *v + "\" is not a time (hh:mm:ss.fffff)");
    return t;
  }
  // BS.2076's gainUnit: linear (the default) or dB; anything else is refused, as the EBU
  // reference renderer refuses it, rather than read as linear.
  double gain(const XmlElement& g) const {
    const double v = number(g, g.text);
    const std::string* unit = g.attribute("gainUnit");
    if (unit == nullptr || *unit == "linear") return v;
    if (*unit == "dB") return std::pow(10.0, v / 20.0);
    fail(g, "gainUnit \"" + *unit + "\" is not linear or dB");
  }
  // An ID names one element: a second element with it is refused (the EBU reference renderer
  // refuses duplicate IDs too), naming both lines, rather than one of them silently ignored.
  void defined(const XmlElement& e, const std::string& id, const char* key) {
    const auto [it, added] = definedOn_.emplace(id, e.line);
    if (!added) {
      fail(e, std::string(key) + " " + id + " is defined twice (first on line " +
                  std::to_string(it->second) + ")");
    }
  }
  void unsupported(const std::string& where, const std::string& what) {
    doc_.unsupported.push_back(where + ": " + what);
  }
  std::vector<std::string> refs(const XmlElement& e, const char* name) const {
    std::vector<std::string> out;
    for (const XmlElement* r : e.childrenNamed(name)) out.push_back(r->text);
    return out;
  }

  // Its attributes; each absent one at BS.2076-2's default.
  HeadphoneVirtualise headphoneVirtualise(const XmlElement& c) {
    HeadphoneVirtualise h;
    if (const std::string* bypass = c.attribute("bypass")) h.bypass = number(c, *bypass) != 0.0;
    if (const std::string* drr = c.attribute("DRR")) h.drrDb = number(c, *drr);
    return h;
  }

  // <audioProgrammeReferenceScreen aspectRatio>: <screenCentrePosition> and <screenWidth>, both
  // polar (azimuth, elevation, distance / azimuth) or both Cartesian (X, Y, Z / X).
  Screen referenceScreen(const XmlElement& e) const {
    Screen s;
    s.aspectRatio = number(e, attr(e, "aspectRatio"));
    const XmlElement* centre = e.child("screenCentrePosition");
    const XmlElement* width = e.child("screenWidth");
    if (centre == nullptr || width == nullptr)
      fail(e, "needs a screenCentrePosition and a screenWidth");
    auto value = [&](const XmlElement& el, const char* key, double fallback) {
      const std::string* v = el.attribute(key);
      return v == nullptr ? fallback : number(el, *v);
    };
    s.cartesian = centre->attribute("X") != nullptr;
    if (s.cartesian) {
      s.x = number(*centre, attr(*centre, "X"));
      s.y = number(*centre, attr(*centre, "Y"));
      s.z = number(*centre, attr(*centre, "Z"));
      s.widthX = number(*width, attr(*width, "X"));
    } else {
      s.azimuth = number(*centre, attr(*centre, "azimuth"));
      s.elevation = number(*centre, attr(*centre, "elevation"));
      s.distance = value(*centre, "distance", 1.0);
      s.widthAzimuth = number(*width, attr(*width, "azimuth"));
    }
    if (!(s.aspectRatio > 0.0)) fail(e, "aspectRatio must be positive");
    return s;
  }

  // <positionOffset coordinate="azimuth">30</positionOffset> ...: polar or Cartesian, not both.
  std::optional<PositionOffset> positionOffset(const XmlElement& object) const {
    const auto elements = object.childrenNamed("positionOffset");
    if (elements.empty()) return std::nullopt;
    PositionOffset o;
    bool polar = false, cart = false;
    for (const XmlElement* p : elements) {
      const std::string coord = attr(*p, "coordinate");
      const double v = number(*p, p->text);
      if (coord == "azimuth") {
        o.azimuth = v;
        polar = true;
      } else if (coord == "elevation") {
        o.elevation = v;
        polar = true;
      } else if (coord == "distance") {
        o.distance = v;
        polar = true;
      } else if (coord == "X") {
        o.x = v;
        cart = true;
      } else if (coord == "Y") {
        o.y = v;
        cart = true;
      } else if (coord == "Z") {
        o.z = v;
        cart = true;
      } else {
        fail(*p, "unknown coordinate \"" + coord + "\"");
      }
    }
    if (polar && cart)
      fail(*elements.front(),
           "a positionOffset is polar (azimuth, elevation, distance) or "
           "Cartesian (X, Y, Z), not both");
    o.cartesian = cart;
    return o;
  }

  MatrixCoefficient coefficient(const XmlElement& c) const {
    MatrixCoefficient m;
    m.inputChannelRef = c.text;
    if (m.inputChannelRef.empty()) fail(c, "names no input channel");
    if (const std::string* g = c.attribute("gain")) m.gain = number(c, *g);
    if (const std::string* p = c.attribute("phase")) m.phase = number(c, *p);
    if (const std::string* d = c.attribute("delay")) m.delay = number(c, *d);
    m.gainVar = attr(c, "gainVar", false);
    m.phaseVar = attr(c, "phaseVar", false);
    m.delayVar = attr(c, "delayVar", false);
    return m;
  }

  // BS.2076's Objects-only block elements, on an HOA block: read as for Objects, and kept by
  // name for the import to name (a sound field has no position, size or divergence).
  static void noteObjectsElement(BlockFormat& b, const std::string& name) {
    static const char* const kObjectsOnly[] = {
        "position", "cartesian",   "width",         "height",           "depth",
        "diffuse",  "channelLock", "zoneExclusion", "objectDivergence", "jumpPosition"};
    for (const char* o : kObjectsOnly) {
      if (name == o && std::find(b.objectsElements.begin(), b.objectsElements.end(), name) ==
                           b.objectsElements.end())
        b.objectsElements.push_back(name);
    }
  }

  // BS.2127 (the EBU reference renderer's parser): an Objects block's position is azimuth and
  // elevation (distance optional) or X and Y (Z optional, 0), nothing else; the coordinates say
  // which, and a cartesian flag that disagrees is warned and overruled by them.
  void objectsPosition(const XmlElement& e, const std::string& where,
                       const std::vector<std::string>& coordinates, bool flagGiven,
                       BlockFormat& b) {
    auto has = [&](const char* c) {
      return std::find(coordinates.begin(), coordinates.end(), c) != coordinates.end();
    };
    const bool polar = has("azimuth") || has("elevation") || has("distance");
    const bool cartesian = has("X") || has("Y") || has("Z");
    std::string given;
    for (const std::string& c : coordinates) given += (given.empty() ? "" : ", ") + c;
    const bool complete = polar ? has("azimuth") && has("elevation") : has("X") && has("Y");
    if ((polar && cartesian) || !complete)
      fail(e, where + ": position gives " + given +
                  "; an object's position is azimuth and elevation (and distance) or X and Y (and "
                  "Z)");
    if (b.cartesian != cartesian) {
      doc_.warnings.push_back(
          where + ": " +
          (flagGiven ? std::string("<cartesian>") + (b.cartesian ? "1" : "0") + "</cartesian>"
                     : std::string("no <cartesian> flag")) +
          " with " + (cartesian ? "X/Y/Z" : "polar") +
          " coordinates; the coordinates decide: " + (cartesian ? "Cartesian" : "polar"));
      b.cartesian = cartesian;
    }
  }

  BlockFormat block(const XmlElement& e, TypeDefinition type, const std::string& channelId) {
    BlockFormat b;
    b.id = attr(e, "audioBlockFormatID", false);
    b.rtime = time(e, "rtime");
    b.duration = time(e, "duration");
    const std::string where = "audioBlockFormat " + (b.id.empty() ? channelId : b.id);
    const XmlElement* cartesianFlag = e.child("cartesian");
    if (cartesianFlag != nullptr) b.cartesian = number(*cartesianFlag, cartesianFlag->text) != 0.0;
    std::vector<std::string> coordinates;  // the position values given, in file order
    for (const auto& child : e.children) {
      const XmlElement& c = *child;
      if (type == TypeDefinition::HOA) noteObjectsElement(b, c.name);
      if (c.name == "position") {
        const std::string coord = attr(c, "coordinate");
        const double v = number(c, c.text);
        if (const std::string* bound = c.attribute("bound");
            bound != nullptr && *bound != "value") {
          const bool min = *bound == "min";
          if (!min && *bound != "max") fail(c, "bound \"" + *bound + "\" is not min or max");
          if (coord == "azimuth") {
            (min ? b.azimuthMin : b.azimuthMax) = v;
          } else if (coord == "elevation") {
            (min ? b.elevationMin : b.elevationMax) = v;
          } else if (coord == "distance") {
            (min ? b.distanceMin : b.distanceMax) = v;
          } else if (coord == "X") {
            (min ? b.xMin : b.xMax) = v;
          } else if (coord == "Y") {
            (min ? b.yMin : b.yMax) = v;
          } else if (coord == "Z") {
            (min ? b.zMin : b.zMax) = v;
          } else {
            unsupported(where, "position " + coord + " bound");
          }
          continue;
        }
        if (const std::string* lock = c.attribute("screenEdgeLock")) {
          const bool horizontal = coord == "azimuth" || coord == "X";
          const bool vertical = coord == "elevation" || coord == "Z";
          if (horizontal && (*lock == "left" || *lock == "right")) {
            b.screenEdgeLockHorizontal = *lock;
          } else if (vertical && (*lock == "top" || *lock == "bottom")) {
            b.screenEdgeLockVertical = *lock;
          } else {
            fail(c, "screenEdgeLock \"" + *lock + "\" on coordinate " + coord +
                        " (left/right on azimuth or X, top/bottom on elevation or Z)");
          }
        }
        if (type == TypeDefinition::Objects &&
            std::find(coordinates.begin(), coordinates.end(), coord) != coordinates.end())
          fail(c, where + ": coordinate " + coord + " is given twice");
        coordinates.push_back(coord);
        if (coord == "azimuth") {
          b.azimuth = v;
        } else if (coord == "elevation") {
          b.elevation = v;
        } else if (coord == "distance") {
          b.distance = v;
        } else if (coord == "X") {
          b.x = v;
        } else if (coord == "Y") {
          b.y = v;
        } else if (coord == "Z") {
          b.z = v;
        } else {
          fail(c, "unknown coordinate \"" + coord + "\"");
        }
      } else if (c.name == "width") {
        b.width = number(c, c.text);
      } else if (c.name == "height") {
        b.height = number(c, c.text);
      } else if (c.name == "depth") {
        b.depth = number(c, c.text);
      } else if (c.name == "gain") {
        b.gain = gain(c);
      } else if (c.name == "jumpPosition") {
        b.jumpPosition = number(c, c.text) != 0.0;
        if (const std::string* il = c.attribute("interpolationLength"))
          b.interpolationLength = number(c, *il);
      } else if (c.name == "objectDivergence") {
        b.divergence = number(c, c.text);
        if (const std::string* r = c.attribute("azimuthRange")) {
          b.divergenceAzimuthRange = number(c, *r);
        } else if (!b.cartesian) {
          // BS.2076-2 changed azimuthRange's default from 45 to 0; BS.2127's reference renderer
          // takes the document's version (0 from BS.2076-2 on, 45 before or unknown) and warns.
          b.divergenceAzimuthRange = bs2076Version_ >= 2 ? 0.0 : 45.0;
          if (type == TypeDefinition::Objects && b.divergence != 0.0 && !warnedAzimuthRange_) {
            warnedAzimuthRange_ = true;
            doc_.warnings.push_back(
                "objectDivergence without azimuthRange: its default changed between BS.2076-1 "
                "and -2; taken as " +
                std::string(bs2076Version_ >= 2 ? "0" : "45") +
                " degrees for this document's version, as BS.2127's reference renderer does");
          }
        }
        // Kept as read; BS.2127 uses positionRange only on Cartesian blocks (a polar block
        // diverges by azimuthRange and ignores it), which the import applies (positionOf).
        if (const std::string* r = c.attribute("positionRange"))
          b.divergencePositionRange = number(c, *r);
      } else if (c.name == "headphoneVirtualise") {
        b.headphoneVirtualise = headphoneVirtualise(c);
      } else if (c.name == "speakerLabel") {
        b.speakerLabel = c.text;
      } else if (c.name == "matrix") {
        for (const XmlElement* m : c.childrenNamed("coefficient"))
          b.matrix.push_back(coefficient(*m));
      } else if (c.name == "outputChannelFormatIDRef" || c.name == "outputChannelIDRef") {
        b.outputChannelRef = c.text;
      } else if (c.name == "cartesian" || c.name == "importance") {
        // cartesian: read above; importance: a hint for renderers that drop objects.
      } else if (c.name == "channelLock") {
        b.channelLock = number(c, c.text) != 0.0;
        if (const std::string* d = c.attribute("maxDistance"))
          b.channelLockMaxDistance = number(c, *d);
      } else if (c.name == "zoneExclusion") {
        for (const XmlElement* z : c.childrenNamed("zone")) {
          ExclusionZone zone;
          auto bound = [&](const char* key, double& v) {
            const std::string* a = z->attribute(key);
            if (a == nullptr) return false;
            v = number(*z, *a);
            return true;
          };
          bool cart = false, polar = false;
          cart |= bound("minX", zone.minX);
          cart |= bound("maxX", zone.maxX);
          cart |= bound("minY", zone.minY);
          cart |= bound("maxY", zone.maxY);
          cart |= bound("minZ", zone.minZ);
          cart |= bound("maxZ", zone.maxZ);
          polar |= bound("minAzimuth", zone.minAzimuth);
          polar |= bound("maxAzimuth", zone.maxAzimuth);
          polar |= bound("minElevation", zone.minElevation);
          polar |= bound("maxElevation", zone.maxElevation);
          if (cart == polar)
            fail(*z, "a zone has either minX..maxZ or minAzimuth..maxElevation attributes");
          zone.cartesian = cart;
          b.zoneExclusion.push_back(zone);
        }
      } else if (c.name == "diffuse") {
        b.diffuse = number(c, c.text);
        if (b.diffuse < 0.0 || b.diffuse > 1.0) fail(c, "diffuse must be within 0..1");
      } else if (c.name == "order" || c.name == "degree") {
        const double v = number(c, c.text);
        if (v != std::floor(v) || std::abs(v) > 1000) fail(c, c.name + " must be an integer");
        (c.name == "order" ? b.hoaOrder : b.hoaDegree) = static_cast<int>(v);
      } else if (c.name == "equation" && type == TypeDefinition::HOA) {
        // BS.2076's equation overrides order and degree but has no defined syntax: the EBU
        // reference renderer refuses such a block; vkmix decodes the channel by order and degree.
        doc_.warnings.push_back(where + ": equation \"" + c.text +
                                "\" is not read; the channel is decoded by its order and degree "
                                "(the EBU reference renderer refuses an HOA block with an "
                                "equation)");
      } else if (c.name == "normalization") {
        b.hoaNormalization = c.text;
      } else if (c.name == "nfcRefDist") {
        b.nfcRefDist = number(c, c.text);
      } else if (c.name == "screenRef") {
        b.screenRef = number(c, c.text) != 0.0;
      } else if (c.name == "headLocked") {
        // BS.2127's loudspeaker render has no head to lock to, and vkmix's binaural render no
        // head tracking: every object is where a head-locked one would be (docs/adm.md).
      } else {
        unsupported(where, c.name);
      }
    }
    if (type == TypeDefinition::Objects && !coordinates.empty())
      objectsPosition(e, where, coordinates, cartesianFlag != nullptr, b);
    return b;
  }

  void formats(const XmlElement& afe) {
    for (const auto& child : afe.children) {
      const XmlElement& e = *child;
      if (e.name == "audioProgramme") {
        Programme p{attr(e, "audioProgrammeID"), attr(e, "audioProgrammeName", false),
                    refs(e, "audioContentIDRef"), std::nullopt};
        if (const XmlElement* screen = e.child("audioProgrammeReferenceScreen"))
          p.referenceScreen = referenceScreen(*screen);
        defined(e, p.id, "audioProgrammeID");
        doc_.programmes.push_back(std::move(p));
      } else if (e.name == "audioContent") {
        Content c{attr(e, "audioContentID"), attr(e, "audioContentName", false),
                  refs(e, "audioObjectIDRef")};
        if (const XmlElement* d = e.child("dialogue")) {
          c.dialogue = static_cast<int>(number(*d, d->text));
          if (const std::string* k = d->attribute("nonDialogueContentKind"))
            c.nonDialogueKind = static_cast<int>(number(*d, *k));
        }
        defined(e, c.id, "audioContentID");
        doc_.contents.push_back(std::move(c));
      } else if (e.name == "audioObject") {
        Object o;
        o.id = attr(e, "audioObjectID");
        o.name = attr(e, "audioObjectName", false);
        o.start = time(e, "start");
        o.duration = time(e, "duration");
        o.packRefs = refs(e, "audioPackFormatIDRef");
        o.trackUidRefs = refs(e, "audioTrackUIDRef");
        o.objectRefs = refs(e, "audioObjectIDRef");
        if (const XmlElement* g = e.child("gain")) o.gain = gain(*g);
        if (const XmlElement* m = e.child("mute")) o.mute = number(*m, m->text) != 0.0;
        o.complementaryRefs = refs(e, "audioComplementaryObjectIDRef");
        o.positionOffset = positionOffset(e);
        defined(e, o.id, "audioObjectID");
        doc_.objects.push_back(std::move(o));
      } else if (e.name == "audioPackFormat") {
        PackFormat p{attr(e, "audioPackFormatID"), attr(e, "audioPackFormatName", false), typeOf(e),
                     refs(e, "audioChannelFormatIDRef"), refs(e, "audioPackFormatIDRef")};
        if (const XmlElement* r = e.child("inputPackFormatIDRef")) p.inputPackRef = r->text;
        if (const XmlElement* r = e.child("outputPackFormatIDRef")) p.outputPackRef = r->text;
        p.encodePackRefs = refs(e, "encodePackFormatIDRef");
        p.decodePackRefs = refs(e, "decodePackFormatIDRef");
        if (e.child("absoluteDistance") != nullptr)
          unsupported("audioPackFormat " + p.id, "absoluteDistance");
        if (const XmlElement* n = e.child("normalization")) p.hoaNormalization = n->text;
        if (const XmlElement* d = e.child("nfcRefDist")) p.nfcRefDist = number(*d, d->text);
        // BS.2076 gives a pack's screenRef to HOA packs, which BS.2127 does not screen-scale.
        if (const XmlElement* r = e.child("screenRef"); r != nullptr && number(*r, r->text) != 0.0)
          doc_.warnings.push_back("audioPackFormat " + p.id +
                                  ": screenRef is not applied to HOA (nor by BS.2127); ignored");
        defined(e, p.id, "audioPackFormatID");
        doc_.packs.push_back(std::move(p));
      } else if (e.name == "audioChannelFormat") {
        ChannelFormat c{attr(e, "audioChannelFormatID"),
                        attr(e, "audioChannelFormatName", false),
                        typeOf(e),
                        {},
                        {},
                        {}};
        for (const XmlElement* b : e.childrenNamed("audioBlockFormat"))
          c.blocks.push_back(block(*b, c.type, c.id));
        for (const XmlElement* f : e.childrenNamed("frequency")) {
          const std::string kind = attr(*f, "typeDefinition");
          if (kind == "lowPass") {
            c.lowPassHz = number(*f, f->text);
          } else if (kind == "highPass") {
            c.highPassHz = number(*f, f->text);
          } else {
            fail(*f, "typeDefinition \"" + kind + "\" is not lowPass or highPass");
          }
        }
        defined(e, c.id, "audioChannelFormatID");
        doc_.channels.push_back(std::move(c));
      } else if (e.name == "audioStreamFormat") {
        StreamFormat s{attr(e, "audioStreamFormatID"),
                       attr(e, "audioStreamFormatName", false),
                       {},
                       {},
                       refs(e, "audioTrackFormatIDRef")};
        if (const XmlElement* c = e.child("audioChannelFormatIDRef")) s.channelRef = c->text;
        if (const XmlElement* p = e.child("audioPackFormatIDRef")) s.packRef = p->text;
        defined(e, s.id, "audioStreamFormatID");
        doc_.streams.push_back(std::move(s));
      } else if (e.name == "audioTrackFormat") {
        TrackFormat t{attr(e, "audioTrackFormatID"), attr(e, "audioTrackFormatName", false), {}};
        if (const XmlElement* s = e.child("audioStreamFormatIDRef")) t.streamRef = s->text;
        defined(e, t.id, "audioTrackFormatID");
        doc_.tracks.push_back(std::move(t));
      } else if (e.name == "audioTrackUID") {
        TrackUid u{attr(e, "UID"), {}, {}, {}};
        if (const XmlElement* t = e.child("audioTrackFormatIDRef")) u.trackFormatRef = t->text;
        if (const XmlElement* c = e.child("audioChannelFormatIDRef")) u.channelFormatRef = c->text;
        if (const XmlElement* p = e.child("audioPackFormatIDRef")) u.packRef = p->text;
        defined(e, u.id, "UID");
        doc_.uids.push_back(std::move(u));
      } else {
        unsupported("audioFormatExtended", e.name);
      }
    }
  }

 private:
  const std::string& source_;
  Document& doc_;
  std::unordered_map<std::string, int> definedOn_;  // ID -> the line of its element
  int bs2076Version_;  // audioFormatExtended's "ITU-R_BS.2076-n"; 0 when absent or other
  bool warnedAzimuthRange_ = false;
};

const XmlElement* findDescendant(const XmlElement& e, std::string_view name, int depth) {
  if (e.name == name) return &e;
  if (depth == 0) return nullptr;
  for (const auto& c : e.children) {
    if (const XmlElement* found = findDescendant(*c, name, depth - 1)) return found;
  }
  return nullptr;
}

template <typename T>
void indexById(const std::vector<T>& items, std::unordered_map<std::string_view, const T*>& map) {
  map.reserve(items.size());
  for (const T& item : items) map.emplace(item.id, &item);
}

}  // namespace

DocumentIndex::DocumentIndex(const Document& doc) {
  indexById(doc.objects, objects_);
  indexById(doc.contents, contents_);
  indexById(doc.packs, packs_);
  indexById(doc.channels, channels_);
  indexById(doc.streams, streams_);
  indexById(doc.tracks, tracks_);
}

const char* typeLabel(TypeDefinition t) {
  return t == TypeDefinition::Unknown ? "" : kTypeLabels[static_cast<int>(t)];
}
const char* typeName(TypeDefinition t) {
  return t == TypeDefinition::Unknown ? "unknown" : kTypeNames[static_cast<int>(t)];
}

std::optional<double> parseTimecode(const std::string& s) {
  int h = 0, m = 0, sec = 0, used = 0;
  if (std::sscanf(s.c_str(), "%2d:%2d:%2d%n", &h, &m, &sec, &used) != 3 || used != 8)
    return std::nullopt;
  if (h < 0 || m < 0 || m > 59 || sec < 0 || sec > 59) return std::nullopt;
  double t = h * 3600.0 + m * 60.0 + sec;
  if (static_cast<std::size_t>(used) == s.size()) return t;
  if (s[8] != '.') return std::nullopt;
  const std::string frac = s.substr(9);
  const std::size_t samples = frac.find('S');
  auto digits = [](const std::string& d) {
    return !d.empty() && d.size() <= 12 && d.find_first_not_of("0123456789") == std::string::npos;
  };
  if (samples == std::string::npos) {
    if (!digits(frac)) return std::nullopt;
    return t + std::stod("0." + frac);
  }
  const std::string num = frac.substr(0, samples), den = frac.substr(samples + 1);
  if (!digits(num) || !digits(den) || std::stod(den) == 0.0) return std::nullopt;
  return t + std::stod(num) / std::stod(den);
}

std::string formatTimecode(double seconds) {
  const auto ns = static_cast<long long>(std::llround(seconds * 1e9));
  const long long whole = ns / 1000000000, frac = ns % 1000000000;
  char buf[48];
  if (frac % 10000 == 0) {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%05lld", whole / 3600, whole / 60 % 60,
                  whole % 60, frac / 10000);
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%09lld", whole / 3600, whole / 60 % 60,
                  whole % 60, frac);
  }
  return buf;
}

namespace {

// BS.2094's common definitions (AP_/AC_ ttttyyyy with yyyy below 1000 hex) may be referenced
// without being defined in the file.
bool commonDefinition(const std::string& id) {
  if (id.size() < 11 || (id.rfind("AP_", 0) != 0 && id.rfind("AC_", 0) != 0)) return false;
  unsigned value = 0;
  for (std::size_t i = 7; i < 11; ++i) {
    const char c = id[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return false;
    value = value * 16 + static_cast<unsigned>(digit);
  }
  return value < 0x1000;
}

// Every reference between the programme, content, object, pack and channel elements names one
// the file defines (or a common definition), wherever it is, as the EBU reference renderer
// requires when it reads a document: a dangling one is a one-line error naming the element that
// holds it, not a silent gap found (or not) when the element is rendered. Track and stream
// format references are left to the chna resolution, which falls back on BS.2076's numbering.
void checkReferences(const Document& doc, const std::string& source) {
  std::unordered_map<std::string_view, int> defined;
  auto add = [&](const auto& items) {
    for (const auto& item : items) defined.emplace(item.id, 0);
  };
  add(doc.programmes);
  add(doc.contents);
  add(doc.objects);
  add(doc.packs);
  add(doc.channels);
  auto need = [&](const std::string& holder, const char* key, const std::string& id) {
    if (id.empty() || defined.contains(id) || commonDefinition(id)) return;
    throw InputError(source, "axml", holder + ": " + key + " " + id + " is not defined");
  };
  auto needAll = [&](const std::string& holder, const char* key,
                     const std::vector<std::string>& ids) {
    for (const std::string& id : ids) need(holder, key, id);
  };
  for (const Programme& p : doc.programmes)
    needAll("audioProgramme " + p.id, "audioContentIDRef", p.contentRefs);
  for (const Content& c : doc.contents)
    needAll("audioContent " + c.id, "audioObjectIDRef", c.objectRefs);
  for (const Object& o : doc.objects) {
    needAll("audioObject " + o.id, "audioObjectIDRef", o.objectRefs);
    needAll("audioObject " + o.id, "audioPackFormatIDRef", o.packRefs);
  }
  for (const PackFormat& p : doc.packs) {
    const std::string holder = "audioPackFormat " + p.id;
    needAll(holder, "audioChannelFormatIDRef", p.channelRefs);
    needAll(holder, "audioPackFormatIDRef", p.packRefs);
    need(holder, "inputPackFormatIDRef", p.inputPackRef);
    need(holder, "outputPackFormatIDRef", p.outputPackRef);
    needAll(holder, "encodePackFormatIDRef", p.encodePackRefs);
    needAll(holder, "decodePackFormatIDRef", p.decodePackRefs);
  }
  for (const StreamFormat& st : doc.streams) {
    need("audioStreamFormat " + st.id, "audioChannelFormatIDRef", st.channelRef);
    need("audioStreamFormat " + st.id, "audioPackFormatIDRef", st.packRef);
  }
  for (const TrackUid& u : doc.uids) {
    need("audioTrackUID " + u.id, "audioChannelFormatIDRef", u.channelFormatRef);
    need("audioTrackUID " + u.id, "audioPackFormatIDRef", u.packRef);
  }
}

}  // namespace

Document parseAdm(const std::string& axml, const std::string& source) {
  const auto root = parseXml(axml, source, "axml");
  const XmlElement* afe = findDescendant(*root, "audioFormatExtended", 4);
  if (afe == nullptr) throw InputError(source, "axml", "no audioFormatExtended element");
  Document doc;
  int version = 0;
  if (const std::string* v = afe->attribute("version")) {
    static constexpr std::string_view kPrefix = "ITU-R_BS.2076-";
    const std::string_view rest =
        std::string_view(*v).substr(v->starts_with(kPrefix) ? kPrefix.size() : v->size());
    if (!rest.empty() && rest.size() < 6 &&
        std::all_of(rest.begin(), rest.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      version = std::stoi(std::string(rest));
  }
  Reader(source, doc, version).formats(*afe);
  checkReferences(doc, source);
  return doc;
}

}  // namespace vkmix::adm
