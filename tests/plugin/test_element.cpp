// The element through GstHarness: formats, pixels, errors, lifetimes, sharing.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <malloc.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/classifier.hpp"
#include "gstferemotion.h"
#include "model_cache.hpp"

namespace fs = std::filesystem;

namespace {

fs::path tmp_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("feremotion_test_" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// A small untrained model written by the core: enough to exercise the element.
std::string model_file(const std::string& name = "m.pth") {
  const fs::path p = tmp_dir() / name;
  if (!fs::exists(p)) fer::Classifier::create("resnet18", fer::default_classes(), 64)->save(p.string());
  return p.string();
}

// One real face crop pasted on a plain 640x480 frame, or empty when ../shared is absent.
cv::Mat face_frame(cv::Rect* where) {
  const char* shared = std::getenv("FER_SHARED");
  const fs::path dir = fs::path(shared ? shared : "../shared") / "data/faces5/Happy";
  if (!fs::is_directory(dir)) return {};
  fs::path first;
  for (const auto& e : fs::directory_iterator(dir))
    if (first.empty() || e.path() < first) first = e.path();
  cv::Mat face = cv::imread(first.string());
  cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(120, 100, 80));
  *where = cv::Rect(200, 150, face.cols, face.rows);
  face.copyTo(frame(*where));
  return frame;
}

GstBuffer* buffer_of(const cv::Mat& bgr) {
  GstBuffer* buf = gst_buffer_new_memdup(bgr.data, bgr.total() * bgr.elemSize());
  GST_BUFFER_PTS(buf) = 0;
  GST_BUFFER_DURATION(buf) = GST_SECOND / 30;
  return buf;
}

cv::Mat mat_of(GstBuffer* buf, int w, int h) {
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_READ);
  cv::Mat m = cv::Mat(h, w, CV_8UC3, map.data).clone();
  gst_buffer_unmap(buf, &map);
  return m;
}

std::string bgr_caps(int w, int h) {
  return "video/x-raw,format=BGR,width=" + std::to_string(w) + ",height=" + std::to_string(h) + ",framerate=30/1";
}

// The first error message on the harness' element bus, or "".
std::string error_text(GstElement* element) {
  GstBus* bus = gst_element_get_bus(element);
  std::string text;
  if (GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    GError* err = nullptr;
    gchar* dbg = nullptr;
    gst_message_parse_error(msg, &err, &dbg);
    text = std::string(err->message) + " | " + (dbg ? dbg : "");
    g_error_free(err);
    g_free(dbg);
    gst_message_unref(msg);
  }
  gst_object_unref(bus);
  return text;
}

// Bytes the process holds from malloc (heap in use plus mmapped blocks): a leak raises it,
// while RSS also moves with fragmentation and MALLOC_PERTURB_.
long heap_kib() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<long>((mi.uordblks + mi.hblkhd) / 1024);
}

class Element : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    GST_ELEMENT_REGISTER(feremotion, nullptr);
  }
};

TEST_F(Element, EveryListedFormatNegotiates) {
  const std::string model = model_file();
  for (const char* fmt : {"YUY2", "UYVY", "I420", "NV12", "BGR", "RGB", "BGRx", "BGRA", "RGBx", "RGBA", "xRGB",
                          "ARGB", "GRAY8"}) {
    GstHarness* h = gst_harness_new_parse(("feremotion model=" + model).c_str());
    gst_harness_set_src_caps_str(h, (std::string("video/x-raw,width=64,height=48,framerate=30/1,format=") + fmt).c_str());
    GstVideoInfo info;
    gst_video_info_set_format(&info, gst_video_format_from_string(fmt), 64, 48);
    GstBuffer* out = gst_harness_push_and_pull(h, gst_harness_create_buffer(h, GST_VIDEO_INFO_SIZE(&info)));
    EXPECT_NE(out, nullptr) << fmt;
    if (out) gst_buffer_unref(out);
    gst_harness_teardown(h);
  }
}

