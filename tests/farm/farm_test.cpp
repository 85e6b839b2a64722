// Farm renders on a real Slurm: a throw-away one-node cluster (tests/farm/slurm_cluster.sh) is
// started once for this binary; the demo and a reverb- and denoise-heavy session are farm-rendered
// in 1, 3 and 8 segments and held to the one-machine render bit for bit (mix, stems, downmixes,
// the report's loudness figures), with and without loudness normalisation; a missing file fails
// only the segments that play it, leaves no deliverable, `farm status` names them, and `--resume`
// completes the render.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSource = VKMIX_SOURCE_DIR;

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

struct Ran {
  int status = -1;
  std::string output;
};

// Runs a shell command line, its stdout and stderr captured together.
Ran run(const std::string& command) {
  Ran r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, p)) > 0) r.output.append(buffer, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string vkmix() { return std::string(VKMIX_BINARY); }

// The cluster, for every test of this binary: started before the first, stopped (by its pids,
// every job cancelled first) after the last, SLURM_CONF cleared.
class SlurmCluster : public ::testing::Environment {
 public:
  static inline fs::path dir;
  static inline bool up = false;
  static inline std::string why;

  void SetUp() override {
    if (!fs::exists("/usr/sbin/slurmctld") || !fs::exists("/usr/sbin/munged")) {
      why = "Slurm is not installed (scripts/setup.sh installs it)";
      return;
    }
    char pattern[] = "/tmp/vkmix-slurm-XXXXXX";
    dir = ::mkdtemp(pattern);
    const Ran started = run("bash " + (kSource / "tests/farm/slurm_cluster.sh").string() +
                            " start " + dir.string());
    if (started.status != 0) {
      why = "the test cluster did not start: " + started.output;
      return;
    }
    ::setenv("SLURM_CONF", (dir / "slurm.conf").c_str(), 1);
    const std::string path = std::string("/usr/sbin:") + std::getenv("PATH");
    ::setenv("PATH", path.c_str(), 1);
    up = true;
  }
  void TearDown() override {
    if (dir.empty()) return;
    run("bash " + (kSource / "tests/farm/slurm_cluster.sh").string() + " stop " + dir.string());
    ::unsetenv("SLURM_CONF");
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

const auto* const kCluster = ::testing::AddGlobalTestEnvironment(new SlurmCluster);

// A folder with the demo session and its synthesised media, and a session of our own beside it.
class Farm : public ::testing::Test {
 protected:
  static inline fs::path work;

  static void SetUpTestSuite() {
    char pattern[] = "/tmp/vkmix-farm-XXXXXX";
    work = ::mkdtemp(pattern);
    fs::copy_file(kSource / "assets/demo/demo.json", work / "demo.json");
    const Ran made = run(
        (fs::path(VKMIX_BINARY).parent_path().parent_path() / "assets/vkmix_make_demo").string() +
        " " + (work / "media").string());
    ASSERT_EQ(made.status, 0) << made.output;
    // Reverb- and denoise-heavy: two adaptively denoised tracks (no learned profile: the
    // tracking's memory is the whole track), both sending hard into the hall.
    std::ofstream(work / "wet.json") << R"({
  "vkmix": 1, "sampleRate": 48000, "layout": "7.1.4",
  "reverbs": [{"name": "hall", "ir": "media/hall.wav", "wetDb": 0, "predelayMs": 20}],
  "tracks": [
    {"name": "DX", "stem": "dialogue", "type": "object",
     "sends": [{"reverb": "hall", "levelDb": -4}], "denoise": {"reductionDb": 18},
     "position": {"azimuth": 20, "elevation": 0, "distance": 1},
     "clips": [{"file": "media/dialogue.wav", "start": 0.25, "offset": 0.5, "length": 3.5,
                "fadeIn": 0.05, "fadeOut": 0.4}]},
    {"name": "Birds", "stem": "effects", "type": "object",
     "sends": [{"reverb": "hall", "levelDb": -2}], "denoise": {"reductionDb": 12},
     "position": {"azimuth": -70, "elevation": 10, "distance": 1},
     "clips": [{"file": "media/birds.wav", "start": 1.0, "offset": 2.0, "length": 2.5,
                "fadeIn": 0.3, "fadeOut": 0.3}]}
  ]
})";
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(work, ec);
  }

  void SetUp() override {
    if (!SlurmCluster::up) GTEST_SKIP() << SlurmCluster::why;
  }

  // The deliverables of a render into `name`: mix, stems, a matrix downmix (and binaural for the
  // demo), and the report.
  static std::string outputs(const std::string& name, bool binaural) {
    const fs::path o = work / name;
    std::string args = " -o " + (o / "mix.wav").string() + " --stems " + (o / "stems").string() +
                       " --downmix 2.0=" + (o / "lo-ro.wav").string() + " --report " +
                       (o / "report.json").string();
    if (binaural) args += " --downmix binaural=" + (o / "binaural.wav").string();
    fs::create_directories(o);
    return args;
  }

  // Every deliverable of `a` holds the bytes of `b`'s, and the reports' loudness figures are equal.
  static void expectSame(const std::string& a, const std::string& b) {
    for (const auto& e : fs::recursive_directory_iterator(work / a)) {
      if (!e.is_regular_file() || e.path().extension() != ".wav") continue;
      const fs::path other = work / b / fs::relative(e.path(), work / a);
      ASSERT_TRUE(fs::exists(other)) << other;
      EXPECT_TRUE(readText(e.path()) == readText(other)) << e.path() << " and " << other;
    }
    const json x = json::parse(readText(work / a / "report.json"));
    const json y = json::parse(readText(work / b / "report.json"));
    for (const char* key : {"mix", "normalisationGainDb", "limiterReductionDb", "durationSeconds",
                            "voices", "peakVoices", "reverbs", "tailSeconds", "clippedSamples"})
      EXPECT_EQ(x.at(key), y.at(key)) << key;
    for (const char* list : {"stems", "downmixes"}) {
      ASSERT_EQ(x.at(list).size(), y.at(list).size());
      for (std::size_t i = 0; i < x.at(list).size(); ++i) {
        json u = x.at(list)[i], v = y.at(list)[i];  // every figure; the files are elsewhere
        u.erase("file");
        v.erase("file");
        EXPECT_EQ(u, v) << list << i;
      }
    }
  }

  // The one-machine render, then farm renders in 1, 3 and 8 segments, all held to it.
  static void farmEqualsOneMachine(const std::string& session, const std::string& options,
                                   bool binaural) {
    const std::string base = session + (options.empty() ? "" : "-normalised");
    const Ran one = run(vkmix() + " render " + (work / session).string() + ".json --device cpu " +
                        options + outputs(base + "-one", binaural) + " -q");
    ASSERT_EQ(one.status, 0) << one.output;
    for (int segments : {1, 3, 8}) {
      const std::string name = base + "-farm" + std::to_string(segments);
      const Ran submitted =
          run(vkmix() + " farm submit " + (work / session).string() + ".json --device cpu " +
              options + outputs(name, binaural) + " --segments " + std::to_string(segments) +
              " --job-dir " + (work / (name + ".farm")).string());
      ASSERT_EQ(submitted.status, 0) << submitted.output;
      const Ran waited = run(vkmix() + " farm wait " + (work / (name + ".farm")).string());
      ASSERT_EQ(waited.status, 0) << waited.output
                                  << readText(work / (name + ".farm/logs/join.log"));
      // wait names the deliverables; the join's report has its own wall time and the segments'
      // backend.
      EXPECT_NE(waited.output.find((work / name / "mix.wav").string()), std::string::npos)
          << waited.output;
      const json report = json::parse(readText(work / name / "report.json"));
      EXPECT_GT(report.at("wallSeconds").get<double>(), 0.0);
      EXPECT_FALSE(report.at("backend").at("name").get<std::string>().empty());
      EXPECT_GT(report.at("backend").at("chunks").get<std::int64_t>(), 0);
      expectSame(base + "-one", name);
    }
  }
};

TEST_F(Farm, TheDemoInSegmentsEqualsTheOneMachineRender) { farmEqualsOneMachine("demo", "", true); }

TEST_F(Farm, TheDemoNormalisedInSegmentsEqualsTheOneMachineRender) {
  farmEqualsOneMachine("demo", "--loudness-target -23 --true-peak-ceiling -2", true);
}

TEST_F(Farm, AReverbAndDenoiseHeavySessionInSegmentsEqualsTheOneMachineRender) {
  farmEqualsOneMachine("wet", "", false);
  farmEqualsOneMachine("wet", "--loudness-target -20", false);
}

// Each segment plans from the media records `submit` made and opens only the media its range
// plays (pre-rolls included): with a file that plays only in the middle of the session gone, only
// the segments whose ranges play it fail; the join never runs, nothing is delivered, status and
// wait name those segments and the file. A file back but changed is refused by name; the file
// back as recorded, --resume renders what did not finish and joins the one-machine render.
TEST_F(Farm, AMissingFileFailsOnlyTheSegmentsThatPlayItAndResumeCompletesThem) {
  // 14 s in four segments of 3.5 s; each segment's loop starts 3 s early (its meters' pre-roll)
  // on the 8192-frame chunk grid: [0, 3.5), [0.34, 7), [3.75, 10.5), [7.34, 14). Birds plays
  // 6-6.6 s only: segments 1 and 2. DX's learned denoiser starts afresh in segments 2 and 3,
  // after the silence from 3 s on.
  std::ofstream(work / "sparse.json") << R"({
  "vkmix": 1, "sampleRate": 48000, "layout": "5.1",
  "tracks": [
    {"name": "DX", "stem": "dialogue", "type": "object",
     "position": {"azimuth": 0, "elevation": 0, "distance": 1},
     "denoise": {"reductionDb": 12, "learn": {"start": 0.5, "end": 1.0}},
     "clips": [{"file": "media/dialogue.wav", "start": 0.0, "length": 3.0, "fadeOut": 0.2},
               {"file": "media/dialogue.wav", "start": 10.0, "offset": 4.0, "length": 4.0}]},
    {"name": "Birds", "stem": "effects", "type": "object",
     "position": {"azimuth": -70, "elevation": 10, "distance": 1},
     "clips": [{"file": "media/birds.wav", "start": 6.0, "offset": 2.0, "length": 0.6,
                "fadeIn": 0.1, "fadeOut": 0.1}]}
  ]
})";
  const fs::path dir = work / "sparse.farm";
  const fs::path out = work / "sparse";
  fs::create_directories(out);
  const std::string render = (work / "sparse.json").string() + " --device cpu -o " +
                             (out / "mix.wav").string() + " --stems " + (out / "stems").string();
  // Held, so the media can go before any task starts.
  const Ran submitted = run(vkmix() + " farm submit " + render +
                            " --segments 4 --sbatch=--hold --job-dir " + dir.string());
  ASSERT_EQ(submitted.status, 0) << submitted.output;
  ASSERT_TRUE(fs::exists(dir / "media.json"));
  const fs::path birds = work / "media/birds.wav";
  fs::rename(birds, work / "birds.away");
  const json plan = json::parse(readText(dir / "plan.json"));
  const std::string array = plan.at("submissions")[0].at("arrayJob");
  const std::string join = plan.at("submissions")[0].at("joinJob");
  ASSERT_EQ(run("scontrol release " + array + " " + join).status, 0);

  const Ran waited = run(vkmix() + " farm wait " + dir.string());
  EXPECT_NE(waited.status, 0);
  EXPECT_NE(waited.output.find("birds.wav"), std::string::npos) << waited.output;
  EXPECT_FALSE(fs::exists(out / "mix.wav"));
  // wait returns at the first failure: the others may still run. Status, once all have ended.
  std::string status;
  for (int tries = 0; tries < 200; ++tries) {
    status = run(vkmix() + " farm status " + dir.string()).output;
    if (status.find("PENDING") == std::string::npos && status.find("RUNNING") == std::string::npos)
      break;
    run("sleep 0.3");
  }
  std::istringstream lines(status);
  std::vector<std::string> segment;
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("segment ")) segment.push_back(line);
  ASSERT_EQ(segment.size(), 4u) << status;
  for (int i : {0, 3}) EXPECT_NE(segment[i].find(" done "), std::string::npos) << status;
  for (int i : {1, 2}) {
    EXPECT_NE(segment[i].find("FAILED"), std::string::npos) << status;
    EXPECT_NE(segment[i].find("birds.wav"), std::string::npos) << status;
  }
  EXPECT_FALSE(fs::exists(out / "mix.wav"));

  // Back, but not as recorded (a copy has another modification time): refused by name.
  fs::copy_file(work / "birds.away", birds);
  const Ran changed = run(vkmix() + " farm segment " + dir.string() + " 1");
  EXPECT_NE(changed.status, 0);
  EXPECT_NE(changed.output.find("birds.wav"), std::string::npos) << changed.output;
  EXPECT_NE(changed.output.find("changed"), std::string::npos) << changed.output;
  EXPECT_FALSE(fs::exists(dir / "segments/001.json"));
  fs::remove(birds);

  fs::rename(work / "birds.away", birds);
  const Ran resumed = run(vkmix() + " farm submit --resume " + dir.string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  const json again = json::parse(readText(dir / "plan.json"));
  ASSERT_EQ(again.at("submissions").size(), 2u);
  EXPECT_EQ(again.at("submissions")[1].at("segments"), json({1, 2}));
  run("scontrol release " + again.at("submissions")[1].at("arrayJob").get<std::string>() + " " +
      again.at("submissions")[1].at("joinJob").get<std::string>());
  const Ran done = run(vkmix() + " farm wait " + dir.string());
  ASSERT_EQ(done.status, 0) << done.output << readText(dir / "logs/join.log");
  // And it is the render the one machine makes.
  const fs::path one = work / "sparse-one";
  fs::create_directories(one);
  const Ran made =
      run(vkmix() + " render " + (work / "sparse.json").string() + " --device cpu -o " +
          (one / "mix.wav").string() + " --stems " + (one / "stems").string() + " -q");
  ASSERT_EQ(made.status, 0) << made.output;
  EXPECT_TRUE(readText(out / "mix.wav") == readText(one / "mix.wav"));
  for (const char* stem : {"dialogue", "effects"})
    EXPECT_TRUE(readText(out / "stems" / (std::string(stem) + ".wav")) ==
                readText(one / "stems" / (std::string(stem) + ".wav")))
        << stem;
}

