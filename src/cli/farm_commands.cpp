#include "cli/farm_commands.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/render_args.hpp"
#include "core/one_line.hpp"
#include "engine/deliver.hpp"
#include "farm/farm.hpp"
#include "farm/job.hpp"
#include "io/atomic_file.hpp"
#include "vkmix/error.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Neither built in nor "binaural": a layout file (as output_check reads --layout).
bool isLayoutFile(const std::string& layout) {
  return !layout.empty() && layout != "binaural" && findLayout(layout) == nullptr;
}

std::string absolute(const std::string& path) {
  return path.empty() ? path : fs::absolute(path).lexically_normal().string();
}

// The render's options as plan.json keeps them: every path absolute (the farm's machines run in
// other folders), the rest as given.
json toJson(const RenderArgs& a) {
  std::vector<std::string> downmixes;
  for (const std::string& d : a.downmixes) {
    const auto eq = d.find('=');
    downmixes.push_back(eq == std::string::npos ? d
                                                : d.substr(0, eq + 1) + absolute(d.substr(eq + 1)));
  }
  json j = {{"session", absolute(a.session)},
            {"output", absolute(a.output)},
            {"layout", a.layout},
            {"format", a.format},
            {"device", a.device},
            {"block", a.blockFrames},
            {"stems", absolute(a.stemsDir)},
            {"loudnessReference", a.loudnessReference},
            {"truePeakCeiling", a.truePeakCeiling},
            {"downmix", downmixes},
            {"hrtf", absolute(a.hrtf)},
            {"report", absolute(a.reportJson)},
            {"plot", absolute(a.plotSvg)},
            {"programme", a.programme},
            {"complementary", a.complementary},
            {"overwrite", a.overwrite},
            {"allowShortMedia", a.allowShortMedia},
            {"spec", a.spec}};
  j["loudnessTarget"] = a.loudnessTarget ? json(*a.loudnessTarget) : json(nullptr);
  j["tail"] = a.tailSeconds ? json(*a.tailSeconds) : json(nullptr);
  // A layout given as a file is read on the farm too.
  if (isLayoutFile(a.layout)) j["layout"] = absolute(a.layout);
  return j;
}

RenderArgs fromJson(const std::string& text, const fs::path& dir) {
  RenderArgs a;
  try {
    const json j = json::parse(text);
    a.session = j.at("session");
    a.output = j.at("output");
    a.layout = j.at("layout");
    a.format = j.at("format");
    a.device = j.at("device");
    a.blockFrames = j.at("block");
    a.stemsDir = j.at("stems");
    a.loudnessReference = j.at("loudnessReference");
    a.truePeakCeiling = j.at("truePeakCeiling");
    a.downmixes = j.at("downmix").get<std::vector<std::string>>();
    a.hrtf = j.at("hrtf");
    a.reportJson = j.at("report");
    a.plotSvg = j.at("plot");
    a.programme = j.at("programme");
    if (j.contains("complementary"))
      a.complementary = j.at("complementary").get<std::vector<std::string>>();
    a.overwrite = j.at("overwrite");
    a.allowShortMedia = j.at("allowShortMedia");
    a.spec = j.at("spec");
    if (!j.at("loudnessTarget").is_null()) a.loudnessTarget = j.at("loudnessTarget").get<double>();
    if (!j.at("tail").is_null()) a.tailSeconds = j.at("tail").get<double>();
  } catch (const json::exception& e) {
    throw InputError((dir / "plan.json").string(), "render", e.what());
  }
  a.progress = "none";
  a.quiet = true;
  return a;
}

