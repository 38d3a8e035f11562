// Helpers of the element's GstHarness tests (test_element.cpp, test_element_faults.cpp).
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/classifier.hpp"
#include "gstferemotion.h"
#include "model_cache.hpp"
#include "tsan_annotations.hpp"

namespace fs = std::filesystem;

// ThreadSanitizer cannot see GStreamer hand buffers and messages between threads: its queues are
// guarded by GLib's GMutex, a futex rather than a pthread mutex. Under TSan these helpers announce
// each hand-off to it (a release where the data leaves a thread, an acquire where it arrives), so
// what is left to report is what our code does; in other builds they do nothing.
inline void annotate_bus(GstBus* bus) {
#ifdef FER_TSAN
  gst_bus_set_sync_handler(bus, [](GstBus*, GstMessage* msg, gpointer) {
    FER_TSAN_RELEASE(msg);
    return GST_BUS_PASS;
  }, nullptr, nullptr);
#else
  (void)bus;
#endif
}

// Every pad of every element in `pipeline` (a queue's, a tee's, appsrc's) acquires and releases
// each buffer that crosses it, and the bus releases each message as it is posted: popped()
// acquires it on the reading side.
inline void annotate_handoffs(GstElement* pipeline) {
#ifdef FER_TSAN
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    GstElement* e = GST_ELEMENT(g_value_get_object(&item));
    for (GList* l = GST_ELEMENT_PADS(e); l; l = l->next)
      gst_pad_add_probe(GST_PAD(l->data), GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer) {
        FER_TSAN_ACQUIRE(GST_PAD_PROBE_INFO_BUFFER(info));
        FER_TSAN_RELEASE(GST_PAD_PROBE_INFO_BUFFER(info));
        return GST_PAD_PROBE_OK;
      }, nullptr, nullptr);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  GstBus* bus = gst_element_get_bus(pipeline);
  annotate_bus(bus);
  gst_object_unref(bus);
#else
  (void)pipeline;
#endif
}

inline GstMessage* popped(GstMessage* msg) {
#ifdef FER_TSAN
  if (msg) FER_TSAN_ACQUIRE(msg);
#endif
  return msg;
}

// Pushes (and takes) a buffer into appsrc: with no second reference, basesrc's first-buffer
// DISCONT flag needs no copy, which would read the buffer before any pad sees it.
inline void push_to_appsrc(GstElement* appsrc, GstBuffer* buffer) {
#ifdef FER_TSAN
  FER_TSAN_RELEASE(buffer);
#endif
  EXPECT_EQ(gst_app_src_push_buffer(GST_APP_SRC(appsrc), buffer), GST_FLOW_OK);
}

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
  annotate_bus(bus);
  gst_element_set_bus(h->element, bus);
  gst_object_unref(bus);
  return h;
}

// The next message of one of `types` on `bus` within `timeout`, or nullptr. Messages of other
// types are dropped here, not inside GStreamer, so each is popped() first.
inline GstMessage* next_message(GstBus* bus, GstClockTime timeout, GstMessageType types) {
  const gint64 deadline = timeout == GST_CLOCK_TIME_NONE ? -1 : g_get_monotonic_time() + timeout / 1000;
  for (;;) {
    const gint64 left = deadline < 0 ? -1 : std::max<gint64>(0, deadline - g_get_monotonic_time());
    GstMessage* msg = popped(gst_bus_timed_pop(bus, left < 0 ? GST_CLOCK_TIME_NONE : left * 1000));
    if (!msg || (GST_MESSAGE_TYPE(msg) & types)) return msg;
    gst_message_unref(msg);
  }
}

// The first error message on the element's bus, or "".
inline std::string error_text(GstElement* element) {
  GstBus* bus = gst_element_get_bus(element);
  std::string text;
  if (GstMessage* msg = next_message(bus, 0, GST_MESSAGE_ERROR)) {
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
  GstMessage* msg = next_message(bus, GST_CLOCK_TIME_NONE, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
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
  annotate_handoffs(pipe);
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