// The checks that need no Slurm: stand-ins for sbatch, scontrol and scancel on PATH (each logs
// its arguments), and the segments and join run by hand, as docs/farm.md allows.
class FarmChecks : public Farm {
 protected:
  static inline fs::path bin;

  static void SetUpTestSuite() {
    Farm::SetUpTestSuite();
    bin = work / "bin";
    fs::create_directories(bin);
    // A 2 s session: the segments render in a moment.
    std::ofstream(work / "short.json") << R"({
  "vkmix": 1, "sampleRate": 48000, "layout": "5.1",
  "tracks": [{"name": "DX", "stem": "dialogue", "type": "object",
              "position": {"azimuth": 0, "elevation": 0, "distance": 1},
              "clips": [{"file": "media/dialogue.wav", "start": 0.0, "length": 2.0}]}]
})";
  }
  void SetUp() override { fs::remove(work / "scancel.log"); }

  // A stand-in for a Slurm command: prints `out` and `err`, exits `status`, logs its arguments.
  static void fake(const std::string& name, const std::string& out, const std::string& err,
                   int status) {
    const fs::path script = bin / name;
    std::ofstream(script) << "#!/bin/sh\necho \"$@\" >> " << (work / (name + ".log")).string()
                          << "\nprintf '" << out << "'\nprintf '" << err << "' >&2\nexit " << status
                          << "\n";
    fs::permissions(script, fs::perms::owner_all);
  }
  static std::string vkmixWithFakes() { return "PATH=" + bin.string() + ":$PATH " + vkmix(); }
  static std::string render(const std::string& session, const std::string& out) {
    return (work / session).string() + " --device cpu -o " + (work / out).string();
  }
};

