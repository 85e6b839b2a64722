#include "farm/job.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/atomic_file.hpp"
#include "vkmix/error.hpp"

extern char** environ;

namespace vkmix::farm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Ran {
  int status = -1;  // the exit status; -1 when it could not run or was killed
  std::string out, err;
  bool missing = false;  // not found on PATH
};

// Runs a program (found on PATH) with `args`, its stdout and stderr captured.
Ran runProgram(const std::vector<std::string>& args) {
  int outPipe[2], errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) throw IoError("pipe: " + std::string(std::strerror(errno)));
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    ::close(outPipe[0]);
    ::close(outPipe[1]);
    throw IoError("pipe: " + std::string(std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  Ran ran;
  if (spawned != 0) {
    ::close(outPipe[0]);
    ::close(errPipe[0]);
    ran.err = args[0] + ": " + std::strerror(spawned);
    ran.missing = spawned == ENOENT;
    return ran;
  }
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  std::string* into[2] = {&ran.out, &ran.err};
  int open = 2;
  char buffer[4096];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || fds[k].revents == 0) continue;
      const ssize_t n = ::read(fds[k].fd, buffer, sizeof buffer);
      if (n > 0) {
        into[k]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Single-quoted for sh.
std::string shellQuoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void writeScript(const fs::path& file, const std::string& text) {
  io::AtomicFile out(file);
  {
    std::ofstream o(out.tempPath());
    o << text;
    o.close();
    if (!o) throw IoError(file.string() + ": cannot write");
  }
  fs::permissions(out.tempPath(), fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec);
  out.commit();
}

// "2-5,7%2" as 2 3 4 5 7.
std::vector<int> taskIds(const std::string& text) {
  std::vector<int> ids;
  std::stringstream list(text.substr(0, text.find('%')));
  std::string item;
  while (std::getline(list, item, ',')) {
    const auto dash = item.find('-');
    try {
      const int a = std::stoi(item.substr(0, dash));
      const int b = dash == std::string::npos ? a : std::stoi(item.substr(dash + 1));
      for (int i = a; i <= b; ++i) ids.push_back(i);
    } catch (const std::exception&) {
    }
  }
  return ids;
}

// "Key=value" fields of one `scontrol -o` line.
std::map<std::string, std::string> fields(const std::string& line) {
  std::map<std::string, std::string> f;
  std::stringstream words(line);
  std::string w;
  while (words >> w) {
    const auto eq = w.find('=');
    if (eq != std::string::npos) f.emplace(w.substr(0, eq), w.substr(eq + 1));
  }
  return f;
}

// The last non-empty line of a program's stderr (else stdout), on one line.
std::string lastLineOf(const Ran& ran) {
  for (const std::string* text : {&ran.err, &ran.out}) {
    std::stringstream lines(*text);
    std::string line, last;
    while (std::getline(lines, line))
      if (!trimmed(line).empty()) last = trimmed(line);
    if (!last.empty()) return last;
  }
  return ran.status < 0 ? "killed" : "exit status " + std::to_string(ran.status);
}

// Whether a Slurm command failed for want of a controller (or of a configuration naming one),
// rather than refusing what it was asked.
bool noController(const Ran& ran) {
  const std::string& e = ran.err;
  return e.find("Unable to contact slurm controller") != std::string::npos ||
         e.find("configuration source") != std::string::npos ||
         e.find("slurm.conf") != std::string::npos ||
         e.find("Connection refused") != std::string::npos ||
         e.find("Socket timed out") != std::string::npos;
}

// Every task Slurm still knows of `jobId` (an array or a plain job), one field map each; none
// when it no longer knows the job (MinJobAge). SlurmUnreachable when Slurm could not be asked.
std::vector<std::map<std::string, std::string>> showJob(const std::string& jobId) {
  std::vector<std::map<std::string, std::string>> jobs;
  if (jobId.empty()) return jobs;
  const Ran ran = runProgram({"scontrol", "-o", "show", "job", jobId});
  if (ran.status != 0) {
    if (ran.err.find("Invalid job id") != std::string::npos) return jobs;
    throw SlurmUnreachable("cannot reach Slurm: " + lastLineOf(ran));
  }
  std::stringstream lines(ran.out);
  std::string line;
  while (std::getline(lines, line))
    if (!trimmed(line).empty()) jobs.push_back(fields(line));
  return jobs;
}

std::string jobState(const std::map<std::string, std::string>& f) {
  const auto it = f.find("JobState");
  return it == f.end() ? "UNKNOWN" : it->second;
}

}  // namespace

fs::path segmentLogPath(const fs::path& dir, int index) {
  return dir / "logs" / ("segment-" + std::to_string(index) + ".log");
}
fs::path joinLogPath(const fs::path& dir) { return dir / "logs" / "join.log"; }
fs::path joinedMarkerPath(const fs::path& dir) { return dir / "joined.json"; }

FileIdentity identify(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw InputError(file.string(), "", std::string("cannot be read: ") + std::strerror(errno));
  return {file, static_cast<std::int64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

void checkUnchanged(const FileIdentity& recorded, const std::string& option) {
  if (recorded.path.empty()) return;
  if (identify(recorded.path) != recorded)
    throw InputError(recorded.path.string(), option,
                     "changed since 'vkmix farm submit' (size or modification time): the "
                     "segments would deliver two versions of it; submit the render again");
}

void saveJob(const Job& job) {
  json segments = json::array();
  for (const Segment& s : job.segments) segments.push_back({{"start", s.start}, {"end", s.end}});
  json inputs = json::array();
  for (const RecordedInput& i : job.inputs)
    inputs.push_back({{"option", i.option},
                      {"path", i.file.path.string()},
                      {"sizeBytes", i.file.sizeBytes},
                      {"modifiedNs", i.file.modifiedNs}});
  json submissions = json::array();
  for (const Submission& s : job.submissions)
    submissions.push_back(
        {{"arrayJob", s.arrayJob}, {"segments", s.segments}, {"joinJob", s.joinJob}});
  const json j = {{"vkmixFarmJob", 1},
                  {"render", json::parse(job.renderArgs)},
                  {"sampleRate", job.sampleRate},
                  {"session",
                   {{"path", job.session.path.string()},
                    {"sizeBytes", job.session.sizeBytes},
                    {"modifiedNs", job.session.modifiedNs}}},
                  {"inputs", inputs},
                  {"segments", segments},
                  {"partition", job.partition},
                  {"sbatch", job.sbatchArgs},
                  {"vkmix", job.vkmix.string()},
                  {"submissions", submissions}};
  const fs::path file = job.dir / "plan.json";
  io::AtomicFile out(file);
  {
    std::ofstream o(out.tempPath());
    o << j.dump(2) << "\n";
    o.close();
    if (!o) throw IoError(file.string() + ": cannot write");
  }
  out.commit();
}

Job loadJob(const fs::path& dir) {
  const fs::path file = dir / "plan.json";
  std::ifstream in(file);
  if (!in) throw InputError(dir.string(), "", "is not a farm job folder (no plan.json)");
  Job job;
  job.dir = dir;
  try {
    const json j = json::parse(in);
    job.renderArgs = j.at("render").dump();
    job.sampleRate = j.at("sampleRate").get<int>();
    if (j.contains("session")) {
      const json& f = j.at("session");
      job.session = {f.at("path").get<std::string>(), f.at("sizeBytes").get<std::int64_t>(),
                     f.at("modifiedNs").get<std::int64_t>()};
    }
    if (j.contains("inputs")) {
      for (const json& i : j.at("inputs"))
        job.inputs.push_back(
            {i.at("option").get<std::string>(),
             {i.at("path").get<std::string>(), i.at("sizeBytes").get<std::int64_t>(),
              i.at("modifiedNs").get<std::int64_t>()}});
    }
    for (const json& s : j.at("segments"))
      job.segments.push_back({s.at("start").get<std::int64_t>(), s.at("end").get<std::int64_t>()});
    job.partition = j.at("partition").get<std::string>();
    job.sbatchArgs = j.at("sbatch").get<std::vector<std::string>>();
    job.vkmix = j.at("vkmix").get<std::string>();
    for (const json& s : j.at("submissions"))
      job.submissions.push_back({s.at("arrayJob").get<std::string>(),
                                 s.at("segments").get<std::vector<int>>(),
                                 s.at("joinJob").get<std::string>()});
  } catch (const json::exception& e) {
    throw InputError(file.string(), "", std::string("is not a farm job's plan: ") + e.what());
  }
  checkSegments(job.segments, job.sampleRate, file.string());
  return job;
}

void saveMediaRecords(const fs::path& dir, const MediaRecords& records) {
  json files = json::object();
  for (const auto& [file, r] : records)
    files[file] = {{"sizeBytes", r.sizeBytes},
                   {"modifiedNs", r.modifiedNs},
                   {"channels", r.numChannels},
                   {"sampleRate", r.sampleRate},
                   {"codec", r.codec},
                   {"durationSeconds", r.durationSeconds},
                   {"exactFrames", r.exactFrames},
                   {"promisedFrames", r.promisedFrames},
                   {"frames", r.frames}};
  const fs::path file = dir / "media.json";
  io::AtomicFile out(file);
  {
    std::ofstream o(out.tempPath());
    o << json({{"vkmixFarmMedia", 1}, {"files", files}}).dump(1) << "\n";
    o.close();
    if (!o) throw IoError(file.string() + ": cannot write");
  }
  out.commit();
}

std::shared_ptr<const MediaRecords> loadMediaRecords(const fs::path& dir) {
  const fs::path file = dir / "media.json";
  std::ifstream in(file);
  if (!in) return nullptr;
  auto records = std::make_shared<MediaRecords>();
  try {
    const json j = json::parse(in);
    for (const auto& [name, r] : j.at("files").items()) {
      MediaRecord& m = (*records)[name];
      m.sizeBytes = r.at("sizeBytes").get<std::int64_t>();
      m.modifiedNs = r.at("modifiedNs").get<std::int64_t>();
      m.numChannels = r.at("channels").get<int>();
      m.sampleRate = r.at("sampleRate").get<int>();
      m.codec = r.at("codec").get<std::string>();
      m.durationSeconds = r.at("durationSeconds").get<double>();
      m.exactFrames = r.at("exactFrames").get<std::int64_t>();
      m.promisedFrames = r.at("promisedFrames").get<std::int64_t>();
      m.frames = r.at("frames").get<std::int64_t>();
    }
  } catch (const json::exception& e) {
    throw InputError(file.string(), "",
                     std::string("is not a farm job's media records: ") + e.what());
  }
  return records;
}

Submission submit(Job& job, const std::vector<int>& segments) {
  fs::create_directories(job.dir / "logs");
  fs::create_directories(job.dir / "segments");
  const std::string dir = shellQuoted(fs::absolute(job.dir).string());
  const std::string exe = shellQuoted(job.vkmix.string());
  writeScript(job.dir / "segment.sh",
              "#!/bin/sh\n# A farm render's segment: the array task's id is the segment's index.\n"
              "exec " +
                  exe + " farm segment " + dir + " \"$SLURM_ARRAY_TASK_ID\"\n");
  writeScript(job.dir / "join.sh",
              "#!/bin/sh\n# A farm render's join: every segment into the deliverables.\n"
              "exec " +
                  exe + " farm join " + dir + "\n");
  std::vector<std::string> common = {"sbatch", "--parsable"};
  if (!job.partition.empty()) common.push_back("--partition=" + job.partition);
  common.insert(common.end(), job.sbatchArgs.begin(), job.sbatchArgs.end());
  auto run = [&](std::vector<std::string> args) {
    const Ran ran = runProgram(args);
    const std::string id = trimmed(ran.out).substr(0, trimmed(ran.out).find(';'));
    if (ran.missing)
      throw IoError("Slurm's sbatch was not found (is Slurm installed, and on PATH?)");
    if (ran.status != 0 && noController(ran))
      throw SlurmUnreachable("no Slurm controller reachable (is SLURM_CONF set?): " +
                             lastLineOf(ran));
    if (ran.status != 0) throw IoError("sbatch refused the job: " + lastLineOf(ran));
    if (id.empty()) throw IoError("sbatch gave no job id: " + lastLineOf(ran));
    return id;
  };
  std::string array;
  for (int s : segments) array += (array.empty() ? "" : ",") + std::to_string(s);
  Submission sub;
  sub.segments = segments;
  std::vector<std::string> a = common;
  a.insert(a.end(), {"--job-name=vkmix-segment", "--array=" + array,
                     "--output=" + (job.dir / "logs" / "segment-%a.log").string(),
                     (job.dir / "segment.sh").string()});
  sub.arrayJob = run(a);
  std::vector<std::string> j = common;
  j.insert(j.end(), {"--job-name=vkmix-join", "--dependency=afterok:" + sub.arrayJob,
                     "--kill-on-invalid-dep=yes", "--output=" + joinLogPath(job.dir).string(),
                     (job.dir / "join.sh").string()});
  try {
    sub.joinJob = run(j);
  } catch (...) {
    cancel(sub.arrayJob);
    throw;
  }
  job.submissions.push_back(sub);
  saveJob(job);
  return sub;
}

bool SegmentState::failed() const {
  return state != "done" && state != "PENDING" && state != "RUNNING" && state != "CONFIGURING" &&
         state != "COMPLETING" && state != "REQUEUED" && state != "RESIZING" &&
         state != "SUSPENDED";
}

std::vector<SegmentState> segmentStates(const Job& job) {
  std::vector<SegmentState> states(job.segments.size());
  // Each segment's latest submission, and what Slurm knows of each array.
  std::map<std::string, std::vector<std::map<std::string, std::string>>> arrays;
  for (std::size_t i = 0; i < states.size(); ++i) {
    SegmentState& s = states[i];
    s.index = static_cast<int>(i);
    s.lastLine = lastLine(segmentLogPath(job.dir, s.index));
    if (segmentDone(job.dir, s.index)) {
      s.state = "done";
      continue;
    }
    s.state = "UNKNOWN";
    const Submission* latest = nullptr;
    for (const Submission& sub : job.submissions)
      if (std::find(sub.segments.begin(), sub.segments.end(), s.index) != sub.segments.end())
        latest = &sub;
    if (latest == nullptr) {
      s.state = "NOT SUBMITTED";
      continue;
    }
    s.jobId = latest->arrayJob + "_" + std::to_string(s.index);
    if (!arrays.contains(latest->arrayJob)) arrays[latest->arrayJob] = showJob(latest->arrayJob);
    for (const auto& f : arrays[latest->arrayJob]) {
      const auto task = f.find("ArrayTaskId");
      if (task == f.end()) continue;
      const std::vector<int> ids = taskIds(task->second);
      if (std::find(ids.begin(), ids.end(), s.index) == ids.end()) continue;
      s.state = jobState(f);
      if (f.contains("ExitCode")) s.exitCode = f.at("ExitCode");
    }
    // Slurm says it finished well: its sidecar, written before it exited, is there now (the task
    // may have ended since the look above), or it did not render its segment.
    if (s.state == "COMPLETED") {
      s.state = segmentDone(job.dir, s.index) ? "done" : "FAILED";
      s.lastLine = lastLine(segmentLogPath(job.dir, s.index));
    }
  }
  return states;
}

std::string joinState(const Job& job) {
  if (fs::exists(joinedMarkerPath(job.dir))) return "JOINED";
  if (job.submissions.empty()) return "NOT SUBMITTED";
  const auto jobs = showJob(job.submissions.back().joinJob);
  const std::string state = jobs.empty() ? "UNKNOWN" : jobState(jobs.front());
  // The join may have finished between the look for its marker and Slurm's answer: a join Slurm
  // calls finished is judged by its marker, written before it exits.
  if (state == "COMPLETED" && fs::exists(joinedMarkerPath(job.dir))) return "JOINED";
  return state;
}

void cancel(const std::string& jobId) {
  if (!jobId.empty()) runProgram({"scancel", jobId});
}

std::string lastLine(const fs::path& file) {
  std::ifstream in(file);
  std::string line, last;
  while (std::getline(in, line))
    if (!trimmed(line).empty()) last = trimmed(line);
  return last;
}

}  // namespace vkmix::farm
