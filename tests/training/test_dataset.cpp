// Data side of fer-train on synthetic files: folder scanning and its errors, unreadable images,
// FER2013 CSV, dHash near-duplicates and the grouped stratified split.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <map>
#include <set>

#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/train/dataset.hpp"
#include "fer/train/split.hpp"

namespace fs = std::filesystem;
using namespace fer::train;

namespace {

// A smooth random "photo": blurred noise, so JPEG compression leaves its coarse structure alone.
cv::Mat random_image(uint64_t seed, int side = 64) {
  cv::Mat img(side, side, CV_8UC3);
  cv::RNG rng(seed);
  rng.fill(img, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(img, img, {0, 0}, 4);
  cv::normalize(img, img, 0, 255, cv::NORM_MINMAX);
  return img;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("fer_train_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void write(const std::string& rel, const cv::Mat& img) const {
    fs::create_directories((path_ / rel).parent_path());
    ASSERT_TRUE(cv::imwrite((path_ / rel).string(), img));
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

int distance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

}  // namespace

TEST(Dhash, CopyAsJpegIsNearAndOtherImagesFar) {
  TempDir dir;
  const cv::Mat a = random_image(1), b = random_image(2);
  dir.write("a.png", a);
  dir.write("a.jpg", a);
  const uint64_t ha = dhash64(read_image((dir.path() / "a.png").string()));
  const uint64_t hj = dhash64(read_image((dir.path() / "a.jpg").string()));
  EXPECT_LE(distance(ha, hj), 2);
  EXPECT_GT(distance(ha, dhash64(b)), 10);
  cv::Mat grey;
  cv::cvtColor(a, grey, cv::COLOR_BGR2GRAY);
  EXPECT_EQ(dhash64(grey), ha) << "a grey image hashes like its colour original";
}

TEST(Duplicates, GroupsCountsAndConflicts) {
  // Hashes 0 and 1 differ by one bit, 1 and 2 by one more (linked transitively), 3 is alone.
  const std::vector<uint64_t> h{0x0ull, 0x1ull, 0x3ull, 0xffff0000ffffull, 0xffff0000ffffull};
  const std::vector<int> labels{0, 0, 1, 2, 2};
  const auto g = group_duplicates(h, labels, 1);
  EXPECT_EQ(g.group[0], g.group[1]);
  EXPECT_EQ(g.group[1], g.group[2]);
  EXPECT_NE(g.group[0], g.group[3]);
  EXPECT_EQ(g.group[3], g.group[4]);
  EXPECT_EQ(g.groups_with_copies, 2);
  EXPECT_EQ(g.images_with_copies, 5);
  EXPECT_EQ(g.conflicting_groups, 1);
  EXPECT_EQ(g.conflicting_images, 1);
  const auto none = group_duplicates(h, labels, -1);
  EXPECT_EQ(none.groups_with_copies, 0);
  EXPECT_EQ(std::set<int>(none.group.begin(), none.group.end()).size(), h.size());
}

TEST(Split, GroupsStayTogetherStratifiedAndReproducible) {
  std::mt19937 rng(7);
  std::vector<int> labels, groups;
  int next_group = 0;
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < 100; ++i) {
      const int size = rng() % 5 == 0 ? 3 : 1;  // some images come with copies
      for (int k = 0; k < size; ++k) {
        labels.push_back(c);
        groups.push_back(next_group);
      }
      ++next_group;
    }
  const auto a = stratified_group_split(labels, groups, 4, 0.2, 42);
  const auto b = stratified_group_split(labels, groups, 4, 0.2, 42);
  const auto c = stratified_group_split(labels, groups, 4, 0.2, 43);
  EXPECT_EQ(a, b) << "same seed, same split";
  EXPECT_NE(a, c) << "another seed, another split";
  std::map<int, int> side_of_group;
  std::vector<int> val(4, 0), total(4, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    auto [it, fresh] = side_of_group.emplace(groups[i], a[i]);
    EXPECT_EQ(it->second, a[i]) << "group " << groups[i] << " is on both sides";
    val[labels[i]] += a[i];
    ++total[labels[i]];
  }
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(static_cast<double>(val[k]) / total[k], 0.2, 0.02) << "class " << k;
}

TEST(Folder, ClassesSortedAndFilesListed) {
  TempDir dir;
  dir.write("Sad/1.png", random_image(3));
  dir.write("Anger/1.jpg", random_image(4));
  dir.write("Anger/2.bmp", random_image(5));
  std::ofstream((dir.path() / "Anger" / "notes.txt").string()) << "not an image";
  const auto d = scan_image_folder(dir.path().string());
  ASSERT_EQ(d.classes, (std::vector<std::string>{"Anger", "Sad"}));
  ASSERT_EQ(d.samples.size(), 3u);
  EXPECT_EQ(d.class_counts(), (std::vector<int>{2, 1}));
  const auto chosen = scan_image_folder(dir.path().string(), {"Sad", "Anger"});
  EXPECT_EQ(chosen.samples[0].path, "Sad/1.png");
  EXPECT_EQ(chosen.samples[0].label, 0);
}

TEST(Folder, MissingAndEmptyClassesAreNamed) {
  TempDir dir;
  dir.write("Happy/1.png", random_image(6));
  fs::create_directories(dir.path() / "Fear");
  try {
    scan_image_folder(dir.path().string());
    FAIL() << "an empty class folder must be an error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("'Fear' is empty"), std::string::npos) << e.what();
  }
  try {
    scan_image_folder(dir.path().string(), {"Happy", "Surprise"});
    FAIL() << "a missing class folder must be an error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("'Surprise'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(scan_image_folder((dir.path() / "nowhere").string()), DataError);
}

TEST(Folder, UnreadableImagesAreListedAndSkipped) {
  TempDir dir;
  dir.write("A/good.png", random_image(7));
  dir.write("B/good.png", random_image(8));
  std::ofstream((dir.path() / "A" / "broken.jpg").string()) << "\xff\xd8\xff garbage, not a JPEG";
  const auto before = fs::last_write_time(dir.path() / "A" / "broken.jpg");
  auto d = scan_image_folder(dir.path().string());
  ASSERT_EQ(d.samples.size(), 3u);
  decode_images(d, 2, true);
  EXPECT_EQ(d.samples.size(), 2u);
  ASSERT_EQ(d.unreadable, std::vector<std::string>{"A/broken.jpg"});
  EXPECT_FALSE(d.samples[0].image.empty());
  EXPECT_EQ(fs::last_write_time(dir.path() / "A" / "broken.jpg"), before) << "the data folder is never modified";
}

TEST(Folder, ClassWithOnlyUnreadableImagesIsNamed) {
  TempDir dir;
  dir.write("A/good.png", random_image(9));
  fs::create_directories(dir.path() / "B");
  std::ofstream((dir.path() / "B" / "x.png").string()) << "not a PNG";
  auto d = scan_image_folder(dir.path().string());
  try {
    decode_images(d, 1, false);
    FAIL() << "expected an error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("'B'"), std::string::npos) << e.what();
  }
}

TEST(Fer2013, RowsMappedSplitAndDecoded) {
  TempDir dir;
  const auto csv = (dir.path() / "fer2013.csv").string();
  auto pixels = [](int base) {
    std::string s;
    for (int i = 0; i < 48 * 48; ++i) s += (i ? " " : "") + std::to_string((base + i) % 256);
    return s;
  };
  std::ofstream(csv) << "emotion,pixels,Usage\n"
                     << "3," << pixels(0) << ",Training\n"
                     << "1," << pixels(1) << ",Training\n"      // Disgust: unmapped by default, dropped
                     << "0," << pixels(2) << ",PublicTest\r\n"  // Windows line ending
                     << "6," << pixels(3) << ",PrivateTest\n"   // the final test set: not used for training
                     << "4," << pixels(4) << ",Training\n";
  // Every default class needs a row: map only what this file has.
  const auto d = read_fer2013_csv(csv, parse_fer2013_mapping("0=Anger,3=Happy,4=Sad"));
  ASSERT_EQ(d.classes, (std::vector<std::string>{"Anger", "Happy", "Sad"}));
  ASSERT_EQ(d.samples.size(), 3u);
  EXPECT_EQ(d.samples[0].label, 1);
  EXPECT_EQ(d.samples[1].label, 0);
  EXPECT_EQ(d.samples[2].label, 2);
  EXPECT_EQ(d.fixed_val, (std::vector<int>{0, 1, 0}));
  ASSERT_EQ(d.samples[1].image.size(), cv::Size(48, 48));
  EXPECT_EQ(d.samples[1].image.at<uint8_t>(0, 0), 2);
  EXPECT_EQ(d.samples[1].image.at<uint8_t>(1, 0), (2 + 48) % 256);
  EXPECT_EQ(d.samples[1].path, "csv:4");

  const auto test = read_fer2013_csv(csv, parse_fer2013_mapping("6=Neutral"), true);
  ASSERT_EQ(test.samples.size(), 1u) << "with test_rows, the PrivateTest rows only";
  EXPECT_EQ(test.samples[0].path, "csv:5");
  EXPECT_THROW(read_fer2013_csv(csv, parse_fer2013_mapping("")), DataError) << "Fear has no row: named as an error";
  EXPECT_THROW(parse_fer2013_mapping("9=Anger"), DataError);
  std::ofstream(csv) << "emotion,pixels,Usage\n3,1 2 3,Training\n";
  EXPECT_THROW(read_fer2013_csv(csv, parse_fer2013_mapping("3=Happy")), DataError) << "short pixel row";
}