TEST_F(FarmChecks, WhatASegmentCannotRenderAndBadOptionsAreRefusedBeforeAnyJobFolder) {
  fake("sbatch", "1\n", "", 0);
  const std::string submit = vkmixWithFakes() + " farm submit " + render("short.json", "b.wav");
  const Ran binaural = run(submit + " --layout binaural --segments 2");
  EXPECT_EQ(binaural.status, 1);
  EXPECT_NE(binaural.output.find("--layout: binaural: a binaural render cannot be farmed"),
            std::string::npos)
      << binaural.output;
  const Ran hrtf = run(submit + " --segments 2 --downmix binaural=" + (work / "bb.wav").string() +
                       " --hrtf " + (work / "nope.sofa").string());
  EXPECT_EQ(hrtf.status, 1);
  EXPECT_NE(hrtf.output.find("nope.sofa"), std::string::npos) << hrtf.output;
  for (const char* seconds : {"0", "-1", "nan", "inf", "1e400", "0.05"}) {
    const Ran bad = run(submit + " --segment-seconds=" + seconds);
    EXPECT_EQ(bad.status, 1) << seconds;
    EXPECT_NE(bad.output.find("--segment-seconds: must be a finite number of seconds >= 0.1"),
              std::string::npos)
        << bad.output;
  }
  EXPECT_FALSE(fs::exists(work / "b.wav.farm"));
  EXPECT_FALSE(fs::exists(work / "sbatch.log"));
  std::ofstream(work / "a-file") << "x";
  const Ran underFile =
      run(submit + " --segments 2 --job-dir " + (work / "a-file" / "job").string());
  EXPECT_EQ(underFile.status, 4);
  EXPECT_NE(underFile.output.find("--job-dir"), std::string::npos) << underFile.output;
}

