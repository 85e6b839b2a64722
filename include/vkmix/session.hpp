// The session model: what a vkmix session file (docs/session-format.md) says, validated.
// Times are seconds on the session timeline; gains are dB; angles are degrees in the ADM
// convention (azimuth positive to the left, elevation up).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vkmix/layout.hpp"

namespace vkmix {

// Object: one signal at a position; Bed: channels of a loudspeaker layout; Hoa: the channels of a
// scene-based (Ambisonics) signal in ACN order, decoded for the output layout (docs/hoa.md).
enum class TrackType { Object, Bed, Hoa };
enum class FadeShape { Linear, EqualPower, SCurve };
enum class Interpolation { Linear, Jump };
// How a track is rendered on headphones (docs/binaural.md), by the names the Dolby Atmos
// Renderer gives its binaural render modes: Off plays it without HRTF (a stereo fold-down), Near,
// Mid and Far through the HRTF with no, a little and more synthetic room. Only binaural outputs
// use it; the loudspeaker render is the same whatever it says.
enum class BinauralMode { Off, Near, Mid, Far };
// The session-file name of a mode ("off", "near", "mid", "far"), and back (nullopt if unknown).
const char* binauralModeName(BinauralMode mode);

enum class PanInterpolation { Position, Gains };
std::optional<BinauralMode> parseBinauralMode(std::string_view name);

// The session-file / ADM name of a normalisation ("SN3D", "N3D", "FuMa"), and back (nullopt if
// unknown).
const char* hoaNormalizationName(HoaNormalization n);
std::optional<HoaNormalization> parseHoaNormalization(std::string_view name);

// A position as the user wrote it: ADM polar, or Cartesian room coordinates
// (x right, y front, z up, each -1..1). layout/position.hpp converts between the two.
struct Position {
  bool cartesian = false;
  double azimuthDeg = 0.0;
  double elevationDeg = 0.0;
  double distance = 1.0;
  double x = 0.0;
  double y = 1.0;
  double z = 0.0;
  // Object size and divergence (ADM audioBlockFormat width, height, depth, objectDivergence).
  double widthDeg = 0.0;
  double heightDeg = 0.0;
  double depth = 0.0;
  double divergence = 0.0;                  // 0..1
  double divergenceAzimuthRangeDeg = 45.0;  // where the divergent copies sit
  double divergencePositionRange = 0.0;     // Cartesian positions: the copies' offset along x
  // ADM channelLock (BS.2127 §7.3.6): the object plays from the loudspeaker nearest it, if one is
  // within channelLockMaxDistance (unset: any).
  bool channelLock = false;
  std::optional<double> channelLockMaxDistance{};
  // ADM zoneExclusion (BS.2127 §7.3.12): loudspeakers in these zones are not used; their share
  // goes to their nearest neighbours.
  std::vector<ExclusionZone> zoneExclusion{};
  // ADM diffuse 0..1 (BS.2127 §7.3.10): the share of power that goes through the decorrelators.
  double diffuse = 0.0;
  // An ADM DirectSpeakers channel played as an object (its pack forms no built-in layout): the
  // loudspeaker label it names. An output with a loudspeaker of that label plays it there whole,
  // as BS.2127's DirectSpeakers panner matches labels first; other outputs pan the position.
  std::string speakerLabel{};
};

// Track gain automation: the gain reached at timeSeconds, interpolated linearly in dB from the
// previous key (Jump holds the previous value until this key's time).
struct GainKey {
  double timeSeconds = 0.0;
  double gainDb = 0.0;
  Interpolation interpolation = Interpolation::Linear;
};

// One keyframe of an object's trajectory: the position reached at timeSeconds. `interpolation`
// says how the segment that ends here is travelled: Linear moves, Jump holds the previous
// position until this time.
struct PositionKey {
  double timeSeconds = 0.0;
  Position position;
  Interpolation interpolation = Interpolation::Linear;
};

struct Clip {
  std::string file;                     // as written in the session
  std::filesystem::path resolvedPath;   // relative paths resolve against the session's folder
  double startSeconds = 0.0;            // where the clip starts on the timeline
  double offsetSeconds = 0.0;           // where in the file playback starts
  std::optional<double> lengthSeconds;  // unset: the rest of the file
  double gainDb = 0.0;
  // Polarity inversion: the clip plays negated (a gain of -1 on top of gainDb), as an ADM matrix
  // coefficient with a negative gain asks.
  bool invert = false;
  double fadeInSeconds = 0.0;
  double fadeOutSeconds = 0.0;
  FadeShape fadeInShape = FadeShape::Linear;
  FadeShape fadeOutShape = FadeShape::Linear;
  std::optional<int> channel;  // object tracks: which channel of the file (0-based)
  // Bed tracks: which channel of the file feeds each of the bed's channels, in the bed layout's
  // order; -1 leaves that bed channel silent. Empty: the file's channels are the bed's, in order.
  std::vector<int> channels;
};

// A send from a track to a reverb bus: the track's signal (post-fader by default: after the
// track's gain and automation; pre-fader: after clip gain and fades only) at levelDb.
struct Send {
  std::string reverb;  // a Reverb's name
  double levelDb = 0.0;
  bool preFader = false;
};

// A convolution reverb bus (docs/reverb.md): an impulse response file, its wet gain and pre-delay.
struct Reverb {
  std::string name;
  std::string ir;                    // as written
  std::filesystem::path resolvedIr;  // relative paths resolve against the session's folder
  double wetDb = 0.0;
  double predelayMs = 0.0;
};

// Dialogue denoise on a track (docs/denoise.md): STFT noise suppression of the track's clips
// (after clip gain and fades, before the fader), latency-compensated.
struct Denoise {
  bool enabled = true;
  double reductionDb = 12.0;  // 0..60: the most the noise is attenuated (the gain floor)
  double smoothing = 0.5;     // 0..1: against musical noise (time and frequency smoothing)
  std::optional<double> learnStartSeconds,
      learnEndSeconds;          // learn a profile here; unset: adaptive
  std::optional<double> humHz;  // mains hum removal: fundamental (50, 60, ...)
  int humHarmonics = 8;
  double humBandwidthHz = 2.0;
};

struct Track {
  std::string name;
  std::string stem = "effects";
  TrackType type = TrackType::Object;
  double gainDb = 0.0;
  bool mute = false;
  BinauralMode binauralMode = BinauralMode::Mid;  // headphone outputs only
  // Object tracks: what moves between linear position keys. Position (a session's own
  // automation): the object itself, panned where it is at each instant. Gains (BS.2127 §7.2, as
  // an ADM import renders): the loudspeaker gains, straight from one key's to the next's, the
  // block gains (gainKeys) in amplitude, not dB.
  PanInterpolation panInterpolation = PanInterpolation::Position;
  Position position;                      // object tracks: the static position
  std::vector<PositionKey> positionKeys;  // object tracks: a trajectory (overrides `position`)
  std::vector<GainKey> gainKeys;          // gain automation on top of gainDb (any track)
  std::string bedLayout;                  // bed tracks: the layout of the bed's channels
  // HOA tracks: the order (the clips carry (order + 1)^2 channels, ACN order) and how they are
  // normalised.
  int hoaOrder = 1;
  HoaNormalization hoaNormalization = HoaNormalization::SN3D;
  std::vector<Send> sends;
  std::optional<Denoise> denoise;
  std::vector<Clip> clips;
};

struct Session {
  std::filesystem::path path;  // the file it was read from (for messages and relative media)
  int sampleRate = 48000;
  std::string layout = "7.1.4";
  double pictureStartSeconds = 0.0;  // timeline time of the picture's first frame (muxing)
  // The render lasts at least this long (a programme's length where its last sound ends early,
  // as an ADM master's audio sets it); unset: until the last clip (and reverb tail) ends.
  std::optional<double> lengthSeconds;
  std::vector<Reverb> reverbs;
  std::vector<Track> tracks;
};

// Reads and validates a session file. Throws InputError naming the file and the key's path
// (e.g. "demo.json: tracks[1].clips[0].gainDb: expected a number, got a string").
Session loadSession(const std::filesystem::path& path);

// Same, from text; `path` is used for messages and to resolve relative media paths.
Session parseSession(std::string_view json, const std::filesystem::path& path);

// The session as a session file (docs/session-format.md): parseSession of the text gives back an
// equal session. Only values that differ from the defaults are written.
std::string sessionToJson(const Session& session);

// Writes sessionToJson(session) to `path` under a temporary name, renamed into place when
// complete. Throws IoError when it cannot.
void saveSession(const Session& session, const std::filesystem::path& path);

// The latest time any clip of the session plays until (or its length, if later), in seconds, if
// clip lengths are known. Clips without a length count from their start only; the engine refines
// this once media is open.
double sessionNominalEndSeconds(const Session& session);

}  // namespace vkmix