TEST_F(Element, RefusesFormatsItCannotRead) {
  GstHarness* h = gst_harness_new_parse(("feremotion model=" + model_file()).c_str());
  gst_harness_set_src_caps_str(h, "video/x-raw,format=RGB16,width=64,height=48,framerate=30/1");
  EXPECT_EQ(gst_harness_push(h, gst_harness_create_buffer(h, 64 * 48 * 2)), GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown(h);
}

TEST_F(Element, MissingCorruptOrAbsentModelFailsNamingTheFile) {
  const std::string corrupt = (tmp_dir() / "corrupt.pth").string();
  std::ofstream(corrupt) << "PK\x03\x04 garbage that is no zip";
  for (const std::string& path : {(tmp_dir() / "missing.pth").string(), corrupt, std::string()}) {
    GstElement* e = gst_element_factory_make("feremotion", nullptr);
    if (!path.empty()) g_object_set(e, "model", path.c_str(), nullptr);
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(e, bus);
    EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE) << path;
    const std::string text = error_text(e);
    EXPECT_NE(text.find(path.empty() ? "model" : path), std::string::npos) << text;
    EXPECT_EQ(gst_element_set_state(e, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    gst_object_unref(bus);
    gst_object_unref(e);
  }
}

TEST_F(Element, OverlayOffLeavesPixelsAndOnChangesOnlyNearFaces) {
  cv::Rect face;
  const cv::Mat frame = face_frame(&face);
  if (frame.empty()) GTEST_SKIP() << "../shared/data/faces5 absent (set FER_SHARED)";
  for (bool overlay : {false, true}) {
    // GstHarness is live, which would classify in the background: this test wants frame 0's result.
    GstHarness* h = gst_harness_new_parse(("feremotion async-classify=off model=" + model_file() + " overlay=" +
                                           (overlay ? "true" : "false")).c_str());
    gst_harness_set_src_caps_str(h, bgr_caps(frame.cols, frame.rows).c_str());
    GstBuffer* out = gst_harness_push_and_pull(h, buffer_of(frame));
    ASSERT_NE(out, nullptr);
    auto* roi = gst_buffer_get_video_region_of_interest_meta(out);
    ASSERT_NE(roi, nullptr) << "no face found";
    const cv::Mat result = mat_of(out, frame.cols, frame.rows);
    cv::Mat diff;
    cv::cvtColor(cv::abs(result - frame) , diff, cv::COLOR_BGR2GRAY);
    if (!overlay) {
      EXPECT_EQ(cv::countNonZero(diff), 0);
    } else {
      const cv::Rect box(roi->x, roi->y, roi->w, roi->h);
      // The box's lines and the label above it: nothing beyond a band around the box.
      const cv::Rect near(box.x - 8, box.y - 60, box.width + 200, box.height + 68);
      cv::Mat outside = diff.clone();
      outside(near & cv::Rect(0, 0, frame.cols, frame.rows)).setTo(0);
      EXPECT_GT(cv::countNonZero(diff), 500) << "overlay drew nothing";
      EXPECT_EQ(cv::countNonZero(outside), 0) << "pixels changed away from the face";
    }
    gst_buffer_unref(out);
    gst_harness_teardown(h);
  }
}

TEST_F(Element, TinyAndHugeFramesWork) {
  for (auto [w, h] : {std::pair{16, 16}, std::pair{3840, 2160}}) {
    GstHarness* hh = gst_harness_new_parse(("feremotion model=" + model_file()).c_str());
    gst_harness_set_src_caps_str(hh, ("video/x-raw,format=NV12,framerate=30/1,width=" + std::to_string(w) +
                                      ",height=" + std::to_string(h)).c_str());
    GstBuffer* out = gst_harness_push_and_pull(hh, gst_harness_create_buffer(hh, w * h * 3 / 2));
    EXPECT_NE(out, nullptr) << w << "x" << h;
    if (out) gst_buffer_unref(out);
    gst_harness_teardown(hh);
  }
}

TEST_F(Element, TwoElementsShareOneLoadedModel) {
  const std::string model = model_file("shared.pth");
  const int before = feremotion::model_load_count();
  GstHarness* h = gst_harness_new_parse(("feremotion model=" + model + " ! feremotion model=" + model).c_str());
  gst_harness_set_src_caps_str(h, bgr_caps(32, 32).c_str());
  GstBuffer* out = gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 32 * 32 * 3));
  ASSERT_NE(out, nullptr);
  gst_buffer_unref(out);
  EXPECT_EQ(feremotion::model_load_count() - before, 1);
  gst_harness_teardown(h);
}

TEST_F(Element, NewModelWhilePlayingSwapsAndABadOneWarns) {
  const std::string a = model_file("a.pth"), b = model_file("b.pth");
  GstHarness* h = gst_harness_new_parse(("feremotion detector=none model=" + a).c_str());
  gst_harness_set_src_caps_str(h, bgr_caps(32, 32).c_str());
  gst_buffer_unref(gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 32 * 32 * 3)));
  const int before = feremotion::model_load_count();
  gst_harness_set(h, "feremotion", "model", b.c_str(), nullptr);
  gst_harness_set(h, "feremotion", "model", (tmp_dir() / "nowhere.pth").c_str(), nullptr);
  for (int i = 0; i < 5; ++i) gst_buffer_unref(gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 32 * 32 * 3)));
  gst_harness_set(h, "feremotion", "detector", GST_FEREMOTION_DETECTOR_HAAR, "interval", 3, "overlay", FALSE, nullptr);
  gst_buffer_unref(gst_harness_push_and_pull(h, gst_harness_create_buffer(h, 32 * 32 * 3)));
  gst_harness_teardown(h);  // joins the loads
  EXPECT_EQ(feremotion::model_load_count() - before, 1) << "b.pth loads; nowhere.pth fails";
}

TEST_F(Element, CyclesAndLongRunsDoNotGrowMemory) {
  const std::string model = model_file("cycles.pth");
  GstElement* pipe = gst_parse_launch(("videotestsrc num-buffers=3 ! video/x-raw,width=64,height=64 ! "
                                       "feremotion detector=none model=" + model + " ! fakesink").c_str(), nullptr);
  auto cycle = [&] {
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    gst_element_get_state(pipe, nullptr, nullptr, GST_CLOCK_TIME_NONE);
    gst_element_set_state(pipe, GST_STATE_NULL);
  };
  for (int i = 0; i < 10; ++i) cycle();
  const long warm = heap_kib();
  for (int i = 0; i < 100; ++i) cycle();
  const long after_cycles = heap_kib();
  gst_object_unref(pipe);
  std::printf("heap in use after 10 cycles %ld KiB, after 100 more %ld KiB\n", warm, after_cycles);
  EXPECT_LT(after_cycles - warm, 1024);

  auto run = [&](int frames) {
    GstElement* p = gst_parse_launch(("videotestsrc num-buffers=" + std::to_string(frames) +
                                      " ! video/x-raw,width=64,height=64 ! feremotion detector=none model=" + model +
                                      " ! fakesink").c_str(), nullptr);
    gst_element_set_state(p, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(p);
    gst_message_unref(gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                                 static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
    gst_object_unref(bus);
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  };
  run(200);
  const long short_run = heap_kib();
  run(2000);
  const long long_run = heap_kib();
  std::printf("heap in use after 200 frames %ld KiB, after 2000 more %ld KiB\n", short_run, long_run);
  EXPECT_LT(long_run - short_run, 1024);
}

}  // namespace