TEST_F(FarmChecks, AFailedSubmitLeavesNoFolderAndLeadsWithItsCause) {
  const std::string submit = " farm submit " + render("short.json", "f.wav") + " --segments 2";
  fake("sbatch", "", "sbatch: error: Batch job submission failed:\\nInvalid partition name\\n", 1);
  const Ran refused = run(vkmixWithFakes() + submit);
  EXPECT_EQ(refused.status, 4);
  EXPECT_NE(refused.output.find("sbatch refused the job: Invalid partition name"),
            std::string::npos)
      << refused.output;
  EXPECT_FALSE(fs::exists(work / "f.wav.farm"));
  fake("sbatch", "", "sbatch: fatal: Could not establish a configuration source\\n", 1);
  const Ran noController = run(vkmixWithFakes() + submit);
  EXPECT_NE(noController.output.find("no Slurm controller reachable (is SLURM_CONF set?): "
                                     "sbatch: fatal: Could not establish"),
            std::string::npos)
      << noController.output;
  EXPECT_FALSE(fs::exists(work / "f.wav.farm"));
  fs::remove(bin / "sbatch");
  const Ran missing = run("PATH=" + bin.string() + " " + vkmix() + submit);
  EXPECT_NE(missing.output.find("Slurm's sbatch was not found"), std::string::npos)
      << missing.output;
  EXPECT_FALSE(fs::exists(work / "f.wav.farm"));
}

