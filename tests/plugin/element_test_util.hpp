// Helpers of the element's GstHarness tests (test_element.cpp, test_element_faults.cpp).
#pragma once

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <malloc.h>
#include <unistd.h>

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


inline fs::path tmp_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("feremotion_test_" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// A small untrained model written by the core: enough to exercise the element.
inline std::string model_file(const std::string& name = "m.pth") {
  const fs::path p = tmp_dir() / name;
  if (!fs::exists(p)) fer::Classifier::create("resnet18", fer::default_classes(), 64)->save(p.string());
  return p.string();
}

// One real face crop pasted on a plain 640x480 frame, or empty when ../shared is absent.
inline cv::Mat face_frame(cv::Rect* where) {
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

inline GstBuffer* buffer_of(const cv::Mat& bgr) {
  GstBuffer* buf = gst_buffer_new_memdup(bgr.data, bgr.total() * bgr.elemSize());
  GST_BUFFER_PTS(buf) = 0;
  GST_BUFFER_DURATION(buf) = GST_SECOND / 30;
  return buf;
}

inline cv::Mat mat_of(GstBuffer* buf, int w, int h) {
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_READ);
  cv::Mat m = cv::Mat(h, w, CV_8UC3, map.data).clone();
  gst_buffer_unmap(buf, &map);
  return m;
}

inline std::string bgr_caps(int w, int h) {
  return "video/x-raw,format=BGR,width=" + std::to_string(w) + ",height=" + std::to_string(h) + ",framerate=30/1";
}

// A harness whose element keeps its messages on a bus: gst_harness_new_parse wraps the element in
// a bin without one, which drops every message (error_text() on it finds nothing whatever happened).
inline GstHarness* listening_harness(const std::string& description) {
  GstHarness* h = gst_harness_new_parse(description.c_str());
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_object_unref(bus);
  return h;
}

// The first error message on the element's bus, or "".
inline std::string error_text(GstElement* element) {
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
inline long heap_kib() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<long>((mi.uordblks + mi.hblkhd) / 1024);
}

// Frames that reached the sink named "sink" and the text of any error, for one run to EOS.
struct Counted {
  int frames = 0;
  std::string errors;
};

inline GstElement* tiny_pipeline(const std::string& model, int frames) {
  return gst_parse_launch(("videotestsrc num-buffers=" + std::to_string(frames) +
                           " ! video/x-raw,width=32,height=32 ! feremotion detector=none interval=4 model=" + model +
                           " ! fakesink name=sink").c_str(), nullptr);
}

// Counts the buffers that reach the element named "sink" from now on.
inline void count_frames(GstElement* pipe, Counted& out) {
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo*, gpointer n) {
    ++*static_cast<int*>(n);
    return GST_PAD_PROBE_OK;
  }, &out.frames, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);
}

// Plays `pipe` to EOS or an error, recording the error; unrefs the pipeline.
inline void play_to_eos(GstElement* pipe, Counted& out) {
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipe);
  GstMessage* msg = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                               static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    out.errors = err->message;
    g_error_free(err);
  }
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(pipe);
}

inline Counted run_to_eos(GstElement* pipe) {
  Counted out;
  count_frames(pipe, out);
  play_to_eos(pipe, out);
  return out;
}

class Element : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    GST_ELEMENT_REGISTER(feremotion, nullptr);
  }
};
