// Farm renders (docs/farm.md): a render cut into time segments that farm machines render at the
// same time, each into its job folder as a kept render (float stems, engine/render_replay) with a
// sidecar of its meters, and a join that delivers the segments in order through one Delivery,
// normalised from the segments' merged loudness, the same bytes as the one-machine render.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vkmix/render.hpp"
#include "vkmix/session.hpp"

namespace vkmix::farm {

// Frames [start, end) of the full render.
struct Segment {
  std::int64_t start = 0;
  std::int64_t end = 0;
};

// Seconds of the render before a segment that its meters are run over, so their K-weighting
// filters reach the state the one-machine render's have there (docs/farm.md, "The sidecars").
inline constexpr double kMeterPreRollSeconds = 3.0;

// How long the full render is (the last clip's end plus the reverbs' tails), from its plan, and,
// into `media` when given, what planning learned of every media file: the records the segments
// plan from (RenderOptions::mediaRecords), so each opens only the media its range plays.
std::int64_t renderFrames(const Session& session, const RenderOptions& options,
                          MediaRecords* media = nullptr);

// InputError when a segment cannot render what `options` ask: a binaural render (its HRIR
// convolution runs past a segment's end by the filters' tail and needs the frames before its
// start), as `vkmix render --range` refuses one. Names --layout, else `sessionFile` (its layout).
void checkFarmable(const Session& session, const RenderOptions& options,
                   const std::string& sessionFile);

// InputError naming `file` and segments[i] unless `segments` tile [0, their last end) on the
// 100 ms grid, in order, none empty (plan.json is the user's to read, and to edit).
void checkSegments(const std::vector<Segment>& segments, int sampleRate, const std::string& file);

// [0, frames) cut into `count` segments of about equal length, or into segments of `seconds`
// (the last shorter); every boundary on the 100 ms grid of BS.1770's sub-blocks, so each
// segment's meters close whole sub-blocks. InputError naming `field` when the render is too short.
std::vector<Segment> cutIntoSegments(std::int64_t frames, int sampleRate, int count,
                                     const std::string& field);
std::vector<Segment> cutIntoSegmentsOf(std::int64_t frames, int sampleRate, double seconds,
                                       const std::string& field);

// The files of segment `index` in a job folder: its kept render and its sidecar (written last:
// a segment with a sidecar is done).
std::filesystem::path segmentRenderPath(const std::filesystem::path& dir, int index);
std::filesystem::path segmentSidecarPath(const std::filesystem::path& dir, int index);
bool segmentDone(const std::filesystem::path& dir, int index);

// Renders segment `index` of `segments` into `dir` (its kept render and sidecar appear, under
// their names, only when complete). The render starts kMeterPreRollSeconds early (a range render,
// RenderOptions::range): the pre-roll only runs the meters.
void renderSegment(const Session& session, const RenderOptions& options,
                   const DeliveryOptions& delivery, const std::filesystem::path& dir, int index,
                   const std::vector<Segment>& segments);

struct JoinResult {
  RenderReport report;
  // Segments whose meters the join ran again from their kept render, because their pre-roll left
  // the K-weighting filters off the state the previous segment ended in (docs/farm.md).
  std::vector<int> remetered;
};

// Delivers every segment in order, as renderToFile delivers a kept render: one Delivery (gain,
// limiters, meters, writers, downmixes), every file renamed into place together at the end. With
// a loudness target the gain comes from the segments' merged sub-block energies. InputError
// naming a segment that is not done or whose render does not match its sidecar.
JoinResult joinSegments(const Session& session, const RenderOptions& options,
                        const DeliveryOptions& delivery, const std::filesystem::path& dir,
                        const std::vector<Segment>& segments);

}  // namespace vkmix::farm