// Submitted (to the stand-in), rendered and joined by hand: Slurm out of reach cancels nothing,
// an edited session or plan.json is refused by name, and the join takes -y.
TEST_F(FarmChecks, AJobRunByHandRefusesWhatChangedSinceSubmit) {
  fake("sbatch", "7\n", "", 0);
  fake("scontrol", "", "slurm_load_jobs error: Unable to contact slurm controller\\n", 1);
  fake("scancel", "", "", 0);
  const fs::path dir = work / "h.wav.farm";
  const std::string farm = vkmixWithFakes() + " farm ";
  ASSERT_EQ(run(farm + "submit " + render("short.json", "h.wav") + " --segments 2").status, 0);
  EXPECT_TRUE(json::parse(readText(dir / "plan.json")).at("session").contains("modifiedNs"));

  const Ran waited = run(farm + "wait " + dir.string());
  EXPECT_EQ(waited.status, 4);
  EXPECT_NE(waited.output.find("cannot reach Slurm: slurm_load_jobs error: Unable to contact"),
            std::string::npos)
      << waited.output;
  EXPECT_FALSE(fs::exists(work / "scancel.log"));
  const Ran status = run(farm + "status " + dir.string());
  EXPECT_NE(status.output.find("cannot reach Slurm"), std::string::npos) << status.output;

  const Ran resumed = run(farm + "submit --resume " + dir.string() + " --segments 3");
  EXPECT_EQ(resumed.status, 1);
  EXPECT_NE(resumed.output.find("--segments is not taken with --resume"), std::string::npos)
      << resumed.output;
  const Ran outside = run(farm + "segment " + dir.string() + " 99");
  EXPECT_EQ(outside.status, 1);
  EXPECT_EQ(outside.output.find("frames"), std::string::npos) << outside.output;
  EXPECT_NE(outside.output.find("99 is not one of 0..1"), std::string::npos) << outside.output;

  // plan.json with a gap between its segments.
  const std::string plan = readText(dir / "plan.json");
  json gap = json::parse(plan);
  gap["segments"][1]["start"] = gap["segments"][1]["start"].get<std::int64_t>() + 4800;
  std::ofstream(dir / "plan.json") << gap.dump();
  const Ran gapped = run(farm + "segment " + dir.string() + " 0");
  EXPECT_EQ(gapped.status, 1);
  EXPECT_NE(gapped.output.find("plan.json: segments[1]: starts at frame"), std::string::npos)
      << gapped.output;
  std::ofstream(dir / "plan.json") << plan;

  // The session edited: neither a segment nor the join renders it.
  const std::string session = readText(work / "short.json");
  const fs::file_time_type submitted = fs::last_write_time(work / "short.json");
  std::ofstream(work / "short.json") << session << "\n";
  for (const std::string& verb : {"segment " + dir.string() + " 0", "join " + dir.string()}) {
    const Ran edited = run(farm + verb);
    EXPECT_EQ(edited.status, 1) << verb;
    EXPECT_NE(edited.output.find("short.json: changed since 'vkmix farm submit'"),
              std::string::npos)
        << edited.output;
  }
  EXPECT_FALSE(fs::exists(dir / "segments/000.json"));
  // Back as submitted, its modification time too.
  std::ofstream(work / "short.json") << session;
  fs::last_write_time(work / "short.json", submitted);
  for (int i : {0, 1}) {
    const Ran segment = run(farm + "segment " + dir.string() + " " + std::to_string(i));
    ASSERT_EQ(segment.status, 0) << segment.output;
  }
  std::ofstream(work / "h.wav") << "in the way";
  const Ran refused = run(farm + "join " + dir.string());
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.output.find("-y"), std::string::npos) << refused.output;
  const Ran joined = run(farm + "join -y " + dir.string());
  ASSERT_EQ(joined.status, 0) << joined.output;
  EXPECT_NE(readText(work / "h.wav"), "in the way");
  const Ran again = run(farm + "join " + dir.string());
  EXPECT_EQ(again.status, 0);
  EXPECT_NE(again.output.find("already joined"), std::string::npos) << again.output;
  const Ran done = run(farm + "wait " + dir.string());
  EXPECT_EQ(done.status, 0);
  EXPECT_NE(done.output.find((work / "h.wav").string()), std::string::npos) << done.output;
}

