#include "cli/farm_commands.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/render_args.hpp"
#include "core/one_line.hpp"
#include "farm/farm.hpp"
#include "farm/job.hpp"
#include "vkmix/error.hpp"

namespace vkmix::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

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
  if (a.layout.ends_with(".json")) j["layout"] = absolute(a.layout);
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
void setupJob(const farm::Job& job, RenderArgs& a, RenderSetup& s) {
  a = fromJson(job.renderArgs, job.dir);
  setupRender(a, s);
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

int cmdSubmit(FarmArgs& f) {
  if (!f.resume.empty()) {
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
  if ((f.segments > 0) == (f.segmentSeconds > 0.0))
    throw InputError("farm submit", "", "give one of --segments N and --segment-seconds S");
  RenderSetup s;
  setupRender(f.render, s);
  checkRenderFiles(f.render, s.session, s.delivery);
  farm::Job job;
  job.dir = absolute(f.jobDir.empty() ? f.render.output + ".farm" : f.jobDir);
  if (fs::exists(job.dir))
    throw InputError(job.dir.string(), "--job-dir",
                     "exists: resume it (--resume DIR) or remove it");
  MediaRecords media;
  const std::int64_t frames = farm::renderFrames(s.session, s.options, &media);
  job.segments = f.segments > 0
                     ? farm::cutIntoSegments(frames, s.session.sampleRate, f.segments, "--segments")
                     : farm::cutIntoSegmentsOf(frames, s.session.sampleRate, f.segmentSeconds,
                                               "--segment-seconds");
  job.renderArgs = toJson(f.render).dump();
  job.sampleRate = s.session.sampleRate;
  job.partition = f.partition;
  job.sbatchArgs = f.sbatch;
  job.vkmix = selfExecutable();
  fs::create_directories(job.dir);
  farm::saveMediaRecords(job.dir, media);
  farm::saveJob(job);
  std::vector<int> all;
  for (int i = 0; i < static_cast<int>(job.segments.size()); ++i) all.push_back(i);
  printSubmission(job, farm::submit(job, all));
  return 0;
}

int cmdSegment(const FarmArgs& f) {
  const farm::Job job = farm::loadJob(f.dir);
  RenderArgs a;
  RenderSetup s;
  setupJob(job, a, s);
  const auto& seg = job.segments.at(static_cast<std::size_t>(
      std::clamp<int>(f.index, 0, static_cast<int>(job.segments.size()) - 1)));
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

int cmdJoin(const FarmArgs& f) {
  const farm::Job job = farm::loadJob(f.dir);
  RenderArgs a;
  RenderSetup s;
  setupJob(job, a, s);
  checkRenderFiles(a, s.session, s.delivery);
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
  std::ofstream marker(farm::joinedMarkerPath(job.dir));
  marker << json({{"outputs", outputs}, {"remetered", joined.remetered}}).dump(1) << "\n";
  return status;
}

int cmdStatus(const FarmArgs& f) {
  const farm::Job job = farm::loadJob(f.dir);
  for (const farm::SegmentState& s : farm::segmentStates(job)) {
    const farm::Segment& seg = job.segments[static_cast<std::size_t>(s.index)];
    std::printf("segment %d  %.3f-%.3f s  %-10s %s%s%s\n", s.index,
                static_cast<double>(seg.start) / job.sampleRate,
                static_cast<double>(seg.end) / job.sampleRate, s.state.c_str(), s.jobId.c_str(),
                s.failed() && !s.lastLine.empty() ? ("  " + oneLine(s.lastLine)).c_str() : "",
                s.failed() && !s.exitCode.empty() ? ("  exit " + s.exitCode).c_str() : "");
  }
  std::printf("join  %s%s\n", farm::joinState(job).c_str(),
              job.submissions.empty() ? "" : ("  " + job.submissions.back().joinJob).c_str());
  return 0;
}

int cmdWait(const FarmArgs& f) {
  const farm::Job job = farm::loadJob(f.dir);
  for (;;) {
    if (stopRequested()) throw Interrupted("farm wait");
    const std::string join = farm::joinState(job);
    if (join == "JOINED") {
      std::ifstream in(farm::joinedMarkerPath(job.dir));
      try {
        for (const json& o : json::parse(in).at("outputs"))
          std::printf("%s\n", oneLine(o.get<std::string>()).c_str());
      } catch (const json::exception&) {
      }
      return 0;
    }
    for (const farm::SegmentState& s : farm::segmentStates(job)) {
      if (!s.failed()) continue;
      // The join can never run now: it goes (Slurm cancels it too, with kill-on-invalid-dep).
      if (!job.submissions.empty()) farm::cancel(job.submissions.back().joinJob);
      std::fprintf(stderr, "vkmix: segment %d %s: %s: %s\n", s.index, s.state.c_str(),
                   oneLine(farm::segmentLogPath(job.dir, s.index).string()).c_str(),
                   oneLine(s.lastLine.empty() ? "(empty log)" : s.lastLine).c_str());
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
  c.segment = farm->add_subcommand("segment", "Render one segment (what an array task runs)");
  c.segment->add_option("dir", f.dir, "The job folder")->required();
  c.segment->add_option("index", f.index, "The segment")->required();
  return c;
}

std::optional<int> runFarm(const FarmCommands& c, FarmArgs& f) {
  if (*c.submit) return cmdSubmit(f);
  if (*c.segment) return cmdSegment(f);
  if (*c.join) return cmdJoin(f);
  if (*c.status) return cmdStatus(f);
  if (*c.wait) return cmdWait(f);
  return std::nullopt;
}

}  // namespace vkmix::cli