// The job's render, set up as `vkmix render` sets one up.
// `overwrite`: join -y, over what submit was given.
void setupJob(const farm::Job& job, RenderArgs& a, RenderSetup& s, bool overwrite = false) {
  a = fromJson(job.renderArgs, job.dir);
  a.overwrite = a.overwrite || overwrite;
  // An edited session, layout file or HRTF would make segments of two versions of it.
  farm::checkUnchanged(job.session);
  for (const farm::RecordedInput& input : job.inputs)
    farm::checkUnchanged(input.file, input.option);
  setupRender(a, s);
  if (s.session.sampleRate != job.sampleRate)
    throw InputError((job.dir / "plan.json").string(), "sampleRate",
                     std::to_string(job.sampleRate) + " is not the session's " +
                         std::to_string(s.session.sampleRate));
  farm::checkFarmable(s.session, s.options, a.session);
  // Planned from what submit recorded: a segment opens only the media its range plays.
  s.options.mediaRecords = farm::loadMediaRecords(job.dir);
}

fs::path selfExecutable() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("vkmix") : self;
}

void printSubmission(const farm::Job& job, const farm::Submission& sub) {
  std::printf("segments: job %s (%zu tasks)\njoin: job %s\n%s\n", sub.arrayJob.c_str(),
              sub.segments.size(), sub.joinJob.c_str(), oneLine(job.dir.string()).c_str());
}

// --segment-seconds as given: a finite number of seconds, at least one sub-block.
double segmentSeconds(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double seconds = std::strtod(begin, &end);
  if (text.empty() || end != begin + text.size() || !std::isfinite(seconds) || seconds < 0.1)
    throw InputError("--segment-seconds", "", "must be a finite number of seconds >= 0.1");
  return seconds;
}

// The job folder, made; InputError naming --job-dir when it exists, IoError when it cannot be
// made.
void makeJobDir(const fs::path& dir) {
  std::error_code ec;
  const bool exists = fs::exists(dir, ec);
  if (ec) throw IoError("--job-dir " + dir.string() + ": cannot be used: " + ec.message());
  if (exists)
    throw InputError(dir.string(), "--job-dir", "exists: resume it (--resume DIR) or remove it");
  fs::create_directories(dir, ec);
  if (ec) throw IoError("--job-dir " + dir.string() + ": cannot be made: " + ec.message());
}