// The --layout file and the --hrtf SOFA are recorded at submit as the session is: edited since,
// a segment and the join refuse them by name; put back as submitted, the segment renders.
TEST_F(FarmChecks, AChangedLayoutFileOrHrtfIsRefusedByName) {
  fake("sbatch", "8\n", "", 0);
  fake("scancel", "", "", 0);
  std::ofstream(work / "room.json") << R"({"name": "room", "speakers": [{"label": "M+030"},
    {"label": "M-030"}, {"label": "M+000"}, {"label": "LFE1"}, {"label": "M+110"},
    {"label": "M-110"}]})";
  fs::copy_file("/usr/share/libmysofa/default.sofa", work / "ears.sofa",
                fs::copy_options::overwrite_existing);
  const fs::path dir = work / "l.wav.farm";
  const std::string farm = vkmixWithFakes() + " farm ";
  ASSERT_EQ(run(farm + "submit " + render("short.json", "l.wav") + " --segments 2 --layout " +
                (work / "room.json").string() + " --downmix binaural=" +
                (work / "l-bin.wav").string() + " --hrtf " + (work / "ears.sofa").string())
                .status,
            0);
  const json inputs = json::parse(readText(dir / "plan.json")).at("inputs");
  ASSERT_EQ(inputs.size(), 2u) << inputs.dump();
  EXPECT_EQ(inputs[0].at("option"), "--layout");
  EXPECT_EQ(inputs[0].at("path"), (work / "room.json").string());
  EXPECT_EQ(inputs[1].at("option"), "--hrtf");

  auto refused = [&](const fs::path& file, const std::string& option) {
    for (const std::string& verb : {"segment " + dir.string() + " 0", "join " + dir.string()}) {
      const Ran changed = run(farm + verb);
      EXPECT_EQ(changed.status, 1) << verb;
      EXPECT_NE(changed.output.find(file.string() + ": " + option +
                                    ": changed since 'vkmix farm submit'"),
                std::string::npos)
          << verb << ": " << changed.output;
    }
    EXPECT_FALSE(fs::exists(dir / "segments/000.json"));
  };
  // The layout edited (the same speakers: only its identity tells).
  const std::string layout = readText(work / "room.json");
  const fs::file_time_type layoutTime = fs::last_write_time(work / "room.json");
  std::ofstream(work / "room.json") << layout << "\n";
  refused(work / "room.json", "--layout");
  std::ofstream(work / "room.json") << layout;
  fs::last_write_time(work / "room.json", layoutTime);
  // The HRTF touched: the same bytes, a new modification time.
  const fs::file_time_type sofaTime = fs::last_write_time(work / "ears.sofa");
  fs::last_write_time(work / "ears.sofa", sofaTime + std::chrono::seconds(5));
  refused(work / "ears.sofa", "--hrtf");
  fs::last_write_time(work / "ears.sofa", sofaTime);

  const Ran segment = run(farm + "segment " + dir.string() + " 0");
  EXPECT_EQ(segment.status, 0) << segment.output;
  EXPECT_TRUE(fs::exists(dir / "segments/000.json"));
}

