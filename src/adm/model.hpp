// The part of the ITU-R BS.2076 Audio Definition Model that vkmix reads and writes: programmes,
// contents, objects, pack/channel/stream/track formats, track UIDs, and the audioBlockFormats of
// Objects and DirectSpeakers channels. Elements and attributes outside that subset are listed in
// `unsupported` (with where they were), so an importer can say what it ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adm/xml.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::adm {

// BS.2076-2's <headphoneVirtualise bypass DRR>: whether a headphone render virtualises the
// channel (bypass 1: it plays without), and the direct-to-reverberant ratio in dB it asks for
// (130, the default, is no room). vkmix carries a track's binauralMode in it (docs/binaural.md).
struct HeadphoneVirtualise {
  bool bypass = false;
  double drrDb = 130.0;
};

// One term of a Matrix block (BS.2076 §5.4.3.2): the input channel it takes, times `gain`.
// phase (degrees), delay (ms) and the *Var references are kept as read so that an importer can
// say which of them it does not render; unset / empty: absent.
struct MatrixCoefficient {
  std::string inputChannelRef;
  double gain = 1.0;  // linear; negative inverts
  std::optional<double> phase{}, delay{};
  std::string gainVar{}, phaseVar{}, delayVar{};
};

// BS.2076 audioProgrammeReferenceScreen (BS.2127 §7.3.3): the screen a programme was mixed
// for, polar (centre azimuth/elevation/distance, screenWidth azimuth) or Cartesian (centre X/Y/Z,
// screenWidth X), and its aspect ratio. The defaults are BS.2127's default screen.
struct Screen {
  bool cartesian = false;
  double aspectRatio = 1.78;
  double azimuth = 0.0, elevation = 0.0, distance = 1.0, widthAzimuth = 58.0;
  double x = 0.0, y = 1.0, z = 0.0, widthX = 0.0;
};

// BS.2076-2 audioObject positionOffset: added to each of the object's block positions, polar
// (azimuth, elevation, distance) or Cartesian (X, Y, Z).
struct PositionOffset {
  bool cartesian = false;
  double azimuth = 0.0, elevation = 0.0, distance = 0.0;
  double x = 0.0, y = 0.0, z = 0.0;
};

struct BlockFormat {
  std::string id;
  std::optional<double> rtime, duration;  // seconds, relative to the object's start
  bool cartesian = false;
  double azimuth = 0.0, elevation = 0.0, distance = 1.0;  // polar (degrees, ADM convention)
  double x = 0.0, y = 1.0, z = 0.0;                       // Cartesian
  double width = 0.0, height = 0.0, depth = 0.0;
  double gain = 1.0;  // linear
  double divergence = 0.0, divergenceAzimuthRange = 45.0;
  double divergencePositionRange = 0.0;  // Cartesian blocks' divergence (BS.2127: along X)
  bool jumpPosition = false;
  std::optional<double> interpolationLength;  // seconds (with jumpPosition)
  std::string speakerLabel;                   // DirectSpeakers: BS.2051 label ("M+030", "LFE1")
  // DirectSpeakers `bound="min"`/`"max"` positions (BS.2076 §5.4.3.2); unset: the value itself.
  // A Cartesian position's bounds are on X, Y and Z.
  std::optional<double> azimuthMin, azimuthMax, elevationMin, elevationMax, distanceMin,
      distanceMax;
  std::optional<double> xMin, xMax, yMin, yMax, zMin, zMax;
  bool hasBounds() const {
    if (cartesian) return xMin || xMax || yMin || yMax || zMin || zMax;
    return azimuthMin || azimuthMax || elevationMin || elevationMax || distanceMin || distanceMax;
  }
  // Objects: channelLock (maxDistance unset: any), zoneExclusion, diffuse (BS.2076 §5.4.3.3).
  bool channelLock = false;
  std::optional<double> channelLockMaxDistance{};
  std::vector<ExclusionZone> zoneExclusion{};
  double diffuse = 0.0;
  std::optional<HeadphoneVirtualise> headphoneVirtualise;  // unset: the element is absent
  // screenRef: the position is relative to the reference screen, scaled to the reproduction one
  // (BS.2127 §7.3.3). screenEdgeLock (on a position coordinate): "left"/"right" (azimuth or X),
  // "top"/"bottom" (elevation or Z); empty: none (§7.3.4).
  bool screenRef = false;
  std::string screenEdgeLockHorizontal{}, screenEdgeLockVertical{};
  // Matrix: the output channel this block's channel feeds (decode and direct matrices; the file
  // may spell it outputChannelIDRef), and its `matrix` coefficients.
  std::string outputChannelRef{};
  std::vector<MatrixCoefficient> matrix{};
  // HOA (BS.2076 §5.4.3.4): the channel's spherical harmonic, and the normalization and
  // near-field reference distance (m; 0: none) when the block gives them; unset: absent.
  std::optional<int> hoaOrder{}, hoaDegree{};
  std::string hoaNormalization{};
  std::optional<double> nfcRefDist{};
  // HOA blocks: the Objects elements (position, width, diffuse, ...) the block carries, by name,
  // each once, so that the import can say they are not applied to a sound field.
  std::vector<std::string> objectsElements{};
};