int cmdSubmit(const FarmCommands& c, FarmArgs& f) {
  if (!f.resume.empty()) {
    // The job's options are in its plan.json: any given here would be silently not used.
    for (const CLI::Option* o : c.submit->get_options())
      if (o->count() > 0 && o->get_name() != "--resume")
        throw InputError("--resume", "",
                         o->get_name() +
                             " is not taken with --resume (the job's plan.json "
                             "holds its options)");
    farm::Job job = farm::loadJob(f.resume);
    if (fs::exists(farm::joinedMarkerPath(job.dir))) {
      std::printf("%s: already joined\n", oneLine(job.dir.string()).c_str());
      return 0;
    }
    // Whatever of the last submission still waits or runs goes: this one replaces it.
    if (!job.submissions.empty()) {
      farm::cancel(job.submissions.back().joinJob);
      farm::cancel(job.submissions.back().arrayJob);
    }
    std::vector<int> todo;
    for (int i = 0; i < static_cast<int>(job.segments.size()); ++i)
      if (!farm::segmentDone(job.dir, i)) todo.push_back(i);
    if (todo.empty()) {
      // Every segment is done: the join alone (sbatch wants an array: segment 0 again is
      // cheap to skip, so the join runs by hand instead).
      std::printf("every segment is done: run 'vkmix farm join %s'\n",
                  oneLine(job.dir.string()).c_str());
      return 0;
    }
    printSubmission(job, farm::submit(job, todo));
    return 0;
  }
  if (f.render.session.empty() || f.render.output.empty())
    throw InputError("farm submit", "", "needs SESSION and -o OUT (or --resume DIR)");
  if (!f.render.video.picture.empty())
    throw InputError("--video", "", "is not farmed: render the audio, then mux it");
  if ((f.segments > 0) == !f.segmentSeconds.empty())
    throw InputError("farm submit", "", "give one of --segments N and --segment-seconds S");
  const double seconds = f.segmentSeconds.empty() ? 0.0 : segmentSeconds(f.segmentSeconds);
  // The session as it is now: the segments and the join refuse it changed.
  const farm::FileIdentity session = farm::identify(absolute(f.render.session));
  // And the files it reads beside it, as they are now (one missing is left to setupRender, whose
  // error names it with its option).
  std::vector<farm::RecordedInput> inputs;
  auto record = [&](const std::string& file, const char* option) {
    std::error_code ec;
    if (fs::exists(file, ec)) inputs.push_back({option, farm::identify(absolute(file))});
  };
  if (isLayoutFile(f.render.layout)) record(f.render.layout, "--layout");
  if (!f.render.hrtf.empty()) record(f.render.hrtf, "--hrtf");
  RenderSetup s;
  setupRender(f.render, s);
  // A layout file the session's own "layout" key names (relative to this folder) is read by the
  // segments and the join as a --layout file is: recorded the same way, and handed to them by its
  // absolute path, as the farm's machines run in other folders.
  if (f.render.layout.empty() && isLayoutFile(s.session.layout)) {
    record(s.session.layout, "layout");
    f.render.layout = absolute(s.session.layout);
  }
  // What `vkmix render` checks before any work, and what a segment cannot render.
  engine::checkDelivery(s.session, s.options, s.delivery);
  farm::checkFarmable(s.session, s.options, f.render.session);
  farm::Job job;
  job.dir = absolute(f.jobDir.empty() ? f.render.output + ".farm" : f.jobDir);
  job.session = session;
  job.inputs = inputs;
  MediaRecords media;
  const std::int64_t frames = farm::renderFrames(s.session, s.options, &media);
  job.segments =
      f.segments > 0
          ? farm::cutIntoSegments(frames, s.session.sampleRate, f.segments, "--segments")
          : farm::cutIntoSegmentsOf(frames, s.session.sampleRate, seconds, "--segment-seconds");
  job.renderArgs = toJson(f.render).dump();
  job.sampleRate = s.session.sampleRate;
  job.partition = f.partition;
  job.sbatchArgs = f.sbatch;
  job.vkmix = selfExecutable();
  makeJobDir(job.dir);
  // Nothing submitted, nothing to resume: the folder goes, so the same command can be retried.
  try {
    farm::saveMediaRecords(job.dir, media);
    farm::saveJob(job);
    std::vector<int> all;
    for (int i = 0; i < static_cast<int>(job.segments.size()); ++i) all.push_back(i);
    printSubmission(job, farm::submit(job, all));
  } catch (...) {
    std::error_code ec;
    fs::remove_all(job.dir, ec);
    throw;
  }
  return 0;
}

