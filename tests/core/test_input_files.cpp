// Files users name are refused, not waited on or read without end: FIFOs, devices, directories and
// oversized files get a ModelError naming the file; image headers give the sizes the encoders wrote;
// a truncated JPEG is decoded but reported as damaged; an image over the pixel cap is not decoded.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fer/classifier.hpp"
#include "fer/errors.hpp"
#include "fer/face_detector.hpp"
#include "fer/image_file.hpp"
#include "fer/input_file.hpp"

namespace fs = std::filesystem;

namespace {

fs::path scratch() {
  static const fs::path d = [] {
    fs::path p = fs::temp_directory_path() / ("fer_input_files_" + std::to_string(getpid()));
    fs::create_directories(p);
    return p;
  }();
  return d;
}

// Runs f on another thread and fails (instead of hanging the suite) when it blocks.
template <typename F>
fer::ModelError refusal_within_seconds(F f) {
  auto done = std::async(std::launch::async, [f] {
    try {
      f();
    } catch (const fer::ModelError& e) {
      return e;
    }
    return fer::ModelError("nothing was thrown", fer::ErrorKind::Invalid);
  });
  if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "blocked for 10 s";
    std::_Exit(1);  // the blocked thread cannot be joined
  }
  return done.get();
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(InputFile, AFifoIsRefusedWithoutBlocking) {
  const std::string fifo = (scratch() / "model.fifo").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const auto e = refusal_within_seconds([&] { fer::Classifier::load(fifo); });
  EXPECT_EQ(e.kind(), fer::ErrorKind::Unreadable);
  EXPECT_TRUE(has(e.what(), "'" + fifo + "'") && has(e.what(), "FIFO")) << e.what();
  fer::DetectorOptions yunet;
  yunet.kind = fer::DetectorKind::Yunet;
  yunet.model = fifo;
  const auto d = refusal_within_seconds([&] { fer::make_face_detector(yunet); });
  EXPECT_TRUE(has(d.what(), "'" + fifo + "'") && has(d.what(), "FIFO")) << d.what();
}

TEST(InputFile, DevicesDirectoriesAndMissingFilesAreNamed) {
  const auto zero = refusal_within_seconds([] { fer::Classifier::load("/dev/zero"); });
  EXPECT_TRUE(has(zero.what(), "'/dev/zero'") && has(zero.what(), "character device")) << zero.what();
  const auto dir = refusal_within_seconds([] { fer::Classifier::load(scratch().string()); });
  EXPECT_TRUE(has(dir.what(), scratch().string()) && has(dir.what(), "directory")) << dir.what();
  EXPECT_EQ(dir.kind(), fer::ErrorKind::Unreadable);
  const auto missing = refusal_within_seconds([] { fer::Classifier::load("/nonexistent/m.pth"); });
  EXPECT_EQ(missing.kind(), fer::ErrorKind::NotFound);
  EXPECT_TRUE(has(missing.what(), "'/nonexistent/m.pth' does not exist")) << missing.what();
}

TEST(InputFile, ReadsAreBoundedBySize) {
  const fs::path small = scratch() / "2k.bin";
  std::ofstream(small) << std::string(2048, 'x');
  EXPECT_EQ(fer::read_input_file(small.string(), "blob", 2048).size(), 2048u);
  const auto e = refusal_within_seconds([&] { fer::read_input_file(small.string(), "blob", 1024); });
  EXPECT_TRUE(has(e.what(), "'" + small.string() + "'") && has(e.what(), "limit")) << e.what();
  // A sparse file above the default limit costs no disk and is refused before anything is read.
  const fs::path huge = scratch() / "huge.pth";
  std::ofstream(huge).close();
  fs::resize_file(huge, fer::kMaxInputFileBytes + 1);
  const auto h = refusal_within_seconds([&] { fer::Classifier::load(huge.string()); });
  EXPECT_TRUE(has(h.what(), "'" + huge.string() + "'") && has(h.what(), "MiB")) << h.what();
  fs::remove(huge);
}

TEST(ImageFile, HeaderSizesAreTheEncodedOnes) {
  const cv::Mat img(9, 17, CV_8UC3, cv::Scalar(10, 200, 30));
  for (const char* ext : {".png", ".jpg", ".bmp", ".webp"}) {
    std::vector<uchar> bytes;
    ASSERT_TRUE(cv::imencode(ext, img, bytes));
    EXPECT_EQ(fer::image_header_size(std::string(bytes.begin(), bytes.end())), cv::Size(17, 9)) << ext;
  }
  std::vector<uchar> lossless;
  ASSERT_TRUE(cv::imencode(".webp", img, lossless, {cv::IMWRITE_WEBP_QUALITY, 101}));  // VP8L
  EXPECT_EQ(fer::image_header_size(std::string(lossless.begin(), lossless.end())), cv::Size(17, 9));
  EXPECT_EQ(fer::image_header_size("not an image"), cv::Size());
}

TEST(ImageFile, ATruncatedJpegIsDecodedAndReportedAsDamaged) {
  cv::Mat img(120, 160, CV_8UC3);
  cv::randu(img, 0, 256);
  std::vector<uchar> bytes;
  ASSERT_TRUE(cv::imencode(".jpg", img, bytes));
  const fs::path whole = scratch() / "whole.jpg", cut = scratch() / "cut.jpg";
  std::ofstream(whole, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size() / 2);
  const auto good = fer::read_image_file(whole.string());
  EXPECT_TRUE(good.error.empty() && good.damage.empty()) << good.error << good.damage;
  const auto bad = fer::read_image_file(cut.string());
  EXPECT_TRUE(bad.error.empty()) << bad.error;
  EXPECT_EQ(bad.bgr.size(), cv::Size(160, 120));
  EXPECT_TRUE(has(bad.damage, cut.string()) && has(bad.damage, "truncated")) << bad.damage;
}

TEST(ImageFile, AnImageOverThePixelCapIsNotDecoded) {
  std::vector<uchar> png;
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(8, 8, CV_8UC1, cv::Scalar(0)), png));
  // The header now claims 20000x20000 (IHDR width and height, big-endian at bytes 16 and 20).
  for (int at : {16, 20}) png[at] = 0, png[at + 1] = 0, png[at + 2] = 0x4E, png[at + 3] = 0x20;
  const fs::path bomb = scratch() / "bomb.png";
  std::ofstream(bomb, std::ios::binary).write(reinterpret_cast<const char*>(png.data()), png.size());
  const auto r = fer::read_image_file(bomb.string());
  EXPECT_TRUE(r.bgr.empty());
  EXPECT_TRUE(has(r.error, bomb.string()) && has(r.error, "20000x20000") && has(r.error, "--max-megapixels"))
      << r.error;
}

}  // namespace