enum class TypeDefinition { DirectSpeakers, Matrix, Objects, HOA, Binaural, Unknown };

struct ChannelFormat {
  std::string id, name;
  TypeDefinition type = TypeDefinition::Unknown;
  std::vector<BlockFormat> blocks;
  // <frequency typeDefinition="lowPass"/"highPass"> in Hz: an LFE channel says lowPass <= 200.
  std::optional<double> lowPassHz, highPassHz;
};

struct PackFormat {
  std::string id, name;
  TypeDefinition type = TypeDefinition::Unknown;
  std::vector<std::string> channelRefs;
  std::vector<std::string> packRefs;
  // Matrix packs (BS.2076 §5.5.4): a direct matrix has input and output, an encode matrix an
  // input, a decode matrix an output and the encode pack(s) it undoes.
  std::string inputPackRef{}, outputPackRef{};
  std::vector<std::string> encodePackRefs{}, decodePackRefs{};
  // HOA packs may give their channels' normalization and nfcRefDist (BS.2076-2 §5.3.4).
  std::string hoaNormalization{};
  std::optional<double> nfcRefDist{};
  // HOA blocks: the Objects elements (position, width, diffuse, ...) the block carries, by name,
  // each once, so that the import can say they are not applied to a sound field.
  std::vector<std::string> objectsElements{};
};

struct StreamFormat {
  std::string id, name, channelRef, packRef;
  std::vector<std::string> trackRefs;
};

struct TrackFormat {
  std::string id, name, streamRef;
};

struct TrackUid {
  std::string id, trackFormatRef, channelFormatRef, packRef;
};

struct Object {
  std::string id, name;
  std::optional<double> start, duration;
  std::optional<PositionOffset> positionOffset;
  double gain = 1.0;  // linear (BS.2076-2 audioObject gain)
  bool mute = false;
  std::vector<std::string> packRefs, trackUidRefs, objectRefs;
  // audioComplementaryObjectIDRef: this object leads a group of alternatives (languages, say)
  // of which one plays; it is the default.
  std::vector<std::string> complementaryRefs;
};

struct Content {
  std::string id, name;
  std::vector<std::string> objectRefs;
  // <dialogue>: 1 dialogue; 0 with nonDialogueContentKind 1 music, 2 effects; -1 not given.
  int dialogue = -1;
  int nonDialogueKind = -1;
};

struct Programme {
  std::string id, name;
  std::vector<std::string> contentRefs;
  std::optional<Screen> referenceScreen;  // unset: BS.2127's default screen
};

struct Document {
  std::vector<Programme> programmes;
  std::vector<Content> contents;
  std::vector<Object> objects;
  std::vector<PackFormat> packs;
  std::vector<ChannelFormat> channels;
  std::vector<StreamFormat> streams;
  std::vector<TrackFormat> tracks;
  std::vector<TrackUid> uids;
  std::vector<std::string> unsupported;  // "audioObject AO_1001: zoneExclusion", ...
  // Read, but not as written (the whole line, naming the element), e.g. a cartesian flag that
  // the coordinates contradict.
  std::vector<std::string> warnings;
};

// A Document's elements by ID, so that resolving a master's references costs one hash lookup
// each: searching the lists made planning quadratic in objects and tracks. Built in one pass;
// where an ID repeats, the first element with it is the one found. `doc` must outlive the index
// and keep its lists as they were.
class DocumentIndex {
 public:
  explicit DocumentIndex(const Document& doc);

  const Object* object(std::string_view id) const { return find(objects_, id); }
  const Content* content(std::string_view id) const { return find(contents_, id); }
  const PackFormat* pack(std::string_view id) const { return find(packs_, id); }
  const ChannelFormat* channel(std::string_view id) const { return find(channels_, id); }
  const StreamFormat* stream(std::string_view id) const { return find(streams_, id); }
  const TrackFormat* track(std::string_view id) const { return find(tracks_, id); }

 private:
  template <typename T>
  using Map = std::unordered_map<std::string_view, const T*>;
  template <typename T>
  static const T* find(const Map<T>& map, std::string_view id) {
    const auto it = map.find(id);
    return it == map.end() ? nullptr : it->second;
  }

  Map<Object> objects_;
  Map<Content> contents_;
  Map<PackFormat> packs_;
  Map<ChannelFormat> channels_;
  Map<StreamFormat> streams_;
  Map<TrackFormat> tracks_;
};

// Reads the audioFormatExtended of an axml document. Throws InputError(source, "axml", ...) for
// malformed XML, a missing audioFormatExtended, or values that are not numbers where numbers
// belong.
Document parseAdm(const std::string& axml, const std::string& source);

// Writes `doc` as an ebuCoreMain axml document (the form BS.2076 and EBU Tech 3285 use).
std::string writeAdm(const Document& doc);

// "hh:mm:ss.fffff" or BS.2076-2 "hh:mm:ss.nnnnnSddddd" (nnnnn/ddddd s); nullopt when malformed.
std::optional<double> parseTimecode(const std::string& s);
std::string formatTimecode(double seconds);  // "hh:mm:ss.fffffffff" (nanosecond precision)

const char* typeLabel(TypeDefinition t);  // "0001" ...
const char* typeName(TypeDefinition t);   // "DirectSpeakers" ...

}  // namespace vkmix::adm
