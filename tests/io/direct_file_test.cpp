// Files past the page cache: whatever the pieces a file is written in (across the gathering
// buffer, patched in place before and after its blocks go out), the bytes on disk are the bytes
// written; a reader hands back any file's bytes in any pieces; failures name the file.
#include <fcntl.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "io/direct_file.hpp"

namespace vkmix::io {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class DirectFile : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir_); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path scratch(const std::string& name) const { return dir_ / name; }

 private:
  fs::path dir_ = fs::temp_directory_path() / ("vkmix-direct-" + std::to_string(::getpid()));
};

std::vector<char> readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<char> pattern(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<char> v(n);
  for (char& c : v) c = static_cast<char>(rng());
  return v;
}

// Whether the file system under the scratch folder takes O_DIRECT (tmpfs before Linux 6.6 does
// not): the test then says so instead of asserting direct writes.
bool directSupported(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_DIRECT, 0600);
  if (fd >= 0) ::close(fd);
  fs::remove(p);
  return fd >= 0;
}

// Writes `model` in pieces of awkward sizes (a byte, a block less one, more than the gathering
// buffer), patching a header while it is still gathered and again after it has gone out, as a
// WAV muxer does at its start and at its close.
void writeLikeAMuxer(DirectWriter& w, std::vector<char>& model) {
  const std::vector<char> body = pattern(11'500'000, 7);
  const std::size_t pieces[] = {1, 95, 4095, 4097, 5'000'000, 3, 6'000'000};
  std::size_t at = 0, k = 0;
  while (at < body.size()) {
    const std::size_t n = std::min(pieces[k++ % std::size(pieces)], body.size() - at);
    w.write(body.data() + at, n);
    at += n;
    if (at == 96) {  // the header, patched before any block went out
      w.seek(4);
      const char fix[4] = {'R', 'I', 'F', 'F'};
      w.write(fix, 4);
      w.seek(96);
    }
  }
  model = body;
  std::copy_n("RIFF", 4, model.begin() + 4);
  const char sizes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  w.seek(40);  // on disk by now
  w.write(sizes, 8);
  std::copy_n(sizes, 8, model.begin() + 40);
  w.seek(w.size());
  w.write("tail", 4);
  model.insert(model.end(), {'t', 'a', 'i', 'l'});
}

TEST_F(DirectFile, WriterPutsEveryPieceWhereItWasWritten) {
  const fs::path p = scratch("muxer.bin");
  const bool supported = directSupported(p);
  DirectWriter w(p, true);
  EXPECT_EQ(w.direct(), supported) << "O_DIRECT is used where the file system takes it";
  std::vector<char> model;
  writeLikeAMuxer(w, model);
  EXPECT_FALSE(w.direct()) << "a write to bytes on disk goes on through the page cache";
  EXPECT_EQ(w.size(), static_cast<std::int64_t>(model.size()));
  w.close();
  const std::vector<char> disk = readAll(p);
  ASSERT_EQ(disk.size(), model.size());
  EXPECT_TRUE(disk == model);
  if (!supported) std::cout << "note: no O_DIRECT under " << p.parent_path() << "\n";
}

TEST_F(DirectFile, AppendOnlyFilesStayDirectAndEndMidBlock) {
  const fs::path p = scratch("append.bin");
  const bool supported = directSupported(p);
  const std::vector<char> body = pattern(9'000'001, 3);  // past two buffers, not whole blocks
  DirectWriter w(p, true);
  for (std::size_t at = 0; at < body.size(); at += 65'537)
    w.write(body.data() + at, std::min<std::size_t>(65'537, body.size() - at));
  EXPECT_EQ(w.direct(), supported);
  w.close();
  EXPECT_TRUE(readAll(p) == body);
}

TEST_F(DirectFile, ReaderHandsBackAnyFileInAnyPieces) {
  const fs::path p = scratch("read.bin");
  const std::vector<char> body = pattern(10'000'123, 5);
  {
    std::ofstream out(p, std::ios::binary);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
  }
  DirectReader r(p);
  EXPECT_EQ(r.size(), static_cast<std::int64_t>(body.size()));
  std::vector<char> back(body.size());
  const std::size_t pieces[] = {8, 4'999'999, 1, 4096, 3'000'000};
  std::size_t at = 0, k = 0;
  while (at < body.size()) {
    const std::size_t n = std::min(pieces[k++ % std::size(pieces)], body.size() - at);
    r.read(back.data() + at, n);
    at += n;
  }
  EXPECT_TRUE(back == body);
  char more = 0;
  try {
    r.read(&more, 1);
    ADD_FAILURE() << "read past the end";
  } catch (const FileError& e) {
    EXPECT_THAT(e.what(), HasSubstr(p.string()));
    EXPECT_THAT(e.what(), HasSubstr("cut short"));
  }
}

TEST_F(DirectFile, WhatAWriterWroteAReaderReadsBack) {
  const fs::path p = scratch("both.bin");
  const std::vector<char> body = pattern(4'194'304 + 4096 + 17, 9);
  DirectWriter w(p, true);
  w.write(body.data(), body.size());
  w.close();
  DirectReader r(p);
  std::vector<char> back(body.size());
  r.read(back.data(), back.size());
  EXPECT_TRUE(back == body);
}

TEST_F(DirectFile, FailuresNameTheFile) {
  const fs::path p = scratch("exists.bin");
  { std::ofstream(p) << "x"; }
  try {
    DirectWriter w(p, true);
    ADD_FAILURE() << "an exclusive writer must not open an existing file";
  } catch (const FileError& e) {
    EXPECT_EQ(e.error(), EEXIST);
    EXPECT_THAT(e.what(), HasSubstr(p.string()));
  }
  EXPECT_EQ(readAll(p), std::vector<char>{'x'}) << "the existing file is untouched";

  // A full disk: /dev/full takes every open and refuses every write.
  DirectWriter full("/dev/full", false, "mix.wav");
  const std::vector<char> body = pattern(5'000'000, 1);
  try {
    full.write(body.data(), body.size());
    full.close();
    ADD_FAILURE() << "writes to a full disk must fail";
  } catch (const FileError& e) {
    EXPECT_EQ(e.error(), ENOSPC);
    EXPECT_THAT(e.what(), HasSubstr("mix.wav: cannot write"));
  }

  try {
    DirectReader r(p.parent_path() / "missing.bin");
    ADD_FAILURE() << "a missing file must not open";
  } catch (const FileError& e) {
    EXPECT_EQ(e.error(), ENOENT);
    EXPECT_THAT(e.what(), HasSubstr("missing.bin"));
  }
}

}  // namespace
}  // namespace vkmix::io