// A layout file the session's own "layout" key names (relative to the folder submit ran in) is
// recorded as a --layout file is (option "layout") and handed to the segments by its absolute
// path: edited since, a segment and the join refuse it by name; put back, a segment run from
// another folder renders it.
TEST_F(FarmChecks, TheSessionsOwnLayoutFileIsRecordedAndAChangedOneRefused) {
  fake("sbatch", "9\n", "", 0);
  fake("scancel", "", "", 0);
  std::ofstream(work / "own-room.json") << R"({"name": "own room", "speakers": [
    {"label": "M+030"}, {"label": "M-030"}, {"label": "M+000"}, {"label": "LFE1"},
    {"label": "M+110"}, {"label": "M-110"}]})";
  std::ofstream(work / "own.json") << R"({
  "vkmix": 1, "sampleRate": 48000, "layout": "own-room.json",
  "tracks": [{"name": "DX", "stem": "dialogue", "type": "object",
              "position": {"azimuth": 60, "elevation": 0, "distance": 1},
              "clips": [{"file": "media/dialogue.wav", "start": 0.0, "length": 2.0}]}]
})";
  const fs::path dir = work / "own.wav.farm";
  const std::string farm = vkmixWithFakes() + " farm ";
  const std::string here = "cd " + work.string() + " && ";
  const Ran submitted = run(here + farm + "submit own.json --device cpu -o own.wav --segments 2");
  ASSERT_EQ(submitted.status, 0) << submitted.output;
  const json plan = json::parse(readText(dir / "plan.json"));
  const json inputs = plan.at("inputs");
  ASSERT_EQ(inputs.size(), 1u) << inputs.dump();
  EXPECT_EQ(inputs[0].at("option"), "layout");
  EXPECT_EQ(inputs[0].at("path"), (work / "own-room.json").string());
  EXPECT_EQ(plan.at("render").at("layout"), (work / "own-room.json").string());

  // Elsewhere: the farm's machines run in other folders.
  const std::string elsewhere = "cd / && ";
  const std::string layout = readText(work / "own-room.json");
  const fs::file_time_type layoutTime = fs::last_write_time(work / "own-room.json");
  std::ofstream(work / "own-room.json") << layout << "\n";
  for (const std::string& verb : {"segment " + dir.string() + " 0", "join " + dir.string()}) {
    const Ran changed = run(elsewhere + farm + verb);
    EXPECT_EQ(changed.status, 1) << verb;
    EXPECT_NE(changed.output.find((work / "own-room.json").string() +
                                  ": layout: changed since 'vkmix farm submit'"),
              std::string::npos)
        << verb << ": " << changed.output;
  }
  EXPECT_FALSE(fs::exists(dir / "segments/000.json"));
  std::ofstream(work / "own-room.json") << layout;
  fs::last_write_time(work / "own-room.json", layoutTime);
  for (int i : {0, 1}) {
    const Ran segment = run(elsewhere + farm + "segment " + dir.string() + " " + std::to_string(i));
    ASSERT_EQ(segment.status, 0) << segment.output;
  }
  const Ran joined = run(elsewhere + farm + "join " + dir.string());
  ASSERT_EQ(joined.status, 0) << joined.output;
  EXPECT_TRUE(fs::exists(work / "own.wav"));
}