int cmdSegment(const FarmArgs& f) {
  const farm::Job job = farm::loadJob(f.dir);
  if (f.index < 0 || f.index >= static_cast<int>(job.segments.size()))
    throw InputError(
        job.dir.string(), "segment",
        std::to_string(f.index) + " is not one of 0.." + std::to_string(job.segments.size() - 1));
  RenderArgs a;
  RenderSetup s;
  setupJob(job, a, s);
  const farm::Segment& seg = job.segments[static_cast<std::size_t>(f.index)];
  std::fprintf(stderr, "vkmix: segment %d: frames %lld..%lld\n", f.index,
               static_cast<long long>(seg.start), static_cast<long long>(seg.end));
  const auto started = std::chrono::steady_clock::now();
  farm::renderSegment(s.session, s.options, s.delivery, job.dir, f.index, job.segments);
  // The wall time in the log: what each segment costs (a denoised track's grows with the
  // segment's distance from the track's start: docs/farm.md).
  std::fprintf(stderr, "vkmix: segment %d done in %.2f s\n", f.index,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return 0;
}

// joined.json's outputs; none when it cannot be read.
std::vector<std::string> joinedOutputs(const fs::path& dir) {
  std::vector<std::string> out;
  std::ifstream in(farm::joinedMarkerPath(dir));
  try {
    const json joined = json::parse(in);
    for (const json& o : joined.at("outputs")) out.push_back(o.get<std::string>());
  } catch (const json::exception&) {
  }
  return out;
}

int cmdJoin(const FarmArgs& f) {
  const farm::Job job = farm::loadJob(f.dir);
  // Its segments' renders went once delivered: there is nothing to join again.
  if (fs::exists(farm::joinedMarkerPath(job.dir))) {
    std::fprintf(stderr, "vkmix: %s: already joined (submit the render again to redo it)\n",
                 oneLine(job.dir.string()).c_str());
    for (const std::string& o : joinedOutputs(job.dir)) std::printf("%s\n", oneLine(o).c_str());
    return 0;
  }
  RenderArgs a;
  RenderSetup s;
  setupJob(job, a, s, f.overwrite);
  const farm::JoinResult joined =
      farm::joinSegments(s.session, s.options, s.delivery, job.dir, job.segments);
  for (int i : joined.remetered)
    std::fprintf(stderr, "vkmix: segment %d's meters ran again from its render (docs/farm.md)\n",
                 i);
  a.quiet = f.quiet;
  const int status = reportRender(a, s, joined.report);
  // The segments' renders have served; the sidecars and logs stay with the job.
  for (int i = 0; i < static_cast<int>(job.segments.size()); ++i) {
    std::error_code ec;
    fs::remove(farm::segmentRenderPath(job.dir, i), ec);
  }
  json outputs = json::array();
  for (const OutputFile& o : joined.report.outputs) outputs.push_back(o.path.string());
  io::AtomicFile marker(farm::joinedMarkerPath(job.dir));
  {
    std::ofstream o(marker.tempPath());
    o << json({{"outputs", outputs}, {"remetered", joined.remetered}}).dump(1) << "\n";
    o.close();
    if (!o) throw IoError(farm::joinedMarkerPath(job.dir).string() + ": cannot write");
  }
  marker.commit();
  return status;
}

int cmdStatus(const FarmArgs& f) {
  const farm::Job job = farm::loadJob(f.dir);
  std::vector<farm::SegmentState> states;
  std::string join;
  try {
    states = farm::segmentStates(job);
    join = farm::joinState(job);
  } catch (const farm::SlurmUnreachable& e) {
    // What the folder tells without Slurm, and that Slurm told nothing.
    for (int i = 0; i < static_cast<int>(job.segments.size()); ++i)
      std::printf("segment %d  %s\n", i, farm::segmentDone(job.dir, i) ? "done" : "?");
    std::printf("join  %s\n", fs::exists(farm::joinedMarkerPath(job.dir)) ? "JOINED" : "?");
    throw;
  }
  for (const farm::SegmentState& s : states) {
    const farm::Segment& seg = job.segments[static_cast<std::size_t>(s.index)];
    std::printf("segment %d  %.3f-%.3f s  %-10s %s%s%s\n", s.index,
                static_cast<double>(seg.start) / job.sampleRate,
                static_cast<double>(seg.end) / job.sampleRate, s.state.c_str(), s.jobId.c_str(),
                s.failed() && !s.lastLine.empty() ? ("  " + oneLine(s.lastLine)).c_str() : "",
                s.failed() && !s.exitCode.empty() ? ("  exit " + s.exitCode).c_str() : "");
  }
  std::printf("join  %s%s\n", join.c_str(),
              job.submissions.empty() ? "" : ("  " + job.submissions.back().joinJob).c_str());
  return 0;
}

int cmdWait(const FarmArgs& f) {
  const farm::Job job = farm::loadJob(f.dir);
  for (;;) {
    if (stopRequested()) throw Interrupted("farm wait");
    const std::string join = farm::joinState(job);
    if (join == "JOINED") {
      for (const std::string& o : joinedOutputs(job.dir)) std::printf("%s\n", oneLine(o).c_str());
      return 0;
    }
    for (const farm::SegmentState& s : farm::segmentStates(job)) {
      if (!s.failed()) continue;
      // The join can never run now: it goes (Slurm cancels it too, with kill-on-invalid-dep).
      if (!job.submissions.empty()) farm::cancel(job.submissions.back().joinJob);
      std::fprintf(stderr, "vkmix: segment %d %s: %s: %s\n", s.index, s.state.c_str(),
                   oneLine(farm::segmentLogPath(job.dir, s.index).string()).c_str(),
                   oneLine(!s.lastLine.empty()                                  ? s.lastLine
                           : fs::exists(farm::segmentLogPath(job.dir, s.index)) ? "(empty log)"
                                                                                : "no log yet")
                       .c_str());
      return 1;
    }
    if (join != "PENDING" && join != "RUNNING" && join != "CONFIGURING" && join != "COMPLETING") {
      std::fprintf(stderr, "vkmix: join %s: %s: %s\n", join.c_str(),
                   oneLine(farm::joinLogPath(job.dir).string()).c_str(),
                   oneLine(farm::lastLine(farm::joinLogPath(job.dir))).c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

}  // namespace

FarmCommands addFarmCommands(CLI::App& app, FarmArgs& f) {
  FarmCommands c;
  auto* farm = app.add_subcommand(
      "farm", "Render on a Slurm farm in time segments, joined into the one-machine render");
  farm->require_subcommand(1);
  c.submit = farm->add_subcommand(
      "submit", "Write a job folder and submit its segments and join with sbatch");
  c.submit->add_option("session", f.render.session,
                       "Session file (on a filesystem every node sees)");
  c.submit->add_option("-o,--output", f.render.output, "Output file (.wav or .flac)");
  addRenderOptions(c.submit, f.render);
  c.submit->add_option("--segments", f.segments, "Cut the render into N segments of equal length")
      ->check(CLI::Range(1, 100000));
  c.submit->add_option("--segment-seconds", f.segmentSeconds,
                       "Cut the render into segments of S seconds");
  c.submit->add_option("--partition", f.partition, "Slurm partition (default: the cluster's)");
  c.submit
      ->add_option("--sbatch", f.sbatch,
                   "Pass ARG to every sbatch (e.g. --sbatch=--gres=gpu:1); repeatable")
      ->allow_extra_args(false);
  c.submit->add_option("--job-dir", f.jobDir, "The job folder (default: OUT.farm beside OUT)");
  c.submit->add_option("--resume", f.resume,
                       "Submit again the segments of job folder DIR that did not finish, and "
                       "the join");
  c.status = farm->add_subcommand("status", "Each segment's state, and the join's");
  c.status->add_option("dir", f.dir, "The job folder")->required();
  c.wait = farm->add_subcommand(
      "wait", "Wait for the join (exit 0), or a segment's failure (exit 1, naming it)");
  c.wait->add_option("dir", f.dir, "The job folder")->required();
  c.join = farm->add_subcommand(
      "join", "Deliver the finished segments (what the join job runs; or by hand)");
  c.join->add_option("dir", f.dir, "The job folder")->required();
  c.join->add_flag("-q,--quiet", f.quiet, "Print only the output path");
  addOverwriteFlags(c.join, f.overwrite);
  c.segment = farm->add_subcommand("segment", "Render one segment (what an array task runs)");
  c.segment->add_option("dir", f.dir, "The job folder")->required();
  c.segment->add_option("index", f.index, "The segment")->required();
  return c;
}

std::optional<int> runFarm(const FarmCommands& c, FarmArgs& f) {
  if (*c.submit) return cmdSubmit(c, f);
  if (*c.segment) return cmdSegment(f);
  if (*c.join) return cmdJoin(f);
  if (*c.status) return cmdStatus(f);
  if (*c.wait) return cmdWait(f);
  return std::nullopt;
}

}  // namespace vkmix::cli
