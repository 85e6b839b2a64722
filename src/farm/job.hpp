// A farm render's job folder (docs/farm.md) and its Slurm jobs: plan.json (the render's options as
// given, the segments' frame ranges, the Slurm submissions), the batch scripts, a log per task,
// the segments' kept renders and sidecars, and joined.json once the join delivered.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "farm/farm.hpp"
#include "vkmix/error.hpp"

namespace vkmix::farm {

// One sbatch submission: an array job (one task per segment listed) and the join after it.
struct Submission {
  std::string arrayJob;
  std::vector<int> segments;  // the array's task ids: segment indices
  std::string joinJob;
};

// The session file as `submit` found it: a segment or join of an edited session would deliver
// two versions of it.
struct FileIdentity {
  std::filesystem::path path;
  std::int64_t sizeBytes = -1;
  std::int64_t modifiedNs = -1;
  bool operator==(const FileIdentity&) const = default;
};
// InputError naming the file when it cannot be read.
FileIdentity identify(const std::filesystem::path& file);
// InputError naming the file (and `option`, the flag that gave it, when not empty) when it is no
// longer as `submit` found it.
void checkUnchanged(const FileIdentity& recorded, const std::string& option = {});

// A file the render reads besides the session and its media: the --layout file (or the layout
// file the session's "layout" key names), the --hrtf SOFA. An edited one would make segments
// (and a join's binaural downmix) of two versions of it.
struct RecordedInput {
  std::string option;  // "--layout", "layout" (the session's key), "--hrtf"
  FileIdentity file;
};

// Slurm's controller could not be reached (scontrol or sbatch could not ask it): nothing can be
// told of the jobs, and nothing is to be concluded from that.
class SlurmUnreachable : public IoError {
 public:
  using IoError::IoError;
};

struct Job {
  std::filesystem::path dir;
  std::string renderArgs;  // the render's options, JSON as the CLI wrote them (opaque here)
  int sampleRate = 0;
  std::vector<Segment> segments;
  FileIdentity session;               // as submit found it (path empty in a job of an older vkmix)
  std::vector<RecordedInput> inputs;  // as submit found them (none in a job of an older vkmix)
  std::string partition;              // --partition; "" = the cluster's default
  std::vector<std::string> sbatchArgs;  // --sbatch, passed to every sbatch
  std::filesystem::path vkmix;          // the executable the tasks run (a path every node sees)
  std::vector<Submission> submissions;
};

// plan.json, written whole under a temporary name and renamed.
void saveJob(const Job& job);
// InputError naming the folder when it holds no job, or plan.json and the field at fault.
Job loadJob(const std::filesystem::path& dir);

// media.json: what `submit` learned of every media file when it planned the render (size,
// modification time, channels, rate, frames), written whole under a temporary name. The segments
// and the join plan from it (RenderOptions::mediaRecords).
void saveMediaRecords(const std::filesystem::path& dir, const MediaRecords& records);
// nullptr when the folder has no media.json (the render is then planned from the files); an
// InputError naming it when it cannot be read.
std::shared_ptr<const MediaRecords> loadMediaRecords(const std::filesystem::path& dir);

std::filesystem::path segmentLogPath(const std::filesystem::path& dir, int index);
std::filesystem::path joinLogPath(const std::filesystem::path& dir);
// Written by `vkmix farm join` once every deliverable is in place.
std::filesystem::path joinedMarkerPath(const std::filesystem::path& dir);

// Submits the segments listed (an array job, task id = segment index) and a join that runs when
// they all succeeded (afterok; Slurm cancels it when one fails), records the submission in
// plan.json and returns it. IoError (SlurmUnreachable when no controller answers) leading with
// the cause, then sbatch's last line, when it refuses or is not there.
Submission submit(Job& job, const std::vector<int>& segments);

struct SegmentState {
  int index = 0;
  // "done" (its sidecar is there), or Slurm's state of its task: "PENDING", "RUNNING",
  // "FAILED", "CANCELLED", "TIMEOUT", ...; "COMPLETED" without a sidecar is "FAILED"; "UNKNOWN"
  // when Slurm no longer knows the task and it left no sidecar.
  std::string state;
  std::string jobId;     // "ARRAY_TASK" of its latest submission
  std::string exitCode;  // Slurm's "N:S", when it knows it
  std::string lastLine;  // its log's last non-empty line
  bool failed() const;
};
// SlurmUnreachable when Slurm could not be asked of a segment that is not done.
std::vector<SegmentState> segmentStates(const Job& job);

// The latest join job's state: "JOINED" (joined.json is there), or Slurm's ("PENDING",
// "RUNNING", "COMPLETED", "FAILED", "CANCELLED", ...; "UNKNOWN" when it no longer knows it).
// SlurmUnreachable when Slurm could not be asked.
std::string joinState(const Job& job);

// scancel JOB; a job that already ended is not an error.
void cancel(const std::string& jobId);

// Last non-empty line of a text file ("" when none).
std::string lastLine(const std::filesystem::path& file);

}  // namespace vkmix::farm
