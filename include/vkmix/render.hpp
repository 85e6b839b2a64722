// Rendering a session: the public entry points the CLI, the inspector and tests use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vkmix/session.hpp"

namespace vkmix {

// Frames [start, end) of the session's timeline (absolute frames, end exclusive).
struct FrameRange {
  std::int64_t start = 0;
  std::int64_t end = 0;
};

// What planning learns of a media file by probing it (engine::FrameCounter): enough to plan a
// render without opening the file again, and the file's size and modification time when probed,
// which tell a file that changed since. A farm's segments plan from the records `farm submit`
// made, so each opens only the media its own range plays (docs/farm.md).
struct MediaRecord {
  std::int64_t sizeBytes = 0;
  std::int64_t modifiedNs = 0;  // st_mtim, nanoseconds since the epoch
  int numChannels = 0;
  int sampleRate = 0;
  std::string codec;
  double durationSeconds = 0.0;
  std::int64_t exactFrames = 0;     // io::MediaInfo's
  std::int64_t promisedFrames = 0;  // io::MediaInfo's
  std::int64_t frames = -1;         // at the session's rate; -1: not counted (a reverb's IR)
};
// By the file's absolute path (lexically normal).
using MediaRecords = std::map<std::string, MediaRecord>;

struct RenderOptions {
  // Output layout; "" = the session's. "binaural": the mix on headphones, two ears rendered
  // through `hrtf` from the 9.1.6 virtual loudspeakers, each track in its binauralMode
  // (docs/binaural.md).
  std::string layout;
  std::filesystem::path hrtf;  // SOFA HRTF of a binaural layout; "" = libmysofa's default.sofa
  std::string device;          // "" = best Vulkan device; index; name substring; "cpu"
  // Frames per block; the output does not depend on it. 0 picks it from the busiest moment's
  // voice count: 8192 up to 512 voices, then smaller (down to 1024) so a block's samples stay
  // within 16 MiB (engine/renderer.cpp, autoBlockFrames, has the measurements).
  std::int64_t blockFrames = 0;
  bool validation = false;  // Vulkan validation layers (tests and debug builds)
  // Threads decoding the open clips' next block while this one is mixed; 0 decodes in the block
  // loop; -1 picks min(4, cores - 2), leaving a core each to the block loop and the delivery
  // thread (none on a 2-core machine, where they measured slower, except one when a CPU backend
  // has denoised tracks: the worker denoises them ahead, and one on a Vulkan device, whose loop
  // then only records and collects). The output does not depend on it.
  int decodeThreads = -1;
  // Threads besides the block loop's that read a block's clip rows (PCM straight from the file,
  // or what decode-ahead buffered); 0 reads on the loop alone; -1 picks min(8, cores - 2) on
  // machines of 4 cores or more, else 0 (on 2 cores a helper thread measured no faster). The
  // output does not depend on it.
  int readThreads = -1;
  // Threads besides the block loop's that the native CPU backend (--device cpu) mixes on, each
  // a share of a mix's channels (each channel summed by one thread, in voice order); 0 mixes on
  // the loop alone; -1 picks min(15, cores - 2) on machines of 4 cores or more, else 0. The
  // output does not depend on it.
  int backendThreads = -1;
  // Longest reverb tail after the last clip, seconds; unset: until every IR's remaining energy
  // (its energy decay curve) is below -120 dB, so a full-scale input's left-out tail is too.
  std::optional<double> tailSeconds;
  // Render only frames [start, end) of the full render (`vkmix render --range`): the blocks
  // delivered are exactly those frames of the render without it, its reverbs, denoisers and
  // moving objects warmed up from the session before `start` (docs/architecture.md, "Range
  // renders"); the report's numFrames and durationSeconds, and its loudness figures, are the
  // range's. An end past the render's end stops at the render's end. InputError naming --range
  // when start < 0, end <= start or start is at or past the render's end.
  std::optional<FrameRange> range;
  // A WAV whose header promises more frames than it holds (an interrupted copy) is refused; with
  // this, its missing frames play as silence and a warning names it.
  bool allowShortMedia = false;
  // Plan from these records instead of probing the files they list (a file they lack is probed).
  // Only the media the block loop plays is opened (a range's clips, the clips before it of its
  // denoised tracks), and each is refused, an InputError naming it, when it is missing or its
  // size or modification time differs from its record: a changed file never mixes with the
  // plan made of it. Unset (`vkmix render`): every file is probed, and a missing one fails the
  // plan.
  std::shared_ptr<const MediaRecords> mediaRecords;
  std::function<void(const std::string&)> warn;             // non-fatal problems
  std::function<void(double done, double total)> progress;  // seconds rendered / to render
  // A pass starts: normalising measures ("measuring": renders the session and keeps it beside the
  // output), then delivers ("delivering", from what was kept), and a limiter correction adds a
  // delivery pass. `pass` counts from 1; `passes` is how many are expected now (it grows when a
  // correction is needed). `progress` counts from 0 again in each pass.
  std::function<void(int pass, int passes, const std::string& what)> passStarted;
  // Polled once per block; returning true stops the render with vkmix::Interrupted. Must be
  // cheap and thread-safe (a signal handler's flag, for example).
  std::function<bool()> cancelled;
};

// ITU-R BS.1770-4 / EBU R 128 figures of one programme (the mix, a stem, a downmix). Levels in
// LUFS / dBFS / dBTP; -200 stands for silence.
struct LoudnessFigures {
  double integratedLufs = -200.0;
  double loudnessRangeLu = 0.0;
  double truePeakDbtp = -200.0;
  double samplePeakDbfs = -200.0;
  double momentaryMaxLufs = -200.0;
  double shortTermMaxLufs = -200.0;
  std::vector<double> channelSamplePeakDbfs;
  std::vector<double> channelTruePeakDbtp;
  std::vector<double> shortTermLufs;  // every 100 ms (for loudness-over-time plots)
};

struct NamedLoudness {
  std::string name;            // stem name ("dialogue", ...) or downmix ("2.0", "binaural")
  std::string layout;          // its layout
  std::filesystem::path file;  // where it was written ("" if only measured)
  LoudnessFigures loudness;
  // Downmixes, with DeliveryOptions::meterDialogueDownmixes and a "dialogue" stem: the integrated
  // loudness of that stem through this downmix's matrix (-200 silent), what a dialogue-gated
  // spec checks a re-render against.
  std::optional<double> dialogueIntegratedLufs;
};

// A file a render wrote, as a QC log lists it.
struct OutputFile {
  std::string role;  // "mix", "stem", "downmix", "video" (and "report", "plot" from the CLI)
  std::string name;  // "mix", the stem's name, the downmix's layout
  std::filesystem::path path;
  std::string format;  // --format's name ("wav24", "flac"); a video: "mov/pcm", "mp4/eac3"
  std::string layout;  // "" for files that are not audio
  int channels = 0;
};

enum class LoudnessReference { Programme, Dialogue };

// The normalisation a render applied (--loudness-target and what goes with it).
struct Normalisation {
  double targetLufs = 0.0;
  LoudnessReference reference = LoudnessReference::Programme;
  double truePeakCeilingDbtp = -1.0;
};

// A reverb bus as rendered.
struct ReverbReport {
  std::string name;
  int irChannels = 0;
  double irSeconds = 0.0;    // as convolved: pre-delay included, trailing digital silence not
  double tailSeconds = 0.0;  // how long it rings past its input (docs/reverb.md, "Tails")
  int convolvers = 0;        // one per stem that sends to it; 0: nothing sends to it
  std::int64_t partitionFrames = 0;
};

// What the render asked of its backend: what a GPU host will need, measured on any device (the
// report's "backend" object; docs/architecture.md).
struct BackendFigures {
  std::string name;              // "vulkan" or "reference"
  std::int64_t chunkFrames = 0;  // frames per chunk (the block)
  std::int64_t chunks = 0;
  std::int64_t submissions = 0;        // GPU queue submissions (none on the reference)
  std::int64_t hostToDeviceBytes = 0;  // written by the host into device-visible memory
  std::int64_t deviceToHostBytes = 0;  // read back by the host
  // CPU time of vkmix's own threads (the loop, decoders, readers, delivery; not the Vulkan
  // driver's, which on lavapipe run the shaders), and of the block loop's thread alone from its
  // first chunk to its last (the plan and the device's set-up, once a render, count in the host's
  // only).
  double hostCpuSeconds = 0.0;
  double loopCpuSeconds = 0.0;
  // Host wall time inside each stage's calls ("read", "mix", "convolve", "denoise"); the loop
  // waits there for the device, so on a GPU it is where the device's time shows.
  std::map<std::string, double> stageSeconds;
};

// One pass of a render, as the report lists them.
struct RenderPass {
  std::string stage;   // as RenderOptions::passStarted names it: "measuring", "delivering", ...
  std::string source;  // "session" (rendered it) or "kept render" (replayed the measuring pass's)
  double wallSeconds = 0.0;
};

struct RenderReport {
  std::string device;  // "llvmpipe (LLVM 15.0.6, 256 bits) [cpu]" or "cpu-reference"
  std::string layout;
  std::vector<std::string> channelNames;  // output channels, file order
  int sampleRate = 0;
  std::int64_t numFrames = 0;
  double durationSeconds = 0.0;
  // Where the delivered frames start on the session's timeline: a range render's START, else 0.
  double startSeconds = 0.0;
  double wallSeconds = 0.0;  // every pass
  std::vector<RenderPass> passes;
  std::int64_t clippedSamples = 0;  // integer formats only
  int numVoices = 0;
  int peakVoices = 0;            // the most voices sounding at once
  std::int64_t blockFrames = 0;  // the block size used (RenderOptions::blockFrames, or chosen)
  int validationErrors = 0;      // with RenderOptions::validation
  LoudnessFigures mix;           // of the delivered mix (after normalisation and limiting)
  std::vector<NamedLoudness> stems;
  std::vector<NamedLoudness> downmixes;
  double normalisationGainDb = 0.0;  // applied by --loudness-target (0 without)
  double limiterReductionDb = 0.0;   // largest true-peak limiter gain reduction on the mix
  std::vector<ReverbReport> reverbs;
  double tailSeconds = 0.0;         // rendered past the last clip for the reverbs (--tail caps it)
  std::vector<OutputFile> outputs;  // mix, stems, downmixes, in that order; or the video
  std::optional<Normalisation> normalisation;  // set when the render normalised
  // Of the last pass that rendered the session; hostCpuSeconds adds the delivery's CPU.
  BackendFigures backend;
};

// Renders into memory: channels[c][frame] in the output layout's channel (file) order, plus each
// stem's channels (stems sum to the mix).
struct RenderedAudio {
  RenderReport report;
  std::vector<std::vector<float>> channels;
  std::vector<std::string> stemNames;
  std::vector<std::vector<std::vector<float>>> stems;  // [stem][channel][frame]
};
RenderedAudio renderToMemory(const Session& session, const RenderOptions& options);

// What a render delivers besides the mix file.
struct DeliveryOptions {
  std::filesystem::path output;    // the mix
  std::string format;              // "wav16", "wav24", "wav32f", "flac"; "" = from the extension
  std::filesystem::path stemsDir;  // "" = no stem files; else DIR/<stem>.<ext>
  std::optional<double> loudnessTargetLufs;  // normalise the mix (and stems) to this
  LoudnessReference reference = LoudnessReference::Programme;  // what the target applies to
  double truePeakCeilingDbtp = -1.0;                           // limiter ceiling when normalising
  // layout -> file; "binaural": the mix on headphones (docs/binaural.md), through `hrtf`
  std::vector<std::pair<std::string, std::filesystem::path>> downmixes;
  std::filesystem::path hrtf;  // SOFA HRTF for a binaural downmix; "" = libmysofa's default.sofa
  // Also meter the "dialogue" stem through each downmix's matrix (NamedLoudness::
  // dialogueIntegratedLufs), for specs measured on dialogue that hold re-renders to them too.
  bool meterDialogueDownmixes = false;
};

// Renders and writes every deliverable, each under a temporary name, all renamed into place only
// when the whole render succeeded. With a loudness target the session is rendered once, to
// measure, and kept (float, in a folder beside the output, removed at the end however it ends);
// the delivery replays it, again if the limiter moved the result more than 0.05 LU off target.
// Without room for the kept render beside the output, the delivery renders the session again.
RenderReport renderToFile(const Session& session, const RenderOptions& options,
                          const DeliveryOptions& delivery);

// Muxing the render into the picture (`vkmix render --video`).
struct VideoOptions {
  std::filesystem::path picture;       // the picture file; its streams are copied untouched
  std::string codec;                   // "pcm", "aac", "eac3"; "" = PCM, E-AC-3 in MP4
  bool stems = false;                  // also each stem as an audio stream
  std::vector<std::string> downmixes;  // also these matrix downmixes ("2.0"), a stream each
  std::string language = "und";        // ISO 639-2 tag of the new streams
};

// Renders (delivery.output is the muxed file; stems and downmixes become streams in it, not
// files) and muxes: the picture's streams copied, the mix (then stems, downmixes) added, the
// session's pictureStart at the picture's first frame. The output appears only when complete.
RenderReport renderIntoVideo(const Session& session, const RenderOptions& options,
                             const DeliveryOptions& delivery, const VideoOptions& video);

}  // namespace vkmix