// A join that ends between wait's look for its marker and Slurm's answer is joined, not failed:
// the stand-in scontrol puts the marker in place as it answers COMPLETED (the race a real farm
// hit once in the suite).
TEST_F(FarmChecks, AJoinEndingWhileWaitLooksIsJoined) {
  fake("sbatch", "7\n", "", 0);
  fake("scancel", "", "", 0);
  const fs::path dir = work / "race.wav.farm";
  const std::string farm = vkmixWithFakes() + " farm ";
  ASSERT_EQ(run(farm + "submit " + render("short.json", "race.wav") + " --segments 2").status, 0);
  for (int i : {0, 1})
    ASSERT_EQ(run(farm + "segment " + dir.string() + " " + std::to_string(i)).status, 0);
  ASSERT_EQ(run(farm + "join " + dir.string()).status, 0);
  fs::rename(dir / "joined.json", dir / "joined.later");
  const fs::path script = bin / "scontrol";
  std::ofstream(script) << "#!/bin/sh\nmv " << (dir / "joined.later").string() << " "
                        << (dir / "joined.json").string()
                        << " 2>/dev/null\necho 'JobId=8 JobName=join JobState=COMPLETED "
                           "ExitCode=0:0'\n";
  fs::permissions(script, fs::perms::owner_all);
  const Ran waited = run(farm + "wait " + dir.string());
  EXPECT_EQ(waited.status, 0) << waited.output;
  EXPECT_NE(waited.output.find((work / "race.wav").string()), std::string::npos) << waited.output;
}

}  // namespace
